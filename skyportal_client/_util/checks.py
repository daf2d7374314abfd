"""What kind of value a setting or a cell holds, where Python's types alone would be wrong:
``bool`` is a subclass of ``int``, so True would pass for the number 1. Every check of
"a number" or "an integer" in the package is one of these."""

from typing import Optional, TypeGuard, Union


def is_number(value: object) -> TypeGuard[Union[int, float]]:
    """Whether ``value`` is an int or a float, and not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an int, and not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def integer_index(value: object) -> Optional[int]:
    """``value`` as an int when it is an integer, numpy's included (through ``__index__``);
    None for anything else, bools and floats included."""
    # numpy's bool is no subclass of bool, and numpy before 2.3 gives it an __index__.
    if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", None) == "b":
        return None
    index = getattr(value, "__index__", None)
    return index() if index is not None else None

"""A front-door verb given a keyword it does not take: Python's TypeError, with the keyword it
may have meant (``groups=`` for ``group=``)."""

from __future__ import annotations

import difflib
import functools
import inspect
from typing import Any, Callable, TypeVar

from skyportal_client.exceptions import ApiTypeError

Class = TypeVar("Class", bound=type)


def keyword_hints(cls: Class) -> Class:
    """``cls`` with each public method refusing an unknown keyword by name, with the one it may have meant."""
    for name, method in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(method):
            setattr(cls, name, _hinted(cls.__name__, method))
    return cls


def _hinted(owner: str, method: Callable[..., Any]) -> Callable[..., Any]:
    parameters = [name for name, parameter in inspect.signature(method).parameters.items()
                  if name != "self" and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)]
    taken = frozenset(parameters)

    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> Any:
        unknown = [name for name in kwargs if name not in taken]
        if unknown:
            raise ApiTypeError(f"{owner}.{method.__name__}() got an unexpected keyword argument "
                               + ", ".join(_with_guess(name, parameters) for name in unknown))
        return method(*args, **kwargs)

    return checked


def _with_guess(name: str, parameters: list) -> str:
    close = difflib.get_close_matches(name, parameters, n=1, cutoff=0.6)
    return f"{name!r} (did you mean {close[0]}=?)" if close else f"{name!r} (it takes {', '.join(parameters)})"

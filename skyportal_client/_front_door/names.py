"""Things on the server given by name or by id: one rule for what a name means, and the
message when it means nothing, or more than one thing."""

from __future__ import annotations

import difflib
from typing import Callable, Iterable, Sequence, Tuple, TypeVar, Union

from skyportal_client._models.base import Model
from skyportal_client._util.checks import integer_index
from skyportal_client.exceptions import ApiTypeError, ApiValueError, NameLookupError

# How many names a message lists before it says how to list them all.
LISTED = 12

NameOrId = Union[str, int]
Thing = TypeVar("Thing", bound=Model)


def a_name(what: str, value: object) -> str:
    """``value`` as a name: a non-empty str; ApiTypeError otherwise."""
    if not isinstance(value, str):
        raise ApiTypeError(f"{what} must be a name (str), not {type(value).__name__} {value!r}")
    return str(name_or_id(what, value))


def name_or_id(what: str, value: object) -> Union[str, int]:
    """``value`` as a name (a non-empty str) or an id (an int, numpy's too); ApiTypeError otherwise."""
    if isinstance(value, str):
        if not value.strip():
            raise ApiTypeError(f"{what} must be a name or an id, not an empty string")
        return value
    index = integer_index(value)  # int and numpy integers
    if index is not None:
        return index
    raise ApiTypeError(f"{what} must be a name (str) or an id (int), not {type(value).__name__} {value!r}")


def one_named(kind: str, name: str, named: Sequence[Thing], known: Callable[[], Sequence[Thing]], host: str,
              known_as: str = "") -> Thing:
    """The one thing of ``named`` (those called exactly ``name``), or NameLookupError.

    ``known`` lists every thing of this kind the token can use; it is called only when
    ``name`` names nothing, to say what it may have meant. ``known_as`` says what those
    are in a message (default: "its instruments", for kind "instrument").
    """
    known_as = known_as or f"its {kind}s"
    if len(named) == 1:
        return named[0]
    if named:
        candidates = tuple((thing.name, thing.id) for thing in named)
        listed = "; ".join(f"id {thing.id}{_described(thing)}" for thing in named)
        raise NameLookupError(f"{len(named)} {kind}s are named {name!r} on {host} ({listed}): pass the id of "
                              f"the one you mean", kind=kind, name=name, candidates=candidates)
    everything = known()
    candidates = _candidates(name, everything)
    if candidates:
        meant = " or ".join(f"{candidate!r} (id {thing_id})" for candidate, thing_id in candidates)
        raise NameLookupError(f"No {kind} named {name!r} on {host}: did you mean {meant}? Names must match exactly"
                              + _looks_like_an_id(kind, name), kind=kind, name=name, candidates=candidates)
    names = sorted(thing.name for thing in everything)
    if not names:
        there = f"{known_as}: none"
    elif len(names) <= LISTED:
        there = f"{known_as}: {', '.join(map(repr, names))}"
    else:
        there = f"{known_as}: {len(names)} of them, listed by {kind}s.list()"
    raise NameLookupError(f"No {kind} named {name!r} on {host}; {there}{_looks_like_an_id(kind, name)}",
                          kind=kind, name=name)


def _looks_like_an_id(kind: str, name: str) -> str:
    """A hint for a name that is an id written as text ("12"), which is looked up as a name."""
    digits = name.strip()
    if not (digits.isascii() and digits.isdigit()):
        return ""
    return f". {name!r} looks like an id: pass it as a number ({int(digits)}), not as text, for the {kind} of that id"


def _described(thing: Model) -> str:
    """What tells apart things of one name: an instrument's telescope, a group's nickname."""
    telescope = thing.get("telescope")
    if telescope is not None:
        return f" on {telescope.name}"
    nickname = thing.get("nickname")
    return f" ({nickname})" if nickname else ""


def _candidates(name: str, things: Sequence[Model]) -> Tuple[Tuple[str, int], ...]:
    """(name, id) of the things ``name`` may have meant: the same name in other case or a nickname
    first, then names spelled alike."""
    folded = name.casefold()
    alike = [thing for thing in things
             if thing.name.casefold() == folded or (thing.get("nickname") or "").casefold() == folded]
    close = difflib.get_close_matches(name, [thing.name for thing in things], n=3, cutoff=0.6)
    alike += [thing for candidate in close for thing in things if thing.name == candidate and thing not in alike]
    return tuple((thing.name, thing.id) for thing in alike[:3])


def listed_ids(kind: str, values: Union[NameOrId, Iterable[NameOrId]], things: Sequence[Thing], host: str) -> list:
    """The ids of ``values`` (one, or a list of names or ids, mixed) among ``things``, all that the token can use,
    without repeats: a name resolves as ``one_named`` says, and an id must be one of them too,
    since SkyPortal would drop an unknown one without a word, or answer with its SQL error."""
    by_id = {thing.id: thing for thing in things}
    listed = [values] if isinstance(values, (str, int)) or hasattr(values, "__index__") else list(values)
    if not listed:
        raise ApiValueError(f"No {kind} given: name at least one, by name or id")
    ids = []
    for value in listed:
        value = name_or_id(kind, value)
        if isinstance(value, str):
            ids.append(one_named(kind, value, [thing for thing in things if thing.name == value],
                                 lambda: things, host).id)
        elif value in by_id:
            ids.append(value)
        else:
            usable = ", ".join(f"{thing.name!r} (id {thing.id})" for thing in things[:LISTED]) or "none"
            raise NameLookupError(f"No {kind} with id {value} that the token can use on {host}; its {kind}s: "
                                  f"{usable}. Pass one of these, by name or id", kind=kind, name=str(value))
    return list(dict.fromkeys(ids))

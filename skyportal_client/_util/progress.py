"""Progress of a long call (an upload, a rollback, a download): a tqdm bar, a function of yours, or nothing.

The ``progress`` argument of ``upload_photometry``, ``rollback``, ``download_light_curves``
and ``sync_light_curves`` is None (nothing), True (a tqdm bar on stderr, with an ETA, when
the [progress] extra is installed; without it a line per step on stderr, with the time
left) or a function called after each step: with (done, in all) for points, and with
(the item, done, in all) for a call over items, such as a download's ObjectResults.
``Bar`` and ``Lines`` are the two displays of True.
"""

import sys
import time
from typing import Any, Callable, Optional, TextIO, Union

from skyportal_client._light_curves.tables import require
from skyportal_client.exceptions import ApiTypeError

# ``Lines`` writes at most about this many lines however many steps there are, unless each names its item.
MOST_LINES = 100

# What a ``progress`` argument may be: for points, and for items.
ProgressArgument = Union[None, bool, Callable[[int, int], Any]]
ItemProgressArgument = Union[None, bool, Callable[[Any, int, int], Any]]


class Progress:
    """A context giving ``report(done)`` for a ``progress`` argument, and ``note(text)``
    for a line to show above the bar (stderr) when there is one.

    With ``describe`` the steps are items (``report(done, item)``): a function of yours gets
    (item, done, in all), and the bar or the lines show ``describe(item)``.
    """

    def __init__(self, progress: Union[ProgressArgument, ItemProgressArgument], total: int, unit: str = "point",
                 describe: Optional[Callable[[Any], str]] = None):
        self._total = total
        self._describe = describe
        self._display: Union[Bar, Lines, None] = on_stderr(unit) if progress is True else None
        self._callback: Optional[Callable[..., Any]] = None
        if self._display is None and callable(progress):
            self._callback = progress
        elif self._display is None and progress not in (None, False):
            arguments = "(item, done, in all)" if describe is not None else "(done, in all)"
            raise ApiTypeError(f"progress must be None, True or a function of {arguments}")

    def __enter__(self) -> "Progress":
        return self

    def __call__(self, done: int, item: Any = None) -> None:
        if self._display is not None:
            self._display(done, self._total, self._describe(item) if self._describe is not None else None)
        elif self._callback is not None:
            if self._describe is not None:
                self._callback(item, done, self._total)
            else:
                self._callback(done, self._total)

    def note(self, text: str) -> None:
        if self._display is not None:
            self._display.write(text)

    def __exit__(self, *exc_info: Any) -> None:
        if self._display is not None:
            self._display.close()


def on_stderr(unit: str = "point") -> Union["Bar", "Lines"]:
    """The display of ``progress=True``: a tqdm bar when tqdm is installed, else ``Lines``."""
    try:
        return Bar(unit)
    except ImportError:
        return Lines(unit=unit + "s")


class Bar:
    """A tqdm bar on stderr, with an ETA, as a progress function of (done, in all); it
    opens at the first step and closes when all is done, or with ``close()``.
    Needs the [progress] extra."""

    def __init__(self, unit: str = "point"):
        self._tqdm = require("tqdm").tqdm
        self._unit = unit
        self._bar: Any = None

    def __call__(self, done: int, total: int, text: Optional[str] = None) -> None:
        if self._bar is None:
            self._bar = self._tqdm(total=total, unit=self._unit, file=sys.stderr)
        if text is not None:
            self._bar.set_postfix_str(text, refresh=False)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self.close()

    def write(self, text: str) -> None:
        """A line on stderr, above the bar if it is shown."""
        self._tqdm.write(text, file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class Lines:
    """A progress function of (done, in all) that writes "done/total points" lines to
    ``stream`` (stderr by default), with the time left while unfinished, for terminals
    without tqdm: a line per step, at most about MOST_LINES in all; every step that has
    a ``text`` (the item it finished) gets its line, with that text."""

    def __init__(self, stream: Optional[TextIO] = None, unit: str = "points",
                 clock: Callable[[], float] = time.monotonic):
        self._stream = stream
        self._unit = unit
        self._clock = clock
        self._started = clock()
        self._last: Optional[int] = None

    def __call__(self, done: int, total: int, text: Optional[str] = None) -> None:
        if text is None and done < total and self._last is not None and done - self._last < total / MOST_LINES:
            return
        self._last = done
        line = f"{done}/{total} {self._unit}" + (f": {text}" if text is not None else "")
        if 0 < done < total:
            line += f", {about((self._clock() - self._started) * (total - done) / done)} left"
        print(line, file=self._stream or sys.stderr, flush=True)

    def write(self, text: str) -> None:
        """A line on the stream, as ``Bar.write``."""
        print(text, file=self._stream or sys.stderr, flush=True)

    def close(self) -> None:
        """Nothing to close: there for the likeness with ``Bar``."""


def about(seconds: float) -> str:
    """A time to come, as people say it: "under a second", "about 3 min 20 s"."""
    return "under a second" if seconds < 1 else f"about {duration(seconds)}"


def duration(seconds: float) -> str:
    """A time span as people say it: "45 s", "3 min 20 s", "2 h 5 min"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"

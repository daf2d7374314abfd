"""Progress of a long call (an upload, a rollback): a tqdm bar, a function of yours, or nothing.

The ``progress`` argument of ``upload_photometry`` and ``rollback`` is None (nothing),
True (a tqdm bar on stderr, with an ETA; needs the [progress] extra) or a function
called with (done, in all) after each step.  ``Bar`` and ``Lines`` are such
functions: a tqdm bar, and a line per step with the time left, for terminals without tqdm.
"""

import sys
import time
from typing import Any, Callable, Optional, TextIO, Union

from skyportal_client._light_curves.tables import require

# ``Lines`` writes at most about this many lines however many steps there are.
MOST_LINES = 100

# What a ``progress`` argument may be.
ProgressArgument = Union[None, bool, Callable[[int, int], Any]]


class Progress:
    """A context giving ``report(done)`` for a ``progress`` argument, and ``note(text)``
    for a line to show above the bar (stderr) when there is one."""

    def __init__(self, progress: ProgressArgument, total: int, unit: str = "point"):
        self._total = total
        self._bar = Bar(unit) if progress is True else None
        self._report: Callable[[int, int], Any]
        if self._bar is not None:
            self._report = self._bar
        elif callable(progress):
            self._report = progress
        elif progress in (None, False):
            self._report = lambda done, total: None
        else:
            raise TypeError("progress must be None, True or a function of (done, in all)")

    def __enter__(self) -> "Progress":
        return self

    def __call__(self, done: int) -> None:
        self._report(done, self._total)

    def note(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text)

    def __exit__(self, *exc_info: Any) -> None:
        if self._bar is not None:
            self._bar.close()


class Bar:
    """A tqdm bar on stderr, with an ETA, as a progress function of (done, in all); it
    opens at the first step and closes when all is done, or with ``close()``.
    Needs the [progress] extra."""

    def __init__(self, unit: str = "point"):
        self._tqdm = require("tqdm").tqdm
        self._unit = unit
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = self._tqdm(total=total, unit=self._unit, file=sys.stderr)
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
    ``stream`` (stderr by default), with the time left while unfinished: a line per step,
    at most about MOST_LINES in all, for terminals without tqdm."""

    def __init__(self, stream: Optional[TextIO] = None, unit: str = "points",
                 clock: Callable[[], float] = time.monotonic):
        self._stream = stream
        self._unit = unit
        self._clock = clock
        self._started = clock()
        self._last: Optional[int] = None

    def __call__(self, done: int, total: int) -> None:
        if done < total and self._last is not None and done - self._last < total / MOST_LINES:
            return
        self._last = done
        line = f"{done}/{total} {self._unit}"
        if 0 < done < total:
            line += f", {about((self._clock() - self._started) * (total - done) / done)} left"
        print(line, file=self._stream or sys.stderr, flush=True)

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

"""What is wrong with the values given, found before anything is sent: the problems and their report.

A check never stops at the first problem: it returns every ``Problem``, each with
its row (a point's position, None for a whole field), its column, a ``kind`` that
groups the problems of one sort, and a ``detail`` saying what is wrong and what to
do. ``report`` turns any number of them into a message of bounded length.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Callable, Iterable, List, Optional, Sequence

# Kinds of problem that are a value of the wrong type (the others are wrong values).
TYPE_KIND = "wrong type"

# How many problems a message lists one by one, and how many rows it names per kind beyond that.
LISTED_PROBLEMS = 20
ROWS_NAMED_PER_KIND = 5


@dataclasses.dataclass(frozen=True)
class Problem:
    """One problem: ``column`` ("" for the whole body) at ``row`` (None for the whole column
    or a single value), of ``kind``, described by ``detail`` (which reads on from the place)."""

    row: Optional[int]
    column: str
    kind: str
    detail: str

    def in_model(self, model: str) -> str:
        """The problem as a model names it: ``PhotometryMagUpload.mag[3] is nan; ...``."""
        place = model if not self.column else f"{model}.{self.column}"
        if self.row is not None:
            place += f"[{self.row}]"
        return f"{place} {self.detail}"

    def in_table(self) -> str:
        """The problem as a table names it: ``row 3, mag: is nan; ...``."""
        if self.row is None:
            return f"column {self.column}: {self.detail}" if self.column else self.detail
        return f"row {self.row}, {self.column}: {self.detail}"


def report(problems: Sequence[Problem], heading: str, render: Callable[[Problem], str]) -> str:
    """``heading``, then the problems: each one when there are few, else a summary by kind with
    the count and the first rows of each, so that the text stays short however many there are."""
    count = len(problems)
    lines = [f"{count} problem{'s' if count != 1 else ''} {heading}:"]
    if count <= LISTED_PROBLEMS:
        lines += [f"  {render(problem)}" for problem in problems]
        return "\n".join(lines)
    by_kind: "collections.OrderedDict[tuple, List[Problem]]" = collections.OrderedDict()
    for problem in problems:
        by_kind.setdefault((problem.column, problem.kind), []).append(problem)
    for (column, kind), group in by_kind.items():
        rows = [problem.row for problem in group if problem.row is not None]
        shown = ", ".join(map(str, rows[:ROWS_NAMED_PER_KIND])) + (", ..." if len(rows) > ROWS_NAMED_PER_KIND else "")
        where = f" (rows {shown})" if rows else ""
        lines.append(f"  {len(group)} × {column or 'body'}, {kind}{where}: e.g. {render(group[0])}")
    return "\n".join(lines)


def only_type_problems(problems: Iterable[Problem]) -> bool:
    return all(problem.kind == TYPE_KIND for problem in problems)

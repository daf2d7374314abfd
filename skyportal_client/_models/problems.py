"""What is wrong with the values given, found before anything is sent: the problems and their report.

A check never stops at the first problem: it returns every ``Problem``, each with
its row (a point's position, None for a whole field), its column, a ``kind`` that
groups the problems of one sort, and a ``detail`` saying what is wrong and what to
do. ``report`` turns any number of them into a message of bounded length, and
``write_csv`` writes them all, one line each.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import os
from typing import Callable, Iterable, List, Optional, Sequence, TextIO, Union

# Kinds of problem that are a value of the wrong type (the others are wrong values).
TYPE_KIND = "wrong type"

# A message lists up to LISTED_PROBLEMS problems one by one; beyond that, or when they would
# not fit in REPORT_LENGTH characters, it gives a line per kind, naming its first rows.
LISTED_PROBLEMS = 20
ROWS_NAMED_PER_KIND = 5
# The most characters of a report's lines (a terminal's worth), and of any one line.
REPORT_LENGTH = 3000
LINE_LENGTH = 400
# The columns of a problem report written as CSV.
CSV_HEADER = ("row", "column", "kind", "detail")


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
    """``heading``, then the problems: each one when there are few, else a line per kind with
    the count and the first rows of each.  However many there are, the text stays under
    about REPORT_LENGTH characters; kinds beyond that are counted in a last line."""
    count = len(problems)
    first = f"{count} problem{'s' if count != 1 else ''} {heading}:"
    if count <= LISTED_PROBLEMS:
        lines = [_cut(f"  {render(problem)}") for problem in problems]
        if sum(map(len, lines)) <= REPORT_LENGTH:
            return "\n".join([first] + lines)
    by_kind: "collections.OrderedDict[tuple, List[Problem]]" = collections.OrderedDict()
    for problem in problems:
        by_kind.setdefault((problem.column, problem.kind), []).append(problem)
    groups = list(by_kind.values())
    lines, length = [first], 0
    for index, ((column, kind), group) in enumerate(by_kind.items()):
        rows = [problem.row for problem in group if problem.row is not None]
        shown = ", ".join(map(str, rows[:ROWS_NAMED_PER_KIND])) + (", ..." if len(rows) > ROWS_NAMED_PER_KIND else "")
        where = f" (rows {shown})" if rows else ""
        line = _cut(f"  {len(group)} × {column or 'body'}, {kind}{where}: e.g. {render(group[0])}")
        if length + len(line) > REPORT_LENGTH:
            lines.append(f"  and {sum(map(len, groups[index:]))} more problems of {len(groups) - index} more kinds")
            break
        lines.append(line)
        length += len(line)
    return "\n".join(lines)


def _cut(line: str) -> str:
    return line if len(line) <= LINE_LENGTH else line[:LINE_LENGTH - 1] + "…"


def write_csv(problems: Iterable[Problem], destination: Union[str, "os.PathLike[str]", TextIO]) -> None:
    """Write every problem as CSV (row, column, kind, detail; an empty row for a whole column)
    to ``destination``: a file path, or an open text stream."""
    if isinstance(destination, (str, os.PathLike)):
        with open(destination, "w", newline="", encoding="utf-8") as stream:
            write_csv(problems, stream)
        return
    writer = csv.writer(destination)
    writer.writerow(CSV_HEADER)
    writer.writerows(["" if problem.row is None else problem.row, problem.column, problem.kind, problem.detail]
                     for problem in problems)


def only_type_problems(problems: Iterable[Problem]) -> bool:
    return all(problem.kind == TYPE_KIND for problem in problems)

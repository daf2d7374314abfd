"""Reads the Python examples of a Markdown page and runs them with real values filled in.

Examples in the seed and in docs/ assign each parameter on its own, marked with a
trailing ``# <type> | <description>`` comment (the value may span several lines).
``fill_in`` replaces those values, so an example written for Fritz runs against the
server under test.
"""

import contextlib
import io
import re

_FENCE = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
_HEADING = re.compile(r"^# \*\*(\w+)\*\*$", re.M)
_ASSIGNMENT = re.compile(r"^(\s*)(\w+) = ")
_MARKER = re.compile(r"# [\w\[\]]+ \|")


def examples_by_operation(markdown):
    """{operation name: [code blocks]} for a page with one ``# **name**`` section per operation."""
    headings = list(_HEADING.finditer(markdown))
    found = {}
    for heading, following in zip(headings, headings[1:] + [None]):
        section = markdown[heading.end(): following.start() if following else len(markdown)]
        found[heading.group(1)] = _FENCE.findall(section)
    return found


def all_examples(markdown):
    return _FENCE.findall(markdown)


def parameter_assignments(code):
    """{name: value source} of the marked parameter assignments in ``code``."""
    return {name: value for name, value, _ in _assignments(code)}


def fill_in(code, values):
    """``code`` with the marked assignment of each name in ``values`` set to that source text."""
    lines = code.splitlines()
    for name, _, (first, last) in reversed(list(_assignments(code))):
        if name in values:
            indent = _ASSIGNMENT.match(lines[first]).group(1)
            lines[first:last + 1] = [f"{indent}{name} = {values[name]}"]
    return "\n".join(lines) + "\n"


def _assignments(code):
    lines = code.splitlines()
    index = 0
    while index < len(lines):
        start = _ASSIGNMENT.match(lines[index])
        if start:
            for end in range(index, len(lines)):
                if end > index and _ASSIGNMENT.match(lines[end]):
                    break  # an unmarked assignment: not a parameter
                marker = _MARKER.search(lines[end])
                if marker:
                    text = "\n".join(lines[index:end + 1])
                    value = text[start.end():text.rindex(marker.group(0))].strip()
                    yield start.group(2), value, (index, end)
                    index = end
                    break
        index += 1


def run(code):
    """Runs ``code``; returns its globals and what it printed."""
    namespace = {"__name__": "__example__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "<example>", "exec"), namespace)
    return namespace, printed.getvalue()

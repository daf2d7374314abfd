"""The hand-written guides (README.md and docs/*.md but the generated *Api.md pages) as doctests.

One convention for all of them. A ```python block is an interactive session: ``>>>`` and
``...`` lines, then what they print, as astropy's docs show it; the test runs it with doctest
and compares the output (``...`` stands for text that changes from run to run, and line breaks
count as spaces). A block whose info string names a file (```csv file=light_curve.csv) is that
file's content: it is written to the scratch directory before the page runs, so a session can
read it. The blocks of a page share their variables, as in one Python session.

Each page runs against a new embedded server set up as a new SkyPortal would be (so the ids
are those the pages show): telescope 1 "Palomar 48-inch" (P48) carrying instrument 1 "ZTF",
an imager with ztfg, ztfr and ztfi; group 3 "My program" (1 is the public "Sitewide Group", 2
the admin's own); stream 1 "ZTF Public", which the admin and group 3 may read, and filter 1
"Bright transients" of group 3 on it; and, unless the page creates it, the source "ZTF21testobj"
saved to group 3.
"""

import contextlib
import dataclasses
import doctest
import io
import re
from typing import List, Optional

from skyportal_client.testing import SkyPortalTestServer
from skyportal_client.testing.provision import api_call

_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<text>.*?)^```", re.M | re.S)
_FILE = re.compile(r"\bfile=(\S+)")
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
OBJ_ID = "ZTF21testobj"


@dataclasses.dataclass(frozen=True)
class Block:
    """A fenced block of a page: ``kind`` is "session", "file" or "other" (shell commands, say)."""

    kind: str
    text: str
    line: int  # of its first line in the page, counting from 0
    file_name: str = ""


def blocks(markdown: str) -> List[Block]:
    found = []
    for fence in _FENCE.finditer(markdown):
        info, text = fence.group("info").strip(), fence.group("text")
        line = markdown.count("\n", 0, fence.start("text"))
        named = _FILE.search(info)
        if named:
            found.append(Block("file", text, line, named.group(1)))
        elif info.split(" ")[0] == "python":
            found.append(Block("session", text, line))
        else:
            found.append(Block("other", text, line))
    return found


def sources(markdown: str) -> str:
    """The Python the sessions of ``markdown`` type, without prompts and output, as one script."""
    parser = doctest.DocTestParser()
    return "".join(example.source for block in blocks(markdown) if block.kind == "session"
                   for example in parser.get_examples(block.text))


def run(markdown: str, name: str, path: str) -> str:
    """Runs the page in the current directory; returns doctest's report of what differed ("" when nothing)."""
    for block in blocks(markdown):
        if block.kind == "file":
            with open(block.file_name, "w", encoding="utf-8") as handle:
                handle.write(block.text)
    parser, report = doctest.DocTestParser(), io.StringIO()
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    session = {"__name__": "__guide__"}
    for block in blocks(markdown):
        if block.kind == "session":
            test = parser.get_doctest(block.text, session, name, path, block.line)
            runner.run(test, out=report.write, clear_globs=False)
            session = test.globs  # the next block goes on with this one's variables
    return report.getvalue()


@contextlib.contextmanager
def server(with_source: bool = True, db_path: Optional[str] = None):
    """A new embedded server set up as the module docstring says (its database in ``db_path``); yields it."""
    with SkyPortalTestServer(db_path=db_path) as embedded:
        url, token = embedded.url, embedded.token
        telescope = api_call(url, token, "POST", "/api/telescope", {
            "name": "Palomar 48-inch", "nickname": "P48", "lat": 33.3633675, "lon": -116.8361345,
            "elevation": 1870.0, "diameter": 1.2, "robotic": True, "fixed_location": True})["id"]
        instrument = api_call(url, token, "POST", "/api/instrument", {
            "name": "ZTF", "type": "imager", "band": "optical", "telescope_id": telescope,
            "filters": ["ztfg", "ztfr", "ztfi"]})["id"]
        group = api_call(url, token, "POST", "/api/groups", {"name": "My program", "nickname": "mine"})["id"]
        stream = api_call(url, token, "POST", "/api/streams", {"name": "ZTF Public"})["id"]
        api_call(url, token, "POST", f"/api/streams/{stream}/users",
                 {"user_id": api_call(url, token, "GET", "/api/internal/profile")["id"]})
        api_call(url, token, "POST", f"/api/groups/{group}/streams", {"stream_id": stream})
        alert_filter = api_call(url, token, "POST", "/api/filters", {"name": "Bright transients",
                                                                     "stream_id": stream, "group_id": group})["id"]
        assert (telescope, instrument, group, stream, alert_filter) == (1, 1, 3, 1, 1), \
            "the pages show the ids of a new server"
        if with_source:
            api_call(url, token, "POST", "/api/sources", {"id": OBJ_ID, "ra": 234.22, "dec": -22.33,
                                                         "group_ids": [group]})
        yield embedded


"""Every hand-written guide (README.md, docs/*.md) runs as the doctest it is, page by page, each
against a new embedded server, and prints what the page shows (see guides.py for the convention).
The generated pages (docs/*Api.md and the models') have their own test, test_docs_examples.py."""

import doctest
import os
import pathlib
import subprocess
import sys

from support import guides
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The hand-written pages: those .openapi-generator-ignore keeps from the generator.
PAGES = [ROOT / "README.md"] + sorted(ROOT / line for line in (ROOT / ".openapi-generator-ignore").read_text().split()
                                      if line.startswith("docs/") and line.endswith(".md"))
# The pages that make the source themselves, as a reader's first script would.
MAKE_THEIR_SOURCE = {"README.md", "quickstart.md"}


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_session_prints_what_the_page_shows(page, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    markdown = page.read_text()
    found = guides.blocks(markdown)
    assert [block for block in found if block.kind == "session"], f"{page.name} has no Python session"
    for block in found:
        if block.kind == "session":
            assert block.text.lstrip().startswith(">>> "), f"{page.name}:{block.line}: a ```python block is a session"
    with guides.server(with_source=page.name not in MAKE_THEIR_SOURCE) as server:
        monkeypatch.setenv("SKYPORTAL_URL", server.url)
        monkeypatch.setenv("SKYPORTAL_TOKEN", server.token)
        report = guides.run(markdown, page.name, str(page))
    assert report == "", report


def test_every_page_but_the_generated_ones_is_run():
    generated = {line.strip() for line in (ROOT / ".openapi-generator" / "FILES").read_text().splitlines()}
    written = {f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md")} - generated
    assert written == {str(page.relative_to(ROOT)) for page in PAGES[1:]}


def test_the_quickstart_task_takes_six_lines_and_runs_alone(monkeypatch, tmp_path):
    """Make sure the source exists, upload a light curve by instrument name, read it back as a table:
    the first session of the quickstart, run by itself on a server where the source is new."""
    monkeypatch.chdir(tmp_path)
    markdown = (ROOT / "docs" / "quickstart.md").read_text()
    found = guides.blocks(markdown)
    task = next(block for block in found if block.kind == "session")
    typed = [line for line in task.text.splitlines() if line.startswith((">>> ", "... "))]
    assert len(typed) <= 6, typed
    assert "sources.ensure(" in task.text and "instrument=\"ZTF\"" in task.text and "as_=\"astropy\"" in task.text
    through_the_task = markdown[:markdown.index(task.text) + len(task.text)] + "```\n"  # with the files before it
    with guides.server(with_source=False) as server:
        monkeypatch.setenv("SKYPORTAL_URL", server.url)
        monkeypatch.setenv("SKYPORTAL_TOKEN", server.token)
        report = guides.run(through_the_task, "quickstart task", "docs/quickstart.md")
        assert report == "", report
        assert server.photometry_count() > 0


def test_the_logging_recipe_prints_the_requests_when_run_as_written(tmp_path):
    """The recipe of docs/configuration.md, run in a fresh interpreter, shows the client's requests."""
    page = (ROOT / "docs" / "configuration.md").read_text()
    section = page[page.index("## Logging"):].split("\n## ")[0]
    recipe = guides.sources(section)
    assert "logging.getLogger(\"skyportal_client\").setLevel(logging.DEBUG)" in recipe
    script = recipe + ("\nimport skyportal_client\n"
                       "with skyportal_client.SkyPortal() as sp:\n    sp.photometry.get('ZTF21testobj')\n")
    with guides.server() as server:
        environment = {**os.environ, "SKYPORTAL_URL": server.url, "SKYPORTAL_TOKEN": server.token}
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment,
                             cwd=tmp_path, timeout=60)
        assert run.returncode == 0, run.stderr
        assert "skyportal_client DEBUG GET /api/sources/ZTF21testobj/photometry?format=mag&magsys=ab -> 200" in run.stderr
        assert server.token not in run.stderr


def test_a_session_that_prints_something_else_fails(monkeypatch, tmp_path):
    """The convention's check can fail: output that differs is reported, line by line."""
    monkeypatch.chdir(tmp_path)
    page = "```text file=numbers.txt\n1 2 3\n```\n\n```python\n>>> open('numbers.txt').read().split()\n['1', '2']\n```\n"
    report = guides.run(page, "made up", "made-up.md")
    assert "Expected:\n    ['1', '2']\nGot:\n    ['1', '2', '3']" in report
    assert doctest.ELLIPSIS & guides.OPTIONS and doctest.NORMALIZE_WHITESPACE & guides.OPTIONS

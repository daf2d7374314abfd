"""Every Python block of README.md and of the pages in docs/ runs, page by page, against a fresh server.

The pages use the ids a new SkyPortal would give: instrument 1 and the object "ZTF21testobj".
Blocks of one page share their variables, as in a notebook, and run in a scratch directory,
where the files they write (manifests, CSV) stay. The generated API pages (docs/*Api.md) have
their own test (test_docs_examples.py), which fills in fresh ids.
"""

import os
import pathlib
import subprocess
import sys

import pytest

import markdown_examples
from skyportal_client.testing import SkyPortalTestServer
from skyportal_client.testing.provision import api_call, provision

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").glob("*.md") if not p.name.endswith("Api.md"))


@pytest.fixture(scope="module")
def fresh_server():
    with SkyPortalTestServer() as server:
        where = provision(server.url, server.token)
        assert where.instrument_id == 1, "the pages assume the first instrument of a new server"
        api_call(server.url, server.token, "POST", "/api/sources",
                 {"id": "ZTF21testobj", "ra": 234.22, "dec": -22.33, "group_ids": [where.group_id]})
        yield server


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_block_runs(page, fresh_server, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SKYPORTAL_URL", fresh_server.url)
    monkeypatch.setenv("SKYPORTAL_TOKEN", fresh_server.token)
    blocks = markdown_examples.all_examples(page.read_text())
    assert blocks, f"{page.name} has no Python block"
    namespace = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)


def test_the_logging_recipe_prints_the_requests_when_run_as_written(fresh_server, tmp_path):
    """The recipe of docs/configuration.md, run in a fresh interpreter, shows the client's requests."""
    page = (ROOT / "docs" / "configuration.md").read_text()
    recipe = markdown_examples.all_examples(page[page.index("## Logging"):])[0]
    script = recipe + (
        "\nimport skyportal_client\nfrom skyportal_client.api import photometry_api\n"
        "with skyportal_client.ApiClient() as client:\n"
        "    photometry_api.PhotometryApi(client).api_sources_obj_id_photometry_get('ZTF21testobj')\n")
    environment = {**os.environ, "SKYPORTAL_URL": fresh_server.url, "SKYPORTAL_TOKEN": fresh_server.token}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment,
                         cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "skyportal_client DEBUG GET /api/sources/ZTF21testobj/photometry -> 200" in run.stderr
    assert fresh_server.token not in run.stderr

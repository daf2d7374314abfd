"""A type checker sees the models' fields with their types: mypy checks a user's snippet
(model_fields.py) and reveals the type of a number field and of a nested model."""

import pathlib
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (tox -e typecheck installs it and runs this test)")

SNIPPET = pathlib.Path(__file__).with_name("model_fields.py")
REPOSITORY = pathlib.Path(__file__).parents[2]

REVEALED = {
    "Source().ra": "float | None",
    "SourceResponse().data": "skyportal_client.model.source.Source",
    "Source().groups": "list[skyportal_client.model.group.Group] | None",
    "Instrument().telescope": "skyportal_client.model.telescope.Telescope | None",
}


def test_mypy_sees_the_fields_types(tmp_path):
    snippet = tmp_path / "user_snippet.py"
    shutil.copy(SNIPPET, snippet)
    with snippet.open("a") as file:
        file.writelines(f"reveal_type({expression})\n" for expression in REVEALED)
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary", str(snippet)],
        cwd=REPOSITORY, capture_output=True, text=True)
    revealed = [line.split('Revealed type is "', 1)[1].rstrip('"')
                for line in run.stdout.splitlines() if 'Revealed type is "' in line]
    assert revealed == list(REVEALED.values()), run.stdout + run.stderr
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert errors == [], run.stdout

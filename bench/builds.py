"""The two contenders that are not installed with the project, made at bench time in a temporary directory.

Neither is ever committed: the stock client is regenerated on every run, and
skyportal-py lives in a venv that is removed with the directory.
"""

import json
import pathlib
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATOR_VERSION = "5.4.0"  # the version generate.sh pins
GENERATOR = ROOT / ".build-venv" / "bin" / "openapi-generator-cli"
STOCK_PACKAGE = "stock_skyportal_client"
SKYPORTAL_PY = "skyportal-py==0.3.3"  # pinned, so that runs on different days compare


class Unavailable(Exception):
    """A contender that cannot be built here; the message says why."""


def _run(command, what, timeout):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.CalledProcessError as error:
        raise Unavailable(f"{what} failed: {(error.stderr or error.stdout).strip()[-500:]}") from None
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Unavailable(f"{what} failed: {error}") from None


def stock_client(workdir):
    """Generates the stock openapi-generator client into ``workdir``; returns the
    directory to put on sys.path."""
    if not GENERATOR.exists():
        raise Unavailable(f"{GENERATOR} is missing: run ./generate.sh once to install openapi-generator")
    version = _run([str(GENERATOR), "version"], "openapi-generator-cli version", 120).stdout.strip()
    if version != GENERATOR_VERSION:
        raise Unavailable(f"{GENERATOR} is version {version}, not {GENERATOR_VERSION}: run ./generate.sh")
    workdir = pathlib.Path(workdir)
    # As in generate.sh: the generator's YAML reader does not resolve anchors.
    spec = workdir / "openapi.json"
    spec.write_text(json.dumps(yaml.safe_load((ROOT / "openapi.yaml").read_text())))
    output = workdir / "stock"
    _run([str(GENERATOR), "generate", "--generator-name", "python", "--input-spec", str(spec),
          "--output", str(output), "--additional-properties", f"packageName={STOCK_PACKAGE}",
          "--global-property", "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false"],
         "openapi-generator generate (stock templates)", 300)
    return output


def skyportal_py_python(workdir):
    """A venv in ``workdir`` with skyportal-py from PyPI; returns its python."""
    venv = pathlib.Path(workdir) / "skyportal-py-venv"
    _run([sys.executable, "-m", "venv", str(venv)], "python -m venv", 120)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", SKYPORTAL_PY],
         f"pip install {SKYPORTAL_PY}", 600)
    return python

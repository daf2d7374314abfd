"""The two contenders that are not installed with the project.

Neither is ever committed: the stock client is regenerated into a temporary
directory on every run, and skyportal-py lives in .bench-venv, made once beforehand.
"""

import json
import pathlib
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATOR_VERSION = "5.4.0"  # the version generate.sh pins
GENERATOR = ROOT / ".build-venv" / "bin" / "openapi-generator-cli"
STOCK_PACKAGE = "stock_skyportal_client"
SKYPORTAL_PY = "skyportal-py==0.3.3"  # pinned, so that runs on different days compare
SKYPORTAL_PY_VENV = ROOT / ".bench-venv"


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


def skyportal_py_python():
    """The python of .bench-venv, where skyportal-py is installed once, beforehand: the
    bench itself talks to loopback only, so it never installs anything."""
    python = SKYPORTAL_PY_VENV / "bin" / "python"
    if not python.exists():
        raise Unavailable(f"{SKYPORTAL_PY_VENV} is missing; create it once with: "
                          f"python3 -m venv .bench-venv && .bench-venv/bin/pip install {SKYPORTAL_PY}")
    installed = _run([str(python), "-c", "import importlib.metadata as m; print(m.version('skyportal-py'))"],
                     "reading skyportal-py's version in .bench-venv", 60).stdout.strip()
    if f"skyportal-py=={installed}" != SKYPORTAL_PY:
        raise Unavailable(f".bench-venv has skyportal-py {installed}, not {SKYPORTAL_PY}: "
                          f".bench-venv/bin/pip install {SKYPORTAL_PY}")
    return python

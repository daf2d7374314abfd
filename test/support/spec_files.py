"""Where the spec tests find their documents: ours in the repository, SkyPortal's beside it.

SkyPortal's own documents are not part of the repository (their prose is SkyPortal's); the tests
that read them skip where they are not beside the repository.
"""

import json
import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
OVERLAY = ROOT / "openapi.yaml"
FULL = ROOT / "openapi-full.yaml"
REFERENCE = ROOT.parent / "shared" / "reference"
# The revision every recorded exchange comes from, and the same 19 commits later.
UPSTREAM = REFERENCE / "skyportal-openapi-8bd346c0.json"
NEWER = REFERENCE / "skyportal-openapi-464725501.json"

needs_upstream = pytest.mark.skipif(not (UPSTREAM.exists() and NEWER.exists()),
                                    reason="SkyPortal's OpenAPI documents are not beside the repository")


def load_json(path):
    return json.loads(path.read_text())


def load_yaml(path):
    return yaml.safe_load(path.read_text())

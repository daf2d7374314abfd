"""openapi.yaml is a valid OpenAPI 3.0 document, and its column fields say the same thing twice consistently."""

import pathlib

import pytest
import yaml
from openapi_spec_validator import validate

SPEC_PATH = pathlib.Path(__file__).resolve().parents[2] / "openapi.yaml"


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(SPEC_PATH.read_text())


def test_the_spec_is_valid_openapi(spec):
    validate(spec)
    assert spec["openapi"] == "3.0.3"


def test_every_operation_but_sysinfo_needs_the_token(spec):
    assert spec["security"] == [{"token": []}]
    scheme = spec["components"]["securitySchemes"]["token"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    operations = {op["operationId"]: op for path in spec["paths"].values()
                  for method, op in path.items() if method != "parameters"}
    assert len(operations) == 41  # the photometry pipeline's 22, and the 19 of an alert broker's step
    # SkyPortal's SysInfoHandler is the one handler without @auth_or_token.
    assert [name for name, op in operations.items() if "security" in op] == ["api_sysinfo_get"]
    assert operations["api_sysinfo_get"]["security"] == []


def test_each_column_states_its_element_type_as_its_one_of(spec):
    """``x-column`` (what the templates read) must be the scalar branch of the column's oneOf."""
    columns = 0
    for schema in spec["components"]["schemas"].values():
        for name, field in schema.get("properties", {}).items():
            if "x-column" in field:
                scalar, array = field["oneOf"]
                assert field["x-column"] == scalar == array["items"], name
                assert array["type"] == "array", name
                columns += 1
    assert columns > 30

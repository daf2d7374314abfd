"""The published surface (PhotometryApi.md, the seed) against the package: imports, names, parameters,
defaults, return types, call forms.

The surface is kept as facts in seed_facts.py, so these tests run in every clone; where the
seed lies beside the repository, one more test checks the facts against it.
"""

import ast
import importlib
import inspect
import pathlib
import re
import typing

from support import markdown_examples
import pytest
from support import seed_facts

import skyportal_client
from skyportal_client.api import photometry_api
from skyportal_client.model.photometry_patch import PhotometryPatch
from skyportal_client.model.photometry_range_query import PhotometryRangeQuery
from skyportal_client.model.unknownbasetype import UNKNOWNBASETYPE

SEED = pathlib.Path(__file__).resolve().parents[3] / "shared" / "seed" / "PhotometryApi.md"
# The surface's type names; a PATCH body, which the surface calls UNKNOWN_BASE_TYPE too, is one
# point, so its hint names PhotometryPatch, which takes an UNKNOWNBASETYPE of single values as well.
TYPES = {"int": (int,), "str": (str,), "UNKNOWN_BASE_TYPE": (UNKNOWNBASETYPE, PhotometryPatch),
         "PhotometryRangeQuery": (PhotometryRangeQuery,)}


def _operation_parameters(method):
    """The operation's own parameters, in order: not self, nor the per-call keywords."""
    return [parameter for name, parameter in inspect.signature(method).parameters.items()
            if name != "self" and parameter.kind is parameter.POSITIONAL_OR_KEYWORD]


@pytest.mark.parametrize("line", seed_facts.IMPORTS)
def test_every_import_of_the_surface_resolves(line):
    tree = ast.parse(line).body[0]
    if isinstance(tree, ast.Import):
        importlib.import_module(tree.names[0].name)
    else:
        assert hasattr(importlib.import_module(tree.module), tree.names[0].name), line


def test_the_api_class_has_exactly_the_eight_operations():
    operations = {name for name in vars(photometry_api.PhotometryApi) if name.startswith("api_")}
    assert operations == set(seed_facts.OPERATIONS)


@pytest.mark.parametrize("name", sorted(seed_facts.OPERATIONS))
def test_each_operation_returns_what_the_surface_says(name):
    returns = seed_facts.OPERATIONS[name]["returns"]
    hint = typing.get_type_hints(getattr(photometry_api.PhotometryApi, name))["return"]
    expected = typing.Dict[str, typing.Any] if returns == "object" else \
        getattr(importlib.import_module(f"skyportal_client.model.{returns.lower()}"), returns)
    assert hint == expected


@pytest.mark.parametrize("name", sorted(seed_facts.OPERATIONS))
def test_each_operation_takes_the_parameters_of_the_surface(name):
    method = getattr(photometry_api.PhotometryApi, name)
    hints = typing.get_type_hints(method)
    parameters = _operation_parameters(method)
    expected = seed_facts.OPERATIONS[name]["parameters"]
    assert [parameter.name for parameter in parameters] == [param for param, _, _ in expected]
    for parameter, (param, type_name, optional) in zip(parameters, expected):
        assert (parameter.default is None) if optional else (parameter.default is inspect.Parameter.empty), param
        named = {hints[param], *typing.get_args(hints[param]),
                 *[inner for outer in typing.get_args(hints[param]) for inner in typing.get_args(outer)]}
        assert named & set(TYPES[type_name]), param


@pytest.mark.parametrize("name", sorted(seed_facts.OPERATIONS))
def test_each_call_form_of_the_surface_binds(name):
    method = getattr(photometry_api.PhotometryApi, name)
    for positional, keywords in seed_facts.OPERATIONS[name]["calls"]:
        inspect.signature(method).bind(None, *[object()] * len(positional), **dict.fromkeys(keywords, object()))


def test_a_patch_takes_the_surface_s_upload_model_of_one_point(photometry, skyportal_provisioned):
    point = {"obj_id": skyportal_provisioned.obj_id, "instrument_id": skyportal_provisioned.instrument_id,
             "mjd": 59400.5, "mag": 19.0, "magerr": 0.1, "filter": "ztfg", "magsys": "ab"}
    (point_id,) = photometry.api_photometry_post(unknown_base_type=point)["data"]["ids"]
    photometry.api_photometry_photometry_id_patch(point_id, unknown_base_type=UNKNOWNBASETYPE(**dict(point, mag=18.5)))
    assert photometry.api_photometry_photometry_id_get(point_id)["data"]["mag"] == pytest.approx(18.5)


def test_the_seed_configuration_and_client_forms_work():
    configuration = skyportal_client.Configuration(host="https://fritz.science")
    assert configuration.host == "https://fritz.science"
    with skyportal_client.ApiClient(configuration) as api_client:
        assert isinstance(photometry_api.PhotometryApi(api_client).api_client, skyportal_client.ApiClient)
    assert issubclass(skyportal_client.ApiException, Exception)


def test_default_host_is_fritz(monkeypatch):
    monkeypatch.delenv("SKYPORTAL_URL", raising=False)
    assert skyportal_client.Configuration().host == "https://fritz.science"


def test_the_facts_are_the_seeds():
    """seed_facts.py says what the seed says: signatures, parameter tables, call forms, imports."""
    if not SEED.exists():
        pytest.skip(f"the seed is not beside the repository ({SEED}); the facts above stand in for it")
    seed = SEED.read_text()
    signatures = {name: (returns, [p.strip() for p in params.split(",") if p.strip()])
                  for returns, name, params in re.findall(r"^> (\w+) (\w+)\((.*)\)$", seed, re.M)}
    assert set(signatures) == set(seed_facts.OPERATIONS)
    imports = set()
    for name, section in re.findall(r"^# \*\*(\w+)\*\*\n(.*?)(?=^# \*\*|\Z)", seed, re.M | re.S):
        facts = seed_facts.OPERATIONS[name]
        returns, required = signatures[name]
        assert returns == facts["returns"], name
        assert required == [param for param, _, optional in facts["parameters"] if not optional], name
        rows = re.findall(r"^ \*\*(\w+)\*\* \| (?:\*\*|\[\*\*)(\w+)\*\*.*?\|.*?\|\s*(\[optional\])?\s*$", section, re.M)
        assert [(param, kind, bool(optional)) for param, kind, optional in rows] == facts["parameters"], name
        calls = []
        for code in markdown_examples.all_examples(section):
            for node in ast.walk(ast.parse(re.sub(r"= +#", "= None  #", code))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr.startswith("api_"):
                    calls.append((tuple(arg.id for arg in node.args), tuple(k.arg for k in node.keywords)))
                elif isinstance(node, ast.ImportFrom) and node.module.startswith("skyportal_client"):
                    imports.update(f"from {node.module} import {alias.name}" for alias in node.names)
                elif isinstance(node, ast.Import):
                    imports.update(f"import {alias.name}" for alias in node.names if alias.name == "skyportal_client")
        assert calls == facts["calls"], name
    assert imports == set(seed_facts.IMPORTS)


@pytest.mark.parametrize("package", ["skyportal_client.api", "skyportal_client.model"])
def test_every_import_the_package_docstrings_list_resolves(package):
    lines = re.findall(r"^\s*(from \S+ import \w+)$", importlib.import_module(package).__doc__, re.M)
    assert len(lines) >= 6
    for line in lines:
        tree = ast.parse(line).body[0]
        assert hasattr(importlib.import_module(tree.module), tree.names[0].name), line

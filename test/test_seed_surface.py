"""The published surface (PhotometryApi.md, the seed) against the package: names, parameters, defaults, return types."""

import ast
import importlib
import inspect
import pathlib
import re
import typing

import pytest

import skyportal_client
from skyportal_client.api import photometry_api
from skyportal_client.model.unknownbasetype import UNKNOWNBASETYPE
import markdown_examples

SEED = pathlib.Path(__file__).resolve().parents[2] / "shared" / "seed" / "PhotometryApi.md"


@pytest.fixture(scope="module")
def seed():
    if not SEED.exists():
        pytest.skip(f"the seed is not beside the repository ({SEED})")
    return SEED.read_text()


def _signatures(seed):
    """{method: (return type, [required parameters])} from the seed's ``> Type method(params)`` lines."""
    return {
        name: (returns, [p.strip() for p in params.split(",") if p.strip()])
        for returns, name, params in re.findall(r"^> (\w+) (\w+)\((.*)\)$", seed, re.M)
    }


def _parameter_tables(seed):
    """{method: [(name, type, optional)]} from each section's Parameters table."""
    tables = {}
    for name, section in re.findall(r"^# \*\*(\w+)\*\*\n(.*?)(?=^# \*\*|\Z)", seed, re.M | re.S):
        rows = re.findall(r"^ \*\*(\w+)\*\* \| (?:\*\*|\[\*\*)(\w+)\*\*.*?\|.*?\|\s*(\[optional\])?\s*$", section, re.M)
        tables[name] = [(param, kind, bool(optional)) for param, kind, optional in rows]
    return tables


def test_the_seed_lists_eight_operations(seed):
    assert len(_signatures(seed)) == 8


def test_every_import_in_the_seed_examples_resolves(seed):
    imported = set()
    for code in markdown_examples.all_examples(seed):
        tree = ast.parse(re.sub(r"= +#", "= None  #", code))  # the seed leaves some values blank
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    importlib.import_module(alias.name)
                    imported.add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name) or importlib.util.find_spec(f"{node.module}.{alias.name}"), \
                        f"from {node.module} import {alias.name}"
                    imported.add(f"{node.module}.{alias.name}")
    assert "skyportal_client.model.unknownbasetype.UNKNOWNBASETYPE" in imported
    assert "skyportal_client.model.photometry_range_query.PhotometryRangeQuery" in imported


def test_the_seed_configuration_and_client_forms_work():
    configuration = skyportal_client.Configuration(host="https://fritz.science")
    assert configuration.host == "https://fritz.science"
    with skyportal_client.ApiClient(configuration) as api_client:
        assert isinstance(photometry_api.PhotometryApi(api_client).api_client, skyportal_client.ApiClient)
    assert issubclass(skyportal_client.ApiException, Exception)


def test_default_host_is_fritz(monkeypatch):
    monkeypatch.delenv("SKYPORTAL_URL", raising=False)
    assert skyportal_client.Configuration().host == "https://fritz.science"


def test_every_method_call_in_the_seed_matches_a_signature(seed):
    calls = 0
    for code in markdown_examples.all_examples(seed):
        tree = ast.parse(re.sub(r"= +#", "= None  #", code))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr.startswith("api_"):
                method = getattr(photometry_api.PhotometryApi, node.func.attr)
                arguments = [object()] * len(node.args)
                keywords = {keyword.arg: object() for keyword in node.keywords}
                inspect.signature(method).bind(None, *arguments, **keywords)
                calls += 1
    assert calls == 11  # two call forms where an operation has both required and optional parameters


@pytest.mark.parametrize("kind", ["return type", "parameters"])
def test_methods_match_the_seed(seed, kind):
    signatures, tables = _signatures(seed), _parameter_tables(seed)
    hints_of = {name: typing.get_type_hints(getattr(photometry_api.PhotometryApi, name)) for name in signatures}
    for name, (returns, required) in signatures.items():
        method = getattr(photometry_api.PhotometryApi, name)
        parameters = inspect.signature(method).parameters
        hints = hints_of[name]
        if kind == "return type":
            expected = typing.Dict[str, typing.Any] if returns == "object" else \
                getattr(importlib.import_module(f"skyportal_client.model.{returns.lower()}"), returns)
            assert hints["return"] == expected, name
            continue
        assert list(parameters)[1:1 + len(required)] == required, name
        for required_name in required:
            assert parameters[required_name].default is inspect.Parameter.empty, (name, required_name)
        documented = tables[name]
        assert [p for p in parameters if p not in ("self", "kwargs")] == [p for p, _, _ in documented], name
        for param, type_name, optional in documented:
            if optional:
                assert parameters[param].default is None, (name, param)
            builtin = {"int": int, "str": str}.get(type_name)
            if builtin is not None:
                assert hints[param] in (builtin, typing.Optional[builtin]), (name, param)
            elif name in ("api_photometry_post", "api_photometry_put"):
                assert UNKNOWNBASETYPE in typing.get_args(hints[param]), (name, param)

"""The examples in the hand-written modules' docstrings run as shown."""

import doctest
import importlib

import pytest

MODULES = ["conversions", "_light_curves.tables", "_uploads.checks", "_uploads.pipeline", "_light_curves.read",
           "_front_door.skyportal", "_light_curves.download", "_light_curves.plot"]
# Their examples start an embedded server of their own.
NEED_THE_EMBEDDED_SERVER = {"_uploads.pipeline", "_light_curves.read", "_front_door.skyportal", "_light_curves.download"}
# Their examples need an optional package.
NEED_A_PACKAGE = {"_light_curves.plot": "matplotlib"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, skyportal):
    if name in NEED_THE_EMBEDDED_SERVER and not skyportal.embedded:
        pytest.skip("the example runs the embedded server, and these tests target a real SkyPortal")
    if name in NEED_A_PACKAGE:
        pytest.importorskip(NEED_A_PACKAGE[name])
    module = importlib.import_module(f"skyportal_client.{name}")
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_a_module_example_imports_what_it_uses(name, skyportal):
    """A module's example is read, and copied, far from its functions: run without the module's
    namespace, it fails on any name it uses without importing it."""
    if name in NEED_THE_EMBEDDED_SERVER and not skyportal.embedded:
        pytest.skip("the example runs the embedded server, and these tests target a real SkyPortal")
    if name in NEED_A_PACKAGE:
        pytest.importorskip(NEED_A_PACKAGE[name])
    module = importlib.import_module(f"skyportal_client.{name}")
    [example] = [test for test in doctest.DocTestFinder().find(module, globs={}) if test.name == module.__name__]
    runner = doctest.DocTestRunner()
    runner.run(example)
    assert example.examples and runner.failures == 0

"""The public surface: every name users import stays where the docs, the seed and ``__all__`` say,
and the top of the package holds only public modules (internals live in private subpackages)."""

import importlib
import pathlib
import re
import subprocess
import sys

import pytest

import skyportal_client

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = pathlib.Path(skyportal_client.__file__).parent

# What ``import skyportal_client`` offers. A name may be added here; one that disappears breaks users.
TOP_LEVEL_NAMES = {
    "SkyPortal", "ApiClient", "Configuration",
    "RetryPolicy", "RetryEvent", "Timeout", "RateLimit", "RedirectPolicy", "TransportPolicy", "Throttle", "Outcome",
    "OpenApiException", "ApiTypeError", "ApiValueError", "NameLookupError", "ApiException", "BadRequestException",
    "UnauthorizedException", "ForbiddenException", "NotFoundException", "MethodNotAllowedException",
    "PayloadTooLargeException", "TooManyRequestsException", "ServiceException", "InvalidAnswerError",
    "ApiConnectionError", "ApiTimeoutError",
    "upload_photometry", "plan_upload", "rollback", "UploadResult", "ManifestError", "RollbackIncomplete",
    "UploadValidationError", "get_light_curve", "get_photometry_range", "download_light_curves",
    "sync_light_curves", "DownloadReport", "ObjectResult", "CacheError", "NoCacheError", "plot_light_curve",
    "mag_to_flux", "flux_to_mag", "limiting_mag_to_fluxerr", "fluxerr_to_limiting_mag",
}

# The public modules of the public modules that are not generated, with what each offers.
PUBLIC_MODULES = {
    "skyportal_client.exceptions": set(TOP_LEVEL_NAMES) & {
        name for name in TOP_LEVEL_NAMES if name.endswith(("Error", "Exception", "Incomplete"))},
    "skyportal_client.tables": {"read_columns", "to_astropy", "to_pandas", "write_csv", "write_points"},
    "skyportal_client.bulk_upload": {"upload_photometry", "plan_upload", "UploadPlan", "UploadResult",
                                     "plan_rollback", "rollback", "RollbackPlan", "RollbackResult"},
    "skyportal_client.conversions": {"mag_to_flux", "flux_to_mag", "limiting_mag_to_fluxerr",
                                     "fluxerr_to_limiting_mag"},
    "skyportal_client.testing": {"SkyPortalTestServer"},
    "skyportal_client.testing.provision": {"provision"},
    "skyportal_client.cli": {"main"},
    "skyportal_client.demo": set(),
}

# What may stand at the top of the package: generated files, and the hand-written public modules.
TOP_LEVEL_FILES = {
    "__init__.py", "api_client.py", "configuration.py", "api", "model",  # generated
    "exceptions.py", "tables.py", "bulk_upload.py", "conversions.py", "cli.py", "demo.py", "testing",
    "py.typed",
}


def test_every_top_level_name_is_exported():
    assert TOP_LEVEL_NAMES <= set(skyportal_client.__all__)
    for name in skyportal_client.__all__:
        assert getattr(skyportal_client, name) is not None


@pytest.mark.parametrize("module", sorted(PUBLIC_MODULES))
def test_every_public_module_offers_its_names(module):
    imported = importlib.import_module(module)
    assert PUBLIC_MODULES[module] <= set(dir(imported))


def documented_imports():
    """Every import line of the README, the guides, the generated pages and, beside the repository, the seed."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    seed = ROOT.parent / "shared" / "seed" / "PhotometryApi.md"
    if seed.exists():
        pages.append(seed)
    found = set()
    for page in pages:
        for line in page.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^(?:>>> |\.\.\. |\s*)((?:from skyportal_client\S* import [\w, ]+)|(?:import skyportal_client\S*))"
                             r"\s*(?:#.*)?$", line)
            if match:
                found.add(match.group(1).strip().rstrip(","))
    return sorted(found)


def test_the_pages_import_something():
    imports = documented_imports()
    assert "import skyportal_client" in imports
    assert any(line.startswith("from skyportal_client.tables import") for line in imports)


@pytest.mark.parametrize("line", documented_imports())
def test_every_documented_import_works(line):
    namespace: dict = {}
    exec(line, namespace)  # noqa: S102 - the line is one of our own pages' import lines


def test_the_documented_command_modules_run():
    for module in ("skyportal_client.cli", "skyportal_client.testing"):
        completed = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True,
                                   timeout=60)
        assert completed.returncode == 0, completed.stderr
        assert "usage" in completed.stdout.lower()


def test_the_top_of_the_package_holds_only_public_modules():
    present = {path.name for path in PACKAGE.iterdir() if path.name != "__pycache__"}
    private = {name for name in present if name.startswith("_") and name != "__init__.py"}
    assert present - private == TOP_LEVEL_FILES


def test_every_private_subpackage_says_what_it_owns():
    for package in sorted(PACKAGE.glob("_*/__init__.py")):
        module = importlib.import_module(f"skyportal_client.{package.parent.name}")
        assert module.__doc__ and len(module.__doc__.split()) >= 10, package

"""The published surface of PhotometryApi (the seed, PhotometryApi.md), as facts the tests check.

For each operation: what it returns ("object" is the decoded envelope, a dict), its
parameters in order as (name, type, optional), and the call forms its examples use
as (positional arguments, keyword arguments). ``IMPORTS`` are the import lines the
examples rely on. test_seed_surface.py checks the package against these facts and,
where the seed lies beside the repository, these facts against the seed.
"""

IMPORTS = (
    "import skyportal_client",
    "from skyportal_client.api import photometry_api",
    "from skyportal_client.model.error import Error",
    "from skyportal_client.model.success import Success",
    "from skyportal_client.model.unknownbasetype import UNKNOWNBASETYPE",
    "from skyportal_client.model.photometry_range_query import PhotometryRangeQuery",
)

OPERATIONS = {
    "api_photometry_bulk_delete_upload_id_delete": {
        "returns": "Success",
        "parameters": [("upload_id", "str", False)],
        "calls": [(("upload_id",), ())],
    },
    "api_photometry_photometry_id_delete": {
        "returns": "Success",
        "parameters": [("photometry_id", "int", False)],
        "calls": [(("photometry_id",), ())],
    },
    "api_photometry_photometry_id_get": {
        "returns": "object",
        "parameters": [("photometry_id", "int", False), ("format", "str", True), ("magsys", "str", True)],
        "calls": [(("photometry_id",), ()), (("photometry_id",), ("format", "magsys"))],
    },
    "api_photometry_photometry_id_patch": {
        "returns": "Success",
        "parameters": [("photometry_id", "int", False), ("unknown_base_type", "UNKNOWN_BASE_TYPE", True)],
        "calls": [(("photometry_id",), ()), (("photometry_id",), ("unknown_base_type",))],
    },
    "api_photometry_post": {
        "returns": "object",
        "parameters": [("unknown_base_type", "UNKNOWN_BASE_TYPE", True)],
        "calls": [((), ("unknown_base_type",))],
    },
    "api_photometry_put": {
        "returns": "object",
        "parameters": [("unknown_base_type", "UNKNOWN_BASE_TYPE", True)],
        "calls": [((), ("unknown_base_type",))],
    },
    "api_photometry_range_get": {
        "returns": "object",
        "parameters": [("format", "str", True), ("magsys", "str", True),
                       ("photometry_range_query", "PhotometryRangeQuery", True)],
        "calls": [((), ("format", "magsys", "photometry_range_query"))],
    },
    "api_sources_obj_id_photometry_get": {
        "returns": "object",
        "parameters": [("obj_id", "str", False), ("format", "str", True), ("magsys", "str", True)],
        "calls": [(("obj_id",), ()), (("obj_id",), ("format", "magsys"))],
    },
}

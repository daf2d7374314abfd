"""The clients under test, each behind the same operations.

Every contender is built from (url, token) and offers:

- ``tiny_call()``: GET one point, decoded;
- ``fetch(obj_id)``: a light curve, as the client hands it to its user;
- ``typed_access(points)``: the mjd, mag and filter of every point, read the way
  the client's documentation reads them;
- ``upload(body)``: POST one column-form body of at most 10 000 points.

The two that make tables (raw urllib3, with pandas' and astropy's own constructors
and writers, and skyportal_client) also offer:

- ``fetch_table(obj_id, kind)``: a light curve as a pandas DataFrame or an astropy Table;
- ``table(points, kind)``: the same from points already decoded;
- ``write(points, table, path)``: the points to a .csv or .ecsv file; raw writes
  ``table``, the points as skyportal_client's astropy Table, with astropy's writer.

Each module imports only what its own contender needs, so that the skyportal-py
worker runs in a venv that has neither urllib3 nor skyportal_client.
"""

import importlib
import json

SINGLE_POINT_ID = 1
UPLOAD_PATH = "/api/photometry"


def read_columns(points):
    """mjd, mag and filter of dict points: the access raw JSON and our SDK both give."""
    return [point["mjd"] for point in points], [point["mag"] for point in points], \
        [point["filter"] for point in points]


class RawUrllib3:
    """The floor: one urllib3 connection pool and json.loads, with no checks at all."""


    def __init__(self, url, token):
        import urllib3

        self._pool = urllib3.connection_from_url(url, maxsize=1)
        # gzip, as SkyPortal's nginx (and the embedded server's front) compress what is asked so;
        # urllib3 decompresses it.
        self._headers = {"Authorization": f"token {token}", "Accept": "application/json", "Accept-Encoding": "gzip"}
        self._post_headers = dict(self._headers, **{"Content-Type": "application/json"})
        self.versions = {"urllib3": urllib3.__version__}

    def _data(self, response):
        return json.loads(response.data)["data"]

    def tiny_call(self):
        return self._data(self._pool.request("GET", f"/api/photometry/{SINGLE_POINT_ID}", headers=self._headers))

    def fetch(self, obj_id):
        return self._data(self._pool.request("GET", f"/api/sources/{obj_id}/photometry", headers=self._headers))

    typed_access = staticmethod(read_columns)

    def upload(self, body):
        response = self._pool.request("POST", UPLOAD_PATH, body=json.dumps(body).encode(),
                                      headers=self._post_headers)
        return self._data(response)

    def fetch_table(self, obj_id, kind):
        return self.table(self.fetch(obj_id), kind)

    @staticmethod
    def table(points, kind):
        """The libraries' own constructors from a list of dicts."""
        if kind == "pandas":
            import pandas

            return pandas.DataFrame.from_records(points)
        from astropy.table import Table

        return Table(rows=points)

    @staticmethod
    def write(points, table, path):
        """astropy's own writer, on the points' table."""
        table.write(path, format="ascii.csv" if str(path).endswith(".csv") else "ascii.ecsv", overwrite=True)

    def close(self):
        self._pool.close()


class _GeneratedClient:
    """What the two clients generated from openapi.yaml share: the same operation names.

    Subclasses set ``_client`` (the ApiClient) and ``_api`` (its PhotometryApi).
    """

    def tiny_call(self):
        return self._api.api_photometry_photometry_id_get(SINGLE_POINT_ID)["data"]

    def fetch(self, obj_id):
        return self._api.api_sources_obj_id_photometry_get(obj_id)["data"]

    typed_access = staticmethod(read_columns)

    def close(self):
        self._client.close()


class OurSdk(_GeneratedClient):
    """skyportal_client with the [fast] extra (msgspec, orjson), and the client-side rate limit off (rate_limit=None)."""


    def __init__(self, url, token):
        from importlib.metadata import PackageNotFoundError, version

        import urllib3

        import skyportal_client
        from skyportal_client.api.photometry_api import PhotometryApi

        configuration = skyportal_client.Configuration(host=url, token=token, rate_limit=None)
        self._client = skyportal_client.ApiClient(configuration)
        self._api = PhotometryApi(self._client)
        self.versions = {"skyportal_client": skyportal_client.__version__, "urllib3": urllib3.__version__}
        for library in ("msgspec", "orjson", "pandas", "astropy"):
            try:
                self.versions[library] = version(library)
            except PackageNotFoundError:
                pass

    def upload(self, body):
        return self._api.api_photometry_post(body)["data"]

    def fetch_table(self, obj_id, kind):
        from skyportal_client._light_curves.read import get_light_curve

        return get_light_curve(self._client, obj_id, as_=kind)

    @staticmethod
    def table(points, kind):
        from skyportal_client._light_curves import tables

        return tables.to_pandas(points) if kind == "pandas" else tables.to_astropy(points)

    @staticmethod
    def write(points, table, path):
        from skyportal_client._light_curves.tables import write_points

        write_points(points, path)


class OurSdkStdlibJson(OurSdk):
    """skyportal_client as it runs without the [fast] extra: the standard library's json only."""

    def __init__(self, url, token):
        from skyportal_client._transport import json_codec

        json_codec.use_fast_json(False)
        super().__init__(url, token)


class StockGenerated(_GeneratedClient):
    """The client openapi-generator 5.4.0's own python templates make from openapi.yaml.

    ``bench.builds`` generates it as package ``stock_skyportal_client`` into a
    temporary directory that the worker puts on sys.path.
    """


    def __init__(self, url, token):
        import urllib3

        stock = importlib.import_module("stock_skyportal_client")
        photometry_api = importlib.import_module("stock_skyportal_client.api.photometry_api")
        self._upload_model = importlib.import_module("stock_skyportal_client.model.unknownbasetype").UNKNOWNBASETYPE
        configuration = stock.Configuration(host=url, api_key={"token": token}, api_key_prefix={"token": "token"})
        self._client = stock.ApiClient(configuration)
        self._api = photometry_api.PhotometryApi(self._client)
        self.versions = {"stock_skyportal_client": stock.__version__, "urllib3": urllib3.__version__}

    def upload(self, body):
        return self._api.api_photometry_post(unknown_base_type=self._upload_model(**body))["data"]


class SkyportalPy:
    """skyportal-py from PyPI (httpx and pydantic models), run from its own temporary venv."""


    def __init__(self, url, token):
        from importlib.metadata import version

        import skyportal_py
        from skyportal_py import photometry

        # trust_env=False: no proxy or netrc from the environment; the bench talks to loopback only.
        self._client = skyportal_py.create_client(url, token=token, trust_env=False)
        self._post_model = photometry.PhotometryPost
        self.versions = {name: version(name) for name in ("skyportal-py", "httpx", "pydantic")}

    def tiny_call(self):
        return self._client.fetch_photometry_point(SINGLE_POINT_ID)

    def fetch(self, obj_id):
        return self._client.fetch_photometry(obj_id)

    @staticmethod
    def typed_access(points):
        return [point.mjd for point in points], [point.mag for point in points], [point.filter for point in points]

    def upload(self, body):
        return self._client.post_photometry(self._post_model(**body))

    def close(self):
        self._client.close()


CONTENDERS = {"raw": RawUrllib3, "sdk": OurSdk, "sdk-stdlib": OurSdkStdlibJson, "stock": StockGenerated,
              "skyportal-py": SkyportalPy}

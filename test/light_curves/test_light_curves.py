"""get_light_curve and get_photometry_range as records, astropy Tables and pandas DataFrames;
tables as upload input; the core without astropy, pandas and tqdm."""

import math
import sys

import pytest
from support.upload_bodies import fresh_mjds

from skyportal_client._light_curves.read import get_light_curve, get_photometry_range
from skyportal_client._light_curves.tables import read_columns, write_points
from skyportal_client._uploads.pipeline import upload_photometry
from skyportal_client.exceptions import ApiTypeError, ApiValueError


@pytest.fixture
def light_curve(api_client, skyportal_provisioned):
    """Two detections and a non-detection on the provisioned object; returns the upload's columns."""
    columns = {"mjd": fresh_mjds(3), "filter": ["ztfg", "ztfr", "ztfg"], "mag": [19.1, 18.9, None],
               "magerr": [0.05, 0.04, None], "limiting_mag": [21.0, None, 21.2]}
    upload_photometry(api_client, columns, obj_id=skyportal_provisioned.obj_id,
                      instrument_id=skyportal_provisioned.instrument_id)
    return columns


def test_records_are_the_servers_points(api_client, skyportal_provisioned, light_curve):
    points = get_light_curve(api_client, skyportal_provisioned.obj_id)
    assert [(point["mjd"], point["mag"], point["limiting_mag"]) for point in points] == \
        list(zip(light_curve["mjd"], light_curve["mag"], [21.0, points[1]["limiting_mag"], 21.2]))


def test_an_astropy_table_has_units_and_masked_nulls(api_client, skyportal_provisioned, light_curve):
    units = pytest.importorskip("astropy.units")
    table = get_light_curve(api_client, skyportal_provisioned.obj_id, format="both", as_="astropy")
    assert len(table) == 3
    assert (table["mjd"].unit, table["mag"].unit, table["limiting_mag"].unit) == (units.day, units.mag, units.mag)
    assert table["flux"].unit == units.uJy and table["fluxerr"].unit == units.uJy
    assert list(table["mag"].mask) == [False, False, True] and list(table["flux"].mask) == [False, False, True]
    assert table["mag"][0] == 19.1 and table["flux"][0] == 83.17637711026691
    assert table["obj_id"][0] == skyportal_provisioned.obj_id
    assert table["groups"][0].startswith('[{"id": ')  # nested values as JSON text


def test_a_dataframe_has_nan_for_nulls(api_client, skyportal_provisioned, light_curve):
    pytest.importorskip("pandas")
    frame = get_light_curve(api_client, skyportal_provisioned.obj_id, format="flux", as_="pandas")
    assert list(frame["mjd"]) == light_curve["mjd"]
    assert frame["flux"].iloc[0] == 83.17637711026691 and math.isnan(frame["flux"].iloc[2])
    assert frame["fluxerr"].iloc[2] == 4.0075481153913755


def test_range_query_as_a_table(api_client, skyportal_provisioned, light_curve):
    pytest.importorskip("astropy")
    table = get_photometry_range(api_client, instrument_ids=[skyportal_provisioned.instrument_id],
                                 min_date="1858-11-17T00:00:00", format="flux", as_="astropy")
    ours = table[table["obj_id"] == skyportal_provisioned.obj_id]
    assert sorted(ours["mjd"]) == sorted(light_curve["mjd"])
    with pytest.raises(ApiValueError, match="as_ must be one of records, astropy, pandas"):
        get_photometry_range(api_client, instrument_ids=[1], as_="numpy")


def test_tables_and_files_upload_like_columns(api_client, skyportal_server, skyportal_provisioned, tmp_path):
    """A light curve read back as a table, cut down to upload columns, uploads again by PUT
    as the same points, from astropy, pandas, ECSV and CSV alike."""
    pytest.importorskip("astropy")
    pytest.importorskip("pandas")
    setup = skyportal_provisioned
    columns = {"mjd": fresh_mjds(3), "filter": "ztfi", "flux": [150.0, -2.0, None], "fluxerr": [5.0, 4.0, 3.0],
               "zp": 23.9}
    ids = upload_photometry(api_client, columns, obj_id=setup.obj_id, instrument_id=setup.instrument_id).ids
    count = skyportal_server.photometry_count()
    keep = ["obj_id", "instrument_id", "mjd", "filter", "magsys", "flux", "fluxerr", "zp"]
    table = get_light_curve(api_client, setup.obj_id, format="flux", as_="astropy")[keep]
    records = get_light_curve(api_client, setup.obj_id, format="flux")
    write_points([{name: point[name] for name in keep} for point in records], tmp_path / "points.csv")
    table.write(tmp_path / "points.ecsv", format="ascii.ecsv")
    # The non-detection's flux is masked in astropy, NaN in pandas and an empty cell in CSV:
    # the last two are missing values only when the upload is told to read them so.
    for data, nan_as_nondetection in ((table, False), (table.to_pandas(), True), (tmp_path / "points.ecsv", False),
                                      (str(tmp_path / "points.csv"), True)):
        assert upload_photometry(api_client, data, method="put", nan_as_nondetection=nan_as_nondetection).ids == ids
    assert skyportal_server.photometry_count() == count


def test_read_columns_broadcasts_scalars_and_refuses_ragged_columns():
    assert read_columns({"mjd": [1.0, 2.0], "filter": "ztfg"}) == {"mjd": [1.0, 2.0], "filter": ["ztfg", "ztfg"]}
    with pytest.raises(ApiValueError, match="mjd has 2, mag has 1"):
        read_columns({"mjd": [1.0, 2.0], "mag": [19.0]})
    with pytest.raises(ApiTypeError, match="Cannot read photometry from a int"):
        read_columns(5)


def test_without_astropy_pandas_and_tqdm_the_core_works_and_tables_name_the_extra(
        api_client, skyportal_provisioned, light_curve, monkeypatch, tmp_path, capsys):
    for module in [name for name in sys.modules if name.split(".")[0] in ("astropy", "pandas", "tqdm")]:
        monkeypatch.delitem(sys.modules, module)
    for module in ("astropy", "astropy.table", "astropy.units", "pandas", "tqdm"):
        monkeypatch.setitem(sys.modules, module, None)  # None in sys.modules makes import raise ImportError

    setup = skyportal_provisioned
    result = upload_photometry(api_client, [{"mjd": fresh_mjds(1)[0], "filter": "ztfg", "mag": 18.0, "magerr": 0.1}],
                               obj_id=setup.obj_id, instrument_id=setup.instrument_id)
    assert len(result.ids) == 1
    assert len(get_light_curve(api_client, setup.obj_id)) == 4
    write_points(get_light_curve(api_client, setup.obj_id), tmp_path / "points.csv")
    assert len(read_columns(tmp_path / "points.csv")["mjd"]) == 4

    for extra, call in [
        ("astropy", lambda: get_light_curve(api_client, setup.obj_id, as_="astropy")),
        ("pandas", lambda: get_light_curve(api_client, setup.obj_id, as_="pandas")),
        ("astropy", lambda: write_points([], tmp_path / "points.ecsv")),
        ("astropy", lambda: read_columns(tmp_path / "points.ecsv")),
    ]:
        with pytest.raises(ImportError, match=rf'pip install "skyportal-client\[{extra}\]"'):
            call()
    # Without the [progress] extra, progress=True shows lines instead of a bar, as for a download.
    capsys.readouterr()
    upload_photometry(api_client, light_curve, obj_id=setup.obj_id, instrument_id=setup.instrument_id, method="put",
                      progress=True)
    assert capsys.readouterr().err.splitlines() == ["3/3 points"]

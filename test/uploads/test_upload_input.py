"""The upload's read, normalise and check steps over HTTP: the same points from every input
shape, units and times converted exactly, NaN refused unless asked otherwise, and every
problem of every row reported, briefly on the terminal and whole as CSV. Every stored value
is read back from the server and compared to 1e-9."""

import csv
import datetime
import math

import pytest
from support.upload_bodies import fresh_mjds, ten_thousand_rows_with_two_thousand_bad

import skyportal_client
from skyportal_client._light_curves.read import get_light_curve
from skyportal_client._light_curves.tables import read_columns
from skyportal_client._uploads.pipeline import upload_photometry
from skyportal_client.conversions import (
    flux_to_mag,
    fluxerr_to_limiting_mag,
    limiting_mag_to_fluxerr,
)
from skyportal_client.exceptions import UploadValidationError
from skyportal_client.testing import create_source

TOLERANCE = 1e-9


def writes(skyportal_server):
    return [record for record in skyportal_server.requests if record.method in ("POST", "PUT", "PATCH", "DELETE")]


def new_object(skyportal, provisioned):
    return create_source(skyportal.url, skyportal.token, provisioned.group_id)


def close(got, expected):
    if expected is None or got is None:
        return got is expected
    return abs(got - expected) <= TOLERANCE * max(1.0, abs(expected))


def stored(api_client, obj_id):
    """The object's points as the server gives them in flux and in mag space, by mjd."""
    return {point["mjd"]: point for point in get_light_curve(api_client, obj_id, format="both")}


# -- the same points from every input shape ---------------------------------------------


@pytest.fixture
def light_curve():
    """Five points in flux space (µJy on zero point 23.9), the last a non-detection (no flux)."""
    return {
        "mjd": fresh_mjds(5), "filter": ["ztfg", "ztfr", "ztfg", "ztfr", "ztfg"],
        "flux": [150.0, 83.17637711026691, -2.5, 410.0, None], "fluxerr": [5.0, 3.1, 4.0, 9.0, 4.5],
        "ra": [150.1, 150.1001, 150.0999, 150.1, 150.1002], "dec": [-20.5, -20.5001, -20.4999, -20.5, -20.5],
        "ra_unc": [0.2, 0.25, 0.3, 0.2, 0.2], "dec_unc": [0.2, 0.2, 0.3, 0.25, 0.2],
    }


def as_inputs(light_curve, tmp_path):
    """The light curve as each input shape takes it, with the options that shape needs."""
    numpy = pytest.importorskip("numpy")
    pandas = pytest.importorskip("pandas")
    units = pytest.importorskip("astropy.units")
    table = pytest.importorskip("astropy.table")
    time = pytest.importorskip("astropy.time")
    columns = dict(light_curve, zp=23.9)
    rows = [dict(zip(columns, values)) for values in zip(*(
        value if isinstance(value, list) else [value] * 5 for value in columns.values()))]
    flux = numpy.ma.masked_invalid([math.nan if value is None else value for value in light_curve["flux"]])

    arrays = {name: numpy.array(values) for name, values in columns.items() if isinstance(values, list)}
    arrays.update(flux=flux, zp=numpy.float64(23.9))

    # A QTable in other units: mJy and nJy, a Time in JD, hour angles and milliarcseconds; no zp column.
    qtable = table.QTable()
    qtable["mjd"] = time.Time(2400000.5, light_curve["mjd"], format="jd", scale="utc")
    qtable["filter"] = light_curve["filter"]
    qtable["flux"] = table.MaskedColumn(flux.filled(0.0) / 1000, mask=flux.mask, unit="mJy")
    qtable["fluxerr"] = numpy.array(light_curve["fluxerr"]) * 1000 * units.nJy
    qtable["ra"] = numpy.array(light_curve["ra"]) / 15 * units.hourangle
    qtable["dec"] = numpy.array(light_curve["dec"]) * units.deg
    qtable["ra_unc"] = numpy.array(light_curve["ra_unc"]) * 1000 * units.mas
    qtable["dec_unc"] = numpy.array(light_curve["dec_unc"]) * units.arcsec

    # pandas: the times as tz-aware datetimes, the missing flux as pandas.NA in a nullable column.
    frame = pandas.DataFrame(columns)
    epoch = pandas.Timestamp("1858-11-17", tz="UTC")
    frame["mjd"] = [epoch + pandas.Timedelta(days=mjd) for mjd in light_curve["mjd"]]
    frame["flux"] = frame["flux"].astype("Float64")

    path = tmp_path / "points.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows([{name: "" if value is None else repr(value) if isinstance(value, float) else value
                           for name, value in row.items()} for row in rows])
    return {
        "dict of numpy arrays": (arrays, {}),
        "dict of lists": (columns, {}),
        "list of dicts": (rows, {}),
        "QTable with units": (qtable, {}),
        "pandas frame": (frame, {}),
        # A CSV file cannot tell an empty measurement from a forgotten one: it says so.
        "CSV file": (str(path), {"nan_as_nondetection": True}),
    }


def test_every_input_shape_stores_the_same_points(api_client, skyportal, skyportal_provisioned, light_curve,
                                                  tmp_path):
    setup = skyportal_provisioned
    points = {}
    for shape, (data, options) in as_inputs(light_curve, tmp_path).items():
        obj_id = new_object(skyportal, setup)
        upload_photometry(api_client, data, obj_id=obj_id, instrument_id=setup.instrument_id, **options)
        points[shape] = stored(api_client, obj_id)

    expected = []
    for row, mjd in enumerate(light_curve["mjd"]):
        flux, fluxerr = light_curve["flux"][row], light_curve["fluxerr"][row]
        mag, magerr = flux_to_mag(flux, fluxerr)
        expected.append({"mjd": mjd, "flux": flux, "fluxerr": fluxerr, "mag": mag, "magerr": magerr,
                         **{name: light_curve[name][row] for name in ("ra", "dec", "ra_unc", "dec_unc")}})
    for shape, by_mjd in points.items():
        assert len(by_mjd) == 5, shape
        for want, (mjd, got) in zip(expected, sorted(by_mjd.items())):
            mismatched = [name for name, value in want.items() if not close(got[name] if name != "mjd" else mjd, value)]
            assert mismatched == [], (shape, want, got)
        non_detection = sorted(by_mjd.items())[4][1]
        assert close(non_detection["limiting_mag"], fluxerr_to_limiting_mag(4.5))


# -- units -------------------------------------------------------------------------------


@pytest.mark.parametrize("unit, per_microjansky", [
    ("Jy", 1e-6), ("mJy", 1e-3), ("uJy", 1.0), ("nJy", 1e3), ("erg / (s cm2 Hz)", 1e-29), ("W / (m2 Hz)", 1e-32)])
def test_a_flux_in_any_spectral_flux_density_unit_is_stored_as_its_ab_flux(
        api_client, skyportal, skyportal_provisioned, unit, per_microjansky):
    units = pytest.importorskip("astropy.units")
    setup = skyportal_provisioned
    obj_id = new_object(skyportal, setup)
    microjansky = [150.0, 83.17637711026691, -2.5]
    upload_photometry(api_client, {
        "mjd": fresh_mjds(3), "filter": "ztfr",
        "flux": [value * per_microjansky for value in microjansky] * units.Unit(unit),
        "fluxerr": [5.0 * per_microjansky] * 3 * units.Unit(unit)}, obj_id=obj_id, instrument_id=setup.instrument_id)
    points = sorted(stored(api_client, obj_id).items())
    assert all(close(point["flux"], flux) and close(point["fluxerr"], 5.0)
               for (_, point), flux in zip(points, microjansky))
    assert close(points[0][1]["mag"], flux_to_mag(150.0)[0])


def test_a_flux_with_a_unit_goes_onto_the_zero_point_given(api_client, skyportal, skyportal_provisioned):
    units = pytest.importorskip("astropy.units")
    setup = skyportal_provisioned
    obj_id = new_object(skyportal, setup)
    upload_photometry(api_client, {"mjd": fresh_mjds(2), "filter": "ztfg", "flux": [0.15, 0.41] * units.mJy,
                                   "fluxerr": [0.005, 0.009] * units.mJy, "zp": [25.0, 21.5]},
                      obj_id=obj_id, instrument_id=setup.instrument_id)
    points = [point for _, point in sorted(stored(api_client, obj_id).items())]
    assert [(close(point["flux"], flux), close(point["fluxerr"], error))
            for point, flux, error in zip(points, (150.0, 410.0), (5.0, 9.0))] == [(True, True)] * 2


def test_magnitudes_in_mag_and_abmag_are_taken_as_they_are(api_client, skyportal, skyportal_provisioned):
    units = pytest.importorskip("astropy.units")
    setup = skyportal_provisioned
    obj_id = new_object(skyportal, setup)
    upload_photometry(api_client, {"mjd": fresh_mjds(2), "filter": "ztfg", "mag": [19.1, 18.2] * units.ABmag,
                                   "magerr": [0.05, 0.04] * units.mag, "limiting_mag": [21.0, 21.5] * units.mag},
                      obj_id=obj_id, instrument_id=setup.instrument_id)
    points = [point for _, point in sorted(stored(api_client, obj_id).items())]
    assert [(point["mag"], point["magerr"]) for point in points] == [(19.1, 0.05), (18.2, 0.04)]


@pytest.mark.parametrize("unit, value, microjansky", [
    ("mag(AB)", 19.0, 10 ** 1.96), ("mag(uJy)", -5.0, 100.0), ("dex(uJy)", 2.0, 100.0), ("dB(mJy)", -10.0, 100.0),
    ("mag(mJy)", 2.5, 100.0)])
def test_a_flux_in_a_logarithmic_unit_is_stored_as_the_flux_density_it_stands_for(
        api_client, skyportal, skyportal_provisioned, unit, value, microjansky):
    units = pytest.importorskip("astropy.units")
    setup = skyportal_provisioned
    obj_id = new_object(skyportal, setup)
    upload_photometry(api_client, {"mjd": fresh_mjds(1), "filter": "ztfg", "flux": [value] * units.Unit(unit),
                                   "fluxerr": [5.0] * units.uJy}, obj_id=obj_id, instrument_id=setup.instrument_id)
    [point] = stored(api_client, obj_id).values()
    assert close(point["flux"], microjansky), point["flux"]
    assert close(point["fluxerr"], 5.0)


def test_an_ecsv_file_with_an_abmag_flux_column_is_stored_as_its_flux(api_client, skyportal, skyportal_provisioned,
                                                                     tmp_path):
    units = pytest.importorskip("astropy.units")
    table = pytest.importorskip("astropy.table")
    setup = skyportal_provisioned
    obj_id = new_object(skyportal, setup)
    path = tmp_path / "points.ecsv"
    table.QTable({"mjd": fresh_mjds(2), "filter": ["ztfg", "ztfr"], "flux": [19.0, 23.9] * units.ABmag,
                  "fluxerr": [1.0, 1.0] * units.uJy}).write(path, format="ascii.ecsv")
    upload_photometry(api_client, str(path), obj_id=obj_id, instrument_id=setup.instrument_id)
    fluxes = [point["flux"] for _, point in sorted(stored(api_client, obj_id).items())]
    assert close(fluxes[0], 10 ** 1.96) and close(fluxes[1], 1.0), fluxes


def test_an_abmag_magnitude_is_stored_as_that_ab_magnitude(api_client, skyportal, skyportal_provisioned):
    units = pytest.importorskip("astropy.units")
    setup = skyportal_provisioned
    obj_id = new_object(skyportal, setup)
    upload_photometry(api_client, {"mjd": fresh_mjds(1), "filter": "ztfg", "mag": [19.0] * units.ABmag,
                                   "magerr": [0.1] * units.mag}, obj_id=obj_id, instrument_id=setup.instrument_id)
    [point] = stored(api_client, obj_id).values()
    assert close(point["mag"], 19.0) and close(point["flux"], 10 ** 1.96), point


@pytest.mark.parametrize("column, unit, message", [
    ("flux", "mag(ST)", r"column flux: is in mag\(ST\), a flux per unit wavelength: .*flux.physical.to"),
    ("flux", "mag", "column flux: is in mag, a logarithm of no flux density: give AB magnitudes in the mag column"),
    ("flux", "dex", "column flux: is in dex, a logarithm of no flux density"),
    ("mag", "mag(uJy)", r"column mag: is in mag\(uJy\); .*convert them to AB magnitudes first .*to\(u.ABmag\)"),
    ("mag", "mag(ST)", r"column mag: is in mag\(ST\); .*flux per wavelength"),
])
def test_a_logarithmic_unit_that_is_no_flux_density_is_refused_with_the_fix(
        api_client, skyportal_server, skyportal_provisioned, column, unit, message):
    units = pytest.importorskip("astropy.units")
    setup = skyportal_provisioned
    data = {"mjd": [59000.5], "filter": "ztfg", column: [19.0] * units.Unit(unit),
            ("fluxerr" if column == "flux" else "magerr"): [0.1]}
    if column == "flux":
        data["fluxerr"] = data["fluxerr"] * units.uJy
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError, match=message):
        upload_photometry(api_client, data, obj_id=setup.obj_id, instrument_id=setup.instrument_id)
    assert writes(skyportal_server) == []


@pytest.mark.parametrize("column, unit, message", [
    ("flux", "erg / (s cm2 Angstrom)", r"column flux: is in .*, a flux per unit wavelength: convert it"),
    ("flux", "deg", "column flux: is in deg, which is not a flux density"),
    ("fluxerr", None, "column fluxerr: has no unit, but flux is in mJy: give both with a unit, or neither"),
    ("instrument_id", "mJy", "column instrument_id: has the unit mJy, but this column takes no unit"),
    ("mjd", "s", "column mjd: is in s; an MJD is a date in days"),
    ("zp", "mag(ST)", r"column zp: is in mag\(ST\); magnitudes are given in u.mag"),
])
def test_a_unit_that_does_not_belong_is_refused_and_nothing_is_sent(api_client, skyportal_server,
                                                                    skyportal_provisioned, column, unit, message):
    units = pytest.importorskip("astropy.units")
    setup = skyportal_provisioned
    data = {"mjd": [59000.5, 59001.5], "filter": "ztfg", "flux": [0.15, 0.41], "fluxerr": [0.005, 0.009],
            "zp": [23.9, 23.9], "instrument_id": [setup.instrument_id] * 2}
    data = {name: values * units.mJy if name in ("flux", "fluxerr") else values for name, values in data.items()}
    plain = getattr(data[column], "value", data[column])
    data[column] = plain if unit is None else plain * units.Unit(unit)
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError, match=message):
        upload_photometry(api_client, data, obj_id=setup.obj_id)
    assert writes(skyportal_server) == []


def test_ab_units_need_the_ab_system(api_client, skyportal_provisioned):
    units = pytest.importorskip("astropy.units")
    setup = skyportal_provisioned
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, {"mjd": [59000.5, 59001.5], "filter": "ztfg", "mag": [19.0, 19.1] * units.ABmag,
                                       "magerr": [0.1, 0.1], "magsys": ["ab", "vega"]},
                          obj_id=setup.obj_id, instrument_id=setup.instrument_id)
    assert [(problem.row, problem.column, problem.kind) for problem in raised.value.problems] == \
        [(1, "mag", "unit needs magsys ab")]


# -- times ------------------------------------------------------------------------------


def times_in_every_form(mjds):
    """(name, the times in that form, the MJD UTC each stands for)."""
    time = pytest.importorskip("astropy.time")
    pandas = pytest.importorskip("pandas")
    numpy = pytest.importorskip("numpy")
    epoch = datetime.datetime(1858, 11, 17)
    moments = [epoch + datetime.timedelta(days=mjd) for mjd in mjds]
    in_tdb = time.Time(mjds, format="mjd", scale="tdb")
    return [
        ("astropy Time, jd format", time.Time(2400000.5, mjds, format="jd", scale="utc"), mjds),
        ("astropy Time, isot format", time.Time([moment.isoformat() for moment in moments], format="isot"),
         time.Time([moment.isoformat() for moment in moments], format="isot").mjd.tolist()),
        ("astropy Time, tdb scale", in_tdb, in_tdb.utc.mjd.tolist()),
        ("pandas datetimes, naive", pandas.Series(moments), mjds),
        ("pandas datetimes, tz-aware", pandas.Series(moments).dt.tz_localize("UTC").dt.tz_convert("US/Pacific"), mjds),
        ("numpy datetime64", numpy.array(moments, dtype="datetime64[ns]"), mjds),
        ("datetimes, aware", [moment.replace(tzinfo=datetime.timezone.utc) for moment in moments], mjds),
    ]


def test_times_of_every_form_are_stored_as_mjd_utc(api_client, skyportal, skyportal_provisioned):
    setup = skyportal_provisioned
    for name, times, expected in times_in_every_form(fresh_mjds(2)):
        obj_id = new_object(skyportal, setup)
        upload_photometry(api_client, {"mjd": times, "filter": "ztfg", "mag": [19.0, 19.5], "magerr": [0.1, 0.1]},
                          obj_id=obj_id, instrument_id=setup.instrument_id)
        got = sorted(stored(api_client, obj_id))
        assert all(abs(mjd - want) < TOLERANCE for mjd, want in zip(got, sorted(expected))), (name, got, expected)


@pytest.mark.parametrize("mjd, message", [
    (2459400.5, r"row 0, mjd: is 2459400\.5, a Julian Date, not an MJD: the MJD is JD - 2400000\.5 \(59400\.0\)"),
    ("2021-07-05T12:00:00", r"row 0, mjd: is the date '2021-07-05T12:00:00', not an MJD: give the MJD \(astropy: "
                            r"Time\('2021-07-05T12:00:00'\)\.mjd\)"),
    (1625486400.0, r"row 0, mjd: is 1625486400\.0, too large for an MJD or a Julian Date \(days\): if it is a Unix "
                   r"time in seconds, the MJD is seconds / 86400 \+ 40587 \(59400\.5\)"),
])
def test_a_plain_mjd_that_is_no_mjd_is_refused_with_the_fix(api_client, skyportal_server, skyportal_provisioned,
                                                            mjd, message):
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError, match=message):
        upload_photometry(api_client, [{"mjd": mjd, "filter": "ztfg", "mag": 19.0, "magerr": 0.1}],
                          obj_id=skyportal_provisioned.obj_id, instrument_id=skyportal_provisioned.instrument_id)
    assert writes(skyportal_server) == []


# -- sentinels, impossible values and coarse times ---------------------------------------


def test_magnitude_sentinels_and_impossible_values_are_refused_with_the_fix(api_client, skyportal_server,
                                                                          skyportal_provisioned):
    setup = skyportal_provisioned
    rows = [
        {"mjd": 59400.1, "mag": 99.0, "magerr": 0.1, "ra": 10.0, "dec": 5.0},
        {"mjd": 59400.2, "mag": -99.0, "magerr": 0.1, "ra": 10.0, "dec": 5.0},
        {"mjd": 59400.3, "mag": math.nan, "magerr": 0.1, "ra": 10.0, "dec": 5.0},
        {"mjd": 59400.4, "mag": 19.0, "magerr": 0.1, "ra": 400.0, "dec": -95.0},
        {"mjd": 0.0, "mag": 19.0, "magerr": 0.1, "ra": 360.0, "dec": 5.0},
        {"mjd": -5.0, "mag": None, "magerr": None, "limiting_mag": 99.0, "ra": 10.0, "dec": 5.0},
        {"mjd": 200000.0, "mag": 19.0, "magerr": 0.1, "ra": 10.0, "dec": 5.0},
    ]
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, [dict(row, filter="ztfg") for row in rows], obj_id=setup.obj_id,
                          instrument_id=setup.instrument_id)
    assert writes(skyportal_server) == []
    found = {(problem.row, problem.column): problem.detail for problem in raised.value.problems}
    assert sorted(found) == [(0, "mag"), (1, "mag"), (2, "mag"), (3, "dec"), (3, "ra"), (4, "mjd"), (4, "ra"),
                             (5, "limiting_mag"), (5, "mjd"), (6, "mjd")]
    assert found[0, "mag"].startswith("is 99.0, outside [-30, 40]: ")
    assert "a non-detection goes in limiting_mag" in found[1, "mag"]
    assert "NaN" in found[2, "mag"]
    assert found[3, "ra"].startswith("is 400.0, outside [0, 360): ra is in degrees")
    assert found[3, "dec"].startswith("is -95.0, outside [-90, 90]: dec is in degrees")
    assert found[4, "ra"].startswith("is 360.0, outside [0, 360)")
    assert found[4, "mjd"].startswith("is 0.0, outside (0, ") and "counts days from 1858-11-17" in found[4, "mjd"]
    assert found[5, "mjd"].startswith("is -5.0, outside (0, ")
    assert "99" in found[5, "limiting_mag"]
    assert found[6, "mjd"].startswith("is 200000.0, outside (0, ")


def test_the_edges_of_the_plausible_ranges_are_stored(api_client, skyportal, skyportal_provisioned):
    setup = skyportal_provisioned
    obj_id = new_object(skyportal, setup)
    mjds = fresh_mjds(2)
    upload_photometry(api_client, {"mjd": mjds, "filter": "ztfg", "mag": [-30.0, 40.0], "magerr": [0.1, 0.1],
                                   "ra": [0.0, 359.999], "dec": [-90.0, 90.0]},
                      obj_id=obj_id, instrument_id=setup.instrument_id)
    points = [point for _, point in sorted(stored(api_client, obj_id).items())]
    assert [(close(point["mag"], mag), point["ra"], point["dec"])
            for point, mag in zip(points, (-30.0, 40.0))] == [(True, 0.0, -90.0), (True, 359.999, 90.0)]


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_an_mjd_column_too_coarse_for_a_second_is_refused(api_client, skyportal_server, skyportal_provisioned,
                                                          dtype):
    numpy = pytest.importorskip("numpy")
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError, match=(
            rf"column mjd: holds {dtype} values, which keep an MJD of today only to .* days .*: compute and keep "
            r"the times as float64")):
        upload_photometry(api_client, {"mjd": numpy.array([60000.1, 60000.2], dtype=dtype), "filter": "ztfg",
                                       "mag": [19.0, 19.1], "magerr": [0.1, 0.1]},
                          obj_id=skyportal_provisioned.obj_id, instrument_id=skyportal_provisioned.instrument_id)
    assert writes(skyportal_server) == []


def test_a_float64_mjd_column_is_stored_to_the_millisecond(api_client, skyportal, skyportal_provisioned):
    numpy = pytest.importorskip("numpy")
    pandas = pytest.importorskip("pandas")
    setup = skyportal_provisioned
    mjds = fresh_mjds(2)
    for data in ({"mjd": numpy.array(mjds, dtype="float64")}, pandas.DataFrame({"mjd": mjds})):
        obj_id = new_object(skyportal, setup)
        upload_photometry(api_client, {"mjd": data["mjd"], "filter": "ztfg", "mag": [19.0, 19.1],
                                       "magerr": [0.1, 0.1]}, obj_id=obj_id, instrument_id=setup.instrument_id)
        assert all(abs(got - want) * 86400 < 1e-3 for got, want in zip(sorted(stored(api_client, obj_id)), mjds))


# -- files and values that are nearly right -----------------------------------------------


def write_lines(tmp_path, *lines):
    path = tmp_path / "points.csv"
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


@pytest.mark.parametrize("lines, error, message", [
    (("MJD,Filter,Mag,MagErr", "59400.1,ztfg,19.1,0.1"), UploadValidationError,
     "no photometry: .* \\(the names are lower case: 'MJD' is 'mjd', 'Filter' is 'filter', 'Mag' is 'mag', "
     "'MagErr' is 'magerr'\\)"),
    (("mjd;filter;mag;magerr", "59400.1;ztfg;19.1;0.1"), UploadValidationError,
     "the column 'mjd;filter;mag;magerr' holds several names: are the cells separated by ';' or tabs\\?"),
    (("mjd;filter;mag;magerr", "59400,1;ztfg;19,1;0,1"), ValueError,
     "line 2: 4 cells under a header of 1 columns: the header is the one cell 'mjd;filter;mag;magerr', so the "
     "cells are separated by ';'; a .csv file's are separated by commas"),
    (("mjd,filter,mag,magerr", "59400.1,ztfg,19.1,0.1", "59400.2,ztfg,19.2"), ValueError,
     "line 3: 3 cells under a header of 4 columns: give every row one cell per column, an empty cell for a "
     "missing value"),
    (("mjd,filter,mag,magerr", "59400.1,ztfg,19.1,0.1,7"), ValueError, "line 2: 5 cells under a header of 4"),
    (("mjd,filter,mag,magerr", "# taken in bad seeing", "59400.1,ztfg,19.1,0.1"), ValueError,
     "line 2: 1 cells under a header of 4 columns: the line starts with '#', but a CSV file of photometry has no "
     "comment lines: remove it"),
    (("# from the pipeline, version 2", "mjd,filter,mag,magerr", "59400.1,ztfg,19.1,0.1"), ValueError,
     "line 1: starts with '#', but a CSV file of photometry has no comment lines"),
])
def test_a_csv_file_that_is_nearly_right_is_refused_with_what_to_change(
        api_client, skyportal_server, skyportal_provisioned, tmp_path, lines, error, message):
    skyportal_server.clear_requests()
    with pytest.raises(error, match=message):
        upload_photometry(api_client, write_lines(tmp_path, *lines), obj_id=skyportal_provisioned.obj_id,
                          instrument_id=skyportal_provisioned.instrument_id)
    assert writes(skyportal_server) == []


def test_a_blank_last_line_is_no_row(api_client, skyportal, skyportal_provisioned, tmp_path):
    setup = skyportal_provisioned
    obj_id = new_object(skyportal, setup)
    [mjd] = fresh_mjds(1)
    result = upload_photometry(api_client, write_lines(tmp_path, "mjd,filter,mag,magerr", f"{mjd},ztfg,19.1,0.1",
                                                       ""), obj_id=obj_id, instrument_id=setup.instrument_id)
    assert len(result.ids) == 1 and list(stored(api_client, obj_id)) == [mjd]


@pytest.mark.parametrize("band", ["ZTFG", " ztfg ", "Ztfg"])
def test_a_filter_in_other_case_or_with_spaces_says_which_it_may_be(api_client, skyportal_provisioned, band):
    with pytest.raises(UploadValidationError, match=rf"row 0, filter: instrument \d+ has no filter {band!r} \(it has "
                                                    r"ztfg, ztfr, ztfi\): did you mean 'ztfg'\? Filter names are "
                                                    "lower case, without spaces"):
        upload_photometry(api_client, {"mjd": [59400.1], "filter": [band], "mag": [19.0], "magerr": [0.1]},
                          obj_id=skyportal_provisioned.obj_id, instrument_id=skyportal_provisioned.instrument_id)


def test_a_column_name_in_other_case_beside_good_ones_says_which_it_may_be(api_client, skyportal_provisioned):
    with pytest.raises(UploadValidationError, match="column Origin: SkyPortal does not accept this column: did you "
                                                    "mean origin\\? Column names are lower case"):
        upload_photometry(api_client, {"mjd": [59400.1], "filter": "ztfg", "mag": [19.0], "magerr": [0.1],
                                       "Origin": ["pipeline"]},
                          obj_id=skyportal_provisioned.obj_id, instrument_id=skyportal_provisioned.instrument_id)


def test_an_mjd_in_seconds_is_reported_once_for_its_unit(api_client, skyportal_provisioned):
    units = pytest.importorskip("astropy.units")
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, {"mjd": [1625486400.0, 1625490000.0] * units.s, "filter": "ztfg",
                                       "mag": [19.0, 19.1], "magerr": [0.1, 0.1]},
                          obj_id=skyportal_provisioned.obj_id, instrument_id=skyportal_provisioned.instrument_id)
    assert [(problem.row, problem.column, problem.kind) for problem in raised.value.problems] == \
        [(None, "mjd", "wrong unit")]


def test_a_missing_pandas_time_is_a_null_mjd(api_client, skyportal_provisioned):
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"mjd": pandas.to_datetime(["2021-07-05T12:00:00", None]), "filter": "ztfg",
                              "mag": [19.0, 19.1], "magerr": [0.1, 0.1]})
    with pytest.raises(UploadValidationError, match="row 1, mjd: is null; it needs a value"):
        upload_photometry(api_client, frame, obj_id=skyportal_provisioned.obj_id,
                          instrument_id=skyportal_provisioned.instrument_id)


# -- NaN, infinities, empty cells ------------------------------------------------------------


def test_nan_is_refused_by_the_raw_api_and_the_helpers_alike(api_client, photometry, skyportal_server,
                                                            skyportal_provisioned):
    setup = skyportal_provisioned
    body = {"obj_id": setup.obj_id, "instrument_id": setup.instrument_id, "mjd": [59000.5, 59001.5],
            "filter": "ztfg", "magsys": "ab", "flux": [150.0, math.nan], "fluxerr": [5.0, 5.0], "zp": 23.9}
    skyportal_server.clear_requests()
    with pytest.raises(skyportal_client.ApiValueError, match=r"flux\[1\] is nan"):
        photometry.api_photometry_post(unknown_base_type=body)
    with pytest.raises(UploadValidationError, match="row 1, flux: is NaN") as raised:
        upload_photometry(api_client, body)
    assert [(problem.row, problem.column, problem.kind) for problem in raised.value.problems] == [(1, "flux", "NaN")]
    assert "nan_as_nondetection=True" in str(raised.value)
    assert writes(skyportal_server) == []


def test_pandas_nan_is_refused_and_pandas_na_is_a_non_detection(api_client, skyportal, skyportal_provisioned):
    pandas = pytest.importorskip("pandas")
    setup = skyportal_provisioned
    frame = pandas.DataFrame({"mjd": fresh_mjds(2), "filter": "ztfg", "mag": [19.0, None], "magerr": [0.1, None],
                              "limiting_mag": [21.0, 20.5]})
    with pytest.raises(UploadValidationError, match="2 problems") as raised:
        upload_photometry(api_client, frame, obj_id=setup.obj_id, instrument_id=setup.instrument_id)
    assert {(problem.row, problem.column) for problem in raised.value.problems} == {(1, "mag"), (1, "magerr")}
    obj_id = new_object(skyportal, setup)
    upload_photometry(api_client, frame.astype({"mag": "Float64", "magerr": "Float64"}), obj_id=obj_id,
                      instrument_id=setup.instrument_id)
    non_detection = sorted(stored(api_client, obj_id).items())[1][1]
    assert (non_detection["mag"], non_detection["flux"], non_detection["limiting_mag"]) == (None, None, 20.5)


def test_infinities_are_refused_even_as_non_detections(api_client, skyportal_provisioned):
    with pytest.raises(UploadValidationError, match="row 0, mag: is inf"):
        upload_photometry(api_client, {"mjd": [59000.5], "filter": "ztfg", "mag": [math.inf], "magerr": [0.1]},
                          obj_id=skyportal_provisioned.obj_id, instrument_id=skyportal_provisioned.instrument_id,
                          nan_as_nondetection=True)


def write_csv_file(path, header, lines):
    path.write_text("\n".join([",".join(header)] + [",".join(map(str, line)) for line in lines]) + "\n")
    return path


def test_a_csv_file_with_a_byte_order_mark_reads_as_without(tmp_path):
    """Excel's "CSV UTF-8" starts the file with U+FEFF, which is no part of the first column's name."""
    plain = write_csv_file(tmp_path / "plain.csv", ["mjd", "filter", "mag", "magerr"], [[59000.5, "ztfg", 19.1, 0.05]])
    marked = tmp_path / "marked.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    columns = read_columns(str(marked))
    assert list(columns) == ["mjd", "filter", "mag", "magerr"] and columns == read_columns(str(plain))


def test_empty_and_nan_measurements_in_a_csv_file_are_refused_by_default(api_client, skyportal_server,
                                                                         skyportal_provisioned, tmp_path):
    path = write_csv_file(tmp_path / "points.csv", ["mjd", "filter", "flux", "fluxerr", "zp"], [
        [59000.5, "ztfg", 150.0, 5.0, 23.9], [59000.6, "ztfg", "", 5.0, 23.9], [59000.7, "ztfg", "nan", 5.0, 23.9],
        [59000.8, "ztfg", "NaN", 5.0, 23.9]])
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, path, obj_id=skyportal_provisioned.obj_id,
                          instrument_id=skyportal_provisioned.instrument_id)
    assert [(problem.row, problem.column, problem.kind) for problem in raised.value.problems] == \
        [(1, "flux", "empty"), (2, "flux", "NaN"), (3, "flux", "NaN")]
    assert writes(skyportal_server) == []


def test_nan_as_nondetection_stores_what_skyportal_stores_for_a_non_detection(api_client, skyportal,
                                                                             skyportal_provisioned, tmp_path):
    """Flux space: the flux null, the error kept, a 5-sigma limiting magnitude from it. Mag space:
    mag and magerr null, the flux error of the 3-sigma limit, the limiting magnitude as given."""
    setup = skyportal_provisioned
    flux_mjds, mag_mjds = fresh_mjds(2), fresh_mjds(2)
    flux_file = write_csv_file(tmp_path / "flux.csv", ["mjd", "filter", "flux", "fluxerr", "zp"], [
        [flux_mjds[0], "ztfg", "", 4.0, 23.9], [flux_mjds[1], "ztfg", "nan", 6.0, 23.9]])
    mag_file = write_csv_file(tmp_path / "mag.csv", ["mjd", "filter", "mag", "magerr", "limiting_mag"], [
        [mag_mjds[0], "ztfr", "", "", 21.2], [mag_mjds[1], "ztfr", "nan", "nan", 20.4]])
    obj_id = new_object(skyportal, setup)
    for path in (flux_file, mag_file):
        upload_photometry(api_client, path, obj_id=obj_id, instrument_id=setup.instrument_id, nan_as_nondetection=True)
    points = stored(api_client, obj_id)
    for mjd, fluxerr in zip(flux_mjds, (4.0, 6.0)):
        point = points[mjd]
        assert (point["flux"], point["mag"], point["magerr"]) == (None, None, None)
        assert close(point["fluxerr"], fluxerr) and close(point["limiting_mag"], fluxerr_to_limiting_mag(fluxerr))
    for mjd, limit in zip(mag_mjds, (21.2, 20.4)):
        point = points[mjd]
        assert (point["flux"], point["mag"], point["magerr"]) == (None, None, None)
        assert close(point["fluxerr"], limiting_mag_to_fluxerr(limit)) and close(point["limiting_mag"], limit)


# -- the problem report -------------------------------------------------------------------------


def test_two_thousand_bad_rows_make_one_report_naming_all_and_a_short_message(
        api_client, skyportal, skyportal_provisioned, tmp_path):
    rows, bad = ten_thousand_rows_with_two_thousand_bad(fresh_mjds(10_000))
    report = tmp_path / "report.csv"
    obj_id = new_object(skyportal, skyportal_provisioned)
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, rows, obj_id=obj_id, instrument_id=skyportal_provisioned.instrument_id,
                          report=report)
    problems = raised.value.problems
    assert len(bad) == 2000 and {problem.row: problem.kind for problem in problems} == bad
    assert len(problems) == 2000
    message = str(raised.value)
    assert len(message.encode()) < 4096
    assert message.startswith("2000 problems in the photometry; nothing was sent:\n")
    assert "400 × mag, NaN (rows 3, 28, 53, 78, 103, ...)" in message
    with open(report, newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert [(int(line["row"]), line["kind"]) for line in lines] == sorted(bad.items())
    assert get_light_curve(api_client, obj_id) == []  # nothing was sent


def test_a_report_of_many_kinds_stays_short(api_client, skyportal_provisioned):
    """A column of its own for each of 300 unknown names, and 5 000 repeated points."""
    mjds = fresh_mjds(5000)
    rows = [{"mjd": mjd, "filter": "ztfg", "mag": 19.0, "magerr": 0.05} for mjd in mjds] * 2
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, rows, obj_id=skyportal_provisioned.obj_id,
                          instrument_id=skyportal_provisioned.instrument_id)
    assert len(raised.value.problems) == 5000 and len(str(raised.value).encode()) < 4096
    columns = {f"extra_{number}": [1.0] for number in range(300)}
    columns.update(mjd=[59000.5], filter="ztfg", mag=[19.0], magerr=[0.1])
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, columns, obj_id=skyportal_provisioned.obj_id,
                          instrument_id=skyportal_provisioned.instrument_id)
    message = str(raised.value)
    assert len(raised.value.problems) == 300 and len(message.encode()) < 4096
    assert message.endswith(" more kinds")


def test_write_report_writes_every_problem_to_a_stream(api_client, skyportal_provisioned):
    import io

    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, {"mjd": [59000.5, 2459000.5], "filter": "ztfg", "mag": [math.nan, 19.0],
                                       "magerr": [0.1, 0.1]},
                          obj_id=skyportal_provisioned.obj_id, instrument_id=skyportal_provisioned.instrument_id)
    stream = io.StringIO()
    raised.value.write_report(stream)
    lines = list(csv.reader(io.StringIO(stream.getvalue())))
    assert lines[0] == ["row", "column", "kind", "detail"]
    assert [line[:3] for line in lines[1:]] == [["0", "mag", "NaN"], ["1", "mjd", "Julian Date, not MJD"]]


# -- altdata and the columns that are no columns -----------------------------------------


def test_altdata_is_stored_per_point_as_given(api_client, skyportal, skyportal_provisioned, tmp_path):
    """A dict per row, None (no altdata) and JSON text (as tables hold it) are each stored as
    meant; one dict for every row is stored whole on each point, its lists not split by point."""
    setup = skyportal_provisioned
    mjds = fresh_mjds(5)
    detection = {"filter": "ztfg", "mag": 19.0, "magerr": 0.1}
    rows = [dict(detection, mjd=mjds[0], altdata={"exptime": 30, "tags": ["a", "b"], "flags": {"bad": False}}),
            dict(detection, mjd=mjds[1], altdata=None),
            dict(detection, mjd=mjds[2], altdata='{"exptime": 60.5}')]
    obj_id = new_object(skyportal, setup)
    upload_photometry(api_client, rows, obj_id=obj_id, instrument_id=setup.instrument_id)
    upload_photometry(api_client, dict(detection, mjd=mjds[3:], altdata={"run": 7, "tags": ["x", "y"]}),
                      obj_id=obj_id, instrument_id=setup.instrument_id)
    points = get_light_curve(api_client, obj_id)
    assert {point["mjd"]: point["altdata"] for point in points} == {
        mjds[0]: {"exptime": 30, "tags": ["a", "b"], "flags": {"bad": False}}, mjds[1]: None,
        mjds[2]: {"exptime": 60.5}, mjds[3]: {"run": 7, "tags": ["x", "y"]}, mjds[4]: {"run": 7, "tags": ["x", "y"]}}

    # The light curve written as CSV (altdata as JSON text) and uploaded again stores the same altdata.
    path = tmp_path / "light_curve.csv"
    skyportal_client._light_curves.tables.write_points(points, path)
    copy = new_object(skyportal, setup)
    columns = skyportal_client._light_curves.tables.read_columns(path)
    upload_photometry(api_client, {name: columns[name] for name in ("mjd", "filter", "mag", "magerr", "altdata")},
                      obj_id=copy, instrument_id=setup.instrument_id)
    assert {point["mjd"]: point["altdata"] for point in get_light_curve(api_client, copy)} == \
        {point["mjd"]: point["altdata"] for point in points}


def test_altdata_that_json_cannot_hold_is_refused_and_nothing_is_sent(api_client, skyportal_server,
                                                                      skyportal_provisioned):
    setup = skyportal_provisioned
    cells = [{"seeing": math.nan}, {1: "one"}, 3, "{not json", {"when": datetime.date(2021, 7, 5)}]
    rows = [{"mjd": mjd, "filter": "ztfg", "mag": 19.0, "magerr": 0.1, "altdata": cell}
            for mjd, cell in zip(fresh_mjds(len(cells)), cells)]
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, rows, obj_id=setup.obj_id, instrument_id=setup.instrument_id)
    assert [(problem.row, problem.kind) for problem in raised.value.problems] == [
        (0, "not plain JSON"), (1, "not plain JSON"), (2, "not an object"), (3, "not an object"),
        (4, "not plain JSON")]
    message = str(raised.value)
    assert "row 0, altdata: holds nan" in message and "row 1, altdata: holds the key 1, a int" in message
    assert "row 2, altdata: is 3, not a dict" in message and "row 3, altdata: is the text '{not json'" in message
    assert writes(skyportal_server) == []


def test_upload_settings_and_missing_columns_say_what_to_pass(api_client, skyportal_server, skyportal_provisioned):
    setup = skyportal_provisioned
    skyportal_server.clear_requests()
    with pytest.raises(UploadValidationError) as raised:
        upload_photometry(api_client, [{"mjd": 59400.5, "filter": "ztfg", "mag": 19.0, "magerr": 0.1,
                                        "group_ids": [setup.group_id]}])
    message = str(raised.value)
    assert "column group_ids: is a setting of the whole upload, not a column: pass group_ids=" in message
    assert "column obj_id: required column is missing: pass obj_id= (--obj-id on the command line)" in message
    assert "column instrument_id: required column is missing: pass instrument_id= (instrument= to " \
           "SkyPortal.photometry.upload, --instrument-id on the command line)" in message
    assert writes(skyportal_server) == []

"""What SkyPortal stores for odd but accepted uploads, read back and compared
to 1e-9 (its standardize_photometry_data: pandas coerces each column with
to_numeric, marshmallow checks little, PostgreSQL refuses the rest); and
what it refuses only at insert time, with nothing stored."""

import json
import math

import pytest
from plain_http import assert_error

ZP = 23.9
MAGERR_PER_RELATIVE_FLUXERR = 2.5 / math.log(10)


def flux_of(mag):
    return 10 ** (-0.4 * (mag - ZP))


def fluxerr_of(mag, magerr):
    return magerr / MAGERR_PER_RELATIVE_FLUXERR * flux_of(mag)


def limit_fluxerr(limiting_mag, nsigma):
    return flux_of(limiting_mag) / nsigma


def five_sigma_limit(fluxerr):
    return -2.5 * math.log10(5 * fluxerr) + ZP


def close(actual, expected):
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-9)
    return actual == expected


def stored(uploads, reply):
    """The points the upload stored, in mjd order, with both mag and flux keys."""
    assert reply.status == 200, reply
    points = uploads.points("?format=both")
    assert sorted(point["id"] for point in points) == sorted(reply.data["ids"])
    return points


def assert_points(points, expected):
    assert len(points) == len(expected)
    for point, wanted in zip(points, expected):
        for key, value in wanted.items():
            assert close(point[key], value), (key, point[key], value)


DETECTION_19_01 = {"mag": 19.0, "magerr": 0.1, "flux": flux_of(19.0), "fluxerr": fluxerr_of(19.0, 0.1)}

# (name, body fields, expected values of each stored point in mjd order)
ACCEPTED = [
    ("numeric strings in mjd", {"mjd": ["59400.1", "59401.2"], "mag": 19.0, "magerr": 0.1},
     [{"mjd": 59400.1, **DETECTION_19_01}, {"mjd": 59401.2, **DETECTION_19_01}]),
    ("numeric strings in mag and magerr", {"mjd": 59400.0, "mag": "19.5", "magerr": " 0.1 "},
     [{"mag": 19.5, "magerr": 0.1, "flux": flux_of(19.5), "fluxerr": fluxerr_of(19.5, 0.1)}]),
    ("integers everywhere", {"mjd": 59400, "mag": 19, "magerr": 1},
     [{"mjd": 59400.0, "mag": 19.0, "magerr": 1.0, "fluxerr": fluxerr_of(19.0, 1.0)}]),
    ("a boolean magerr is 1", {"mjd": 59400.0, "mag": 19.0, "magerr": True},
     [{"mag": 19.0, "magerr": 1.0, "fluxerr": fluxerr_of(19.0, 1.0)}]),
    ("boolean flux and fluxerr are 1", {"mjd": 59400.0, "flux": True, "fluxerr": True, "zp": 23.9},
     [{"flux": 1.0, "fluxerr": 1.0, "snr": 1.0, "mag": 23.9}]),
    ("a numeric string zero point", {"mjd": 59400.0, "flux": 10.0, "fluxerr": 1.0, "zp": "25"},
     [{"flux": 10.0 * 10 ** (0.4 * (ZP - 25.0)), "fluxerr": 1.0 * 10 ** (0.4 * (ZP - 25.0)), "zp": 23.9}]),
    ("a mixed mjd column", {"mjd": [59400, "59401.5", 59402.25], "mag": 19.0, "magerr": 0.1},
     [{"mjd": 59400.0}, {"mjd": 59401.5}, {"mjd": 59402.25}]),
    ("a mixed mag column", {"mjd": [59400.0, 59401.0], "mag": [19, "19.5"], "magerr": 0.1},
     [{"mag": 19.0, "flux": flux_of(19.0)}, {"mag": 19.5, "flux": flux_of(19.5)}]),
    ("a negative magerr keeps a negative fluxerr", {"mjd": 59400.0, "mag": 19.0, "magerr": -0.1},
     [{"fluxerr": -fluxerr_of(19.0, 0.1), "magerr": None, "snr": -flux_of(19.0) / fluxerr_of(19.0, 0.1)}]),
    ("a numeric string limiting mag and n-sigma",
     {"mjd": 59400.0, "mag": None, "magerr": None, "limiting_mag": "21.5", "limiting_mag_nsigma": "5"},
     [{"flux": None, "mag": None, "fluxerr": limit_fluxerr(21.5, 5.0), "limiting_mag": 21.5}]),
    ("a zero n-sigma gives an infinite error",
     {"mjd": 59400.0, "mag": None, "magerr": None, "limiting_mag": 21.0, "limiting_mag_nsigma": 0},
     [{"flux": None, "fluxerr": None, "snr": None, "limiting_mag": 21.0}]),
    ("a negative flux has no magnitude", {"mjd": 59400.0, "flux": -5.0, "fluxerr": 1.0, "zp": 23.9},
     [{"flux": -5.0, "mag": None, "magerr": None, "snr": -5.0, "limiting_mag": five_sigma_limit(1.0)}]),
    ("a null flux is a non-detection", {"mjd": 59400.0, "flux": None, "fluxerr": 2.0, "zp": 23.9},
     [{"flux": None, "fluxerr": 2.0, "mag": None, "snr": None, "limiting_mag": five_sigma_limit(2.0)}]),
    ("a numeric origin is stored as text", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "origin": 5},
     [{"origin": "5"}]),
    ('a null origin in a list is "None"', {"mjd": [59400.0, 59401.0], "mag": 19.0, "magerr": 0.1,
                                            "origin": ["a", None]},
     [{"origin": "a"}, {"origin": "None"}]),
    ("numeric strings and integers in ra and dec", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "ra": "10.5",
                                                    "dec": -5},
     [{"ra": 10.5, "dec": -5.0}]),
    ("an upper-case magsys", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "magsys": "AB"},
     [{"mag": 19.0, "magsys": "ab"}]),
    ("a one-element list broadcasts like a scalar", {"mjd": [59400.0], "mag": 19.0, "magerr": [0.1]},
     [{"mjd": 59400.0, **DETECTION_19_01}]),
    ("altdata scalars go to every point", {"mjd": [59400.0, 59401.0], "mag": 19.0, "magerr": 0.1,
                                           "altdata": {"a": 1, "b": "x"}},
     [{"altdata": {"a": 1, "b": "x"}}, {"altdata": {"a": 1, "b": "x"}}]),
    ("altdata lists are typed per key", {"mjd": [59400.0, 59401.0], "mag": 19.0, "magerr": 0.1,
                                         "altdata": {"b": [1, 2.5], "d": [True, False]}},
     [{"altdata": {"b": 1.0, "d": True}}, {"altdata": {"b": 2.5, "d": False}}]),
    ("altdata drops nulls and empty strings", {"mjd": [59400.0, 59401.0], "mag": 19.0, "magerr": 0.1,
                                               "altdata": [{"a": 1, "e": ""}, {"a": None}]},
     [{"altdata": {"a": 1}}, {"altdata": None}]),
    ("a nested altdata dict of one point loses its inner keys",
     {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "altdata": {"cal": {"src": "ps1"}}},
     [{"altdata": {"cal": "ps1"}}]),
    ("a nested altdata dict of two points is kept",
     {"mjd": [59400.0, 59401.0], "mag": 19.0, "magerr": 0.1, "altdata": {"cal": {"src": "ps1"}}},
     [{"altdata": {"cal": {"src": "ps1"}}}, {"altdata": {"cal": {"src": "ps1"}}}]),
    ("a one-element altdata list is unwrapped", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1,
                                                 "altdata": {"a": [1], "l": [[1, 2]]}},
     [{"altdata": {"a": 1, "l": [1, 2]}}]),
    ("magref and e_magref add the reference block",
     {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "magref": 18.0, "e_magref": 0.05},
     [{"ref_flux": flux_of(18.0), "ref_fluxerr": fluxerr_of(18.0, 0.05), "magref": 18.0,
       "tot_flux": flux_of(18.0) + flux_of(19.0), "e_magref": 0.05}]),
    ("ref_flux on its own zero point", {"mjd": 59400.0, "flux": 1.0, "fluxerr": 1.0, "zp": 23.9, "ref_flux": 5.0,
                                        "ref_fluxerr": 1.0, "ref_zp": 25.0},
     [{"ref_flux": 5.0 * 10 ** (0.4 * (ZP - 25.0)), "ref_fluxerr": 10 ** (0.4 * (ZP - 25.0))}]),
    ("a reference without its error is not shown", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "magref": 18.0},
     [{"mag": 19.0}]),
]


@pytest.mark.parametrize("name, fields, expected", ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_accepted_odd_input_is_stored_as_skyportal_stores_it(api, uploads, name, fields, expected):
    """standardize_photometry_data: an odd but accepted upload, and the values it stores."""
    points = stored(uploads, api.call("POST", "/api/photometry", uploads.body(**fields)))
    assert_points(points, expected)
    if name == "a reference without its error is not shown":
        assert "ref_flux" not in points[0]


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_string_instrument_id_is_parsed(api, uploads, setup, method):
    """to_numeric parses a numeric string instrument_id; a float one is an int too."""
    for mjd, instrument_id in ((59400.0, str(setup.instrument_id)), (59401.0, float(setup.instrument_id))):
        reply = api.call(method, "/api/photometry", uploads.body(mjd=mjd, mag=19.0, magerr=0.1,
                                                                 instrument_id=instrument_id))
        assert reply.status == 200, reply
    assert [point["instrument_id"] for point in uploads.points()] == [setup.instrument_id] * 2


def test_mixed_detections_and_limits_in_one_upload(api, uploads):
    """observed-exchanges §1: detections and non-detections side by side, each stored on its own terms."""
    points = stored(uploads, api.call("POST", "/api/photometry", uploads.body(
        mjd=[59400.0, 59401.0], mag=["19", None], magerr=[0.1, None], limiting_mag=21.0)))
    assert_points(points, [{"mag": 19.0, "fluxerr": fluxerr_of(19.0, 0.1), "limiting_mag": 21.0},
                           {"mag": None, "fluxerr": limit_fluxerr(21.0, 3.0), "limiting_mag": 21.0}])


def background(code):
    return f"(Background on this error at: https://sqlalche.me/e/20/{code})\n"


# (name, body fields, status, a line the message holds, how it ends)
REFUSED = [
    ("a non-numeric mjd fails in PostgreSQL", {"mjd": "soon", "mag": 19.0, "magerr": 0.1}, 400,
     'sqlalchemy.exc.DataError: (psycopg.errors.InvalidTextRepresentation) invalid input syntax for type double '
     'precision: "soon"', background("9h9h")),
    ("a boolean mjd fails in PostgreSQL", {"mjd": True, "mag": 19.0, "magerr": 0.1}, 400,
     'sqlalchemy.exc.ProgrammingError: (psycopg.errors.DatatypeMismatch) column "mjd" is of type double precision '
     'but expression is of type boolean', background("f405")),
    ("a non-numeric ra fails in PostgreSQL", {"mjd": [59400.0, 59401.0], "mag": 19.0, "magerr": 0.1,
                                              "ra": [1, "x"]}, 400,
     'psycopg.errors.InvalidTextRepresentation: invalid input syntax for type double precision: "x"',
     background("9h9h")),
    ("altdata with a null among numbers holds NaN", {"mjd": [59400.0, 59401.0], "mag": 19.0, "magerr": 0.1,
                                                     "altdata": {"a": [1, None]}}, 400,
     'psycopg.errors.InvalidTextRepresentation: invalid input syntax for type json\nDETAIL:  Token "NaN" is invalid.',
     background("9h9h")),
    ("a boolean origin misses SkyPortal's key lookup", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "origin": True},
     400, "\nKeyError: (", None),
    ("an integral float origin misses it too", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "origin": 1.0}, 400,
     "\nKeyError: (", None),
    ("a NaN mjd breaks the photometry statistics", {"mjd": "nan", "mag": 19.0, "magerr": 0.1}, 400,
     'psycopg.errors.InvalidTextRepresentation: invalid input syntax for type json\nDETAIL:  Token "NaN" is invalid.',
     background("9h9h")),
    ("an instrument id beyond PostgreSQL's integer", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1,
                                                      "instrument_id": 10 ** 30}, 500,
     None, "(Background on this error at: https://sqlalche.me/e/20/9h9h)"),
    ("a flux string is a numpy error", {"mjd": 59400.0, "flux": "abc", "fluxerr": 1.0, "zp": 23.9}, 500, None,
     "could not be safely coerced to any supported types according to the casting rule ''safe''"),
    ("a non-numeric instrument_id", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "instrument_id": "one"}, 500,
     None, "invalid literal for int() with base 10: 'one'"),
    ("an integer filter", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "filter": 5}, 400, None, None),
    ("empty lists", {"mjd": [], "mag": [], "magerr": []}, 400, None,
     'Error was: "Length of values (0) does not match length of index (1)"'),
    ("a dict mag in a one-point upload is NaN", {"mjd": 59400.0, "mag": {"nested": 1}, "magerr": 0.1}, 400, None,
     "mag and magerr must both be null, or both be not null."),
    ("a non-numeric limiting mag", {"mjd": 59400.0, "mag": None, "magerr": None, "limiting_mag": "deep"}, 400,
     None, "Some values in the limiting_mag field are not numeric."),
    ("a null n-sigma", {"mjd": 59400.0, "mag": None, "magerr": None, "limiting_mag": 21.0,
                        "limiting_mag_nsigma": None}, 400, "{'limiting_mag_nsigma': ['Field may not be null.']}",
     None),
    ("an integer magsys", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "magsys": 5}, 400, None,
     "Error standardizing photometry data: 'numpy.int64' object has no attribute 'lower'."),
    ("a string altdata", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "altdata": "hello"}, 500, None,
     "'str' object has no attribute 'values'"),
    ("an integer altdata", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "altdata": 5}, 500, None,
     "object of type 'int' has no len()"),
    ("a nested altdata dict beside a scalar", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1,
                                               "altdata": {"a": 1, "cal": {"src": "ps1", "x": 2}}}, 500, None,
     "Length of values (2) does not match length of index (1)"),
    ("a nested group id list", {"mjd": 59400.0, "mag": 19.0, "magerr": 0.1, "group_ids": [[1]]}, 500, None,
     "int() argument must be a string, a bytes-like object or a real number, not 'list'"),
]


@pytest.mark.parametrize("name, fields, status, holds, ending", REFUSED, ids=[case[0] for case in REFUSED])
def test_refused_odd_input_stores_nothing(api, uploads, name, fields, status, holds, ending):
    """standardize_photometry_data and the insert: what is refused, with
    SkyPortal's status and (part of) its message, and nothing stored."""
    reply = api.call("POST", "/api/photometry", uploads.body(**fields))
    assert_error(reply, status)
    if holds is not None:
        assert holds in reply.message, reply.message[-600:]
    if ending is not None:
        assert reply.message.endswith(ending), reply.message[-300:]
    assert uploads.points() == []


def test_an_integer_filter_is_named_as_numpy_prints_it(api, uploads):
    """The unknown-filter message shows numpy scalars and SkyPortal's whole bandpass tuple."""
    reply = api.call("POST", "/api/photometry", uploads.body(mjd=59400.0, mag=19.0, magerr=0.1, filter=5))
    assert_error(reply, 400)
    assert reply.message.startswith("Filter(s) {np.int64(5)} is not allowed. Allowed filters are: ('bessellux', ")
    reply = api.call("POST", "/api/photometry", uploads.body(mjd=59400.0, mag=19.0, magerr=0.1, filter="nope"))
    assert reply.message.startswith("Filter(s) {np.str_('nope')} is not allowed.")
    assert uploads.points() == []


def test_repeated_new_points_in_a_put(api, uploads):
    """observed-exchanges §5: two identical new points in one PUT: PostgreSQL's
    CardinalityViolation, reported by SQLAlchemy as a ProgrammingError."""
    reply = api.call("PUT", "/api/photometry", uploads.body(mjd=[59400.0, 59400.0], mag=19.0, magerr=0.1))
    assert_error(reply, 400)
    assert ("\nsqlalchemy.exc.ProgrammingError: (psycopg.errors.CardinalityViolation) ON CONFLICT DO UPDATE command "
            "cannot affect row a second time\n") in reply.message
    assert reply.message.endswith(background("f405"))
    assert uploads.points() == []


def test_a_string_mjd_in_a_put(api, uploads):
    """PUT reads every mjd as a float before looking for duplicates: a Python ValueError traceback."""
    reply = api.call("PUT", "/api/photometry", uploads.body(mjd="soon", mag=19.0, magerr=0.1))
    assert_error(reply, 400)
    assert reply.message.startswith("Traceback (most recent call last):\n")
    assert reply.message.endswith("ValueError: could not convert string to float: 'soon'\n")
    assert uploads.points() == []


def test_nan_in_json_is_read_as_a_float(api, uploads):
    """JSON's NaN token (Python's json accepts it) in limiting_mag_nsigma gives a NaN error."""
    raw = json.dumps(uploads.body(mjd=59400.0, mag=None, magerr=None, limiting_mag=21.0,
                                  limiting_mag_nsigma=float("nan")))
    [point] = stored(uploads, api.call("POST", "/api/photometry", raw=raw))
    assert point["fluxerr"] is None and point["limiting_mag"] == 21.0

"""json_codec gives the same bytes and the same values with the [fast] extra's libraries as without them.

Every case runs twice, fast path on and off, against what the standard library alone gives. The
cases: what a real SkyPortal 1.4.0 sent and was sent (the recorded exchanges), the embedded
server's answers, the suite's upload bodies, the inputs where the libraries differ from ``json``,
and random JSON values.
"""

import datetime
import decimal
import enum
import json
import math
import pathlib
import subprocess
import sys
import uuid

import hypothesis
import pytest
import urllib3
from hypothesis import strategies as st
from support.upload_bodies import flux_points, mag_points

from skyportal_client._transport import json_codec
from skyportal_client.exceptions import ApiValueError
from skyportal_client.model.photometry_mag_upload import PhotometryMagUpload
from skyportal_client.model.unknownbasetype import UNKNOWNBASETYPE

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "shared" / "reference"
RECORDED = sorted(REFERENCE.glob("observed-exchanges*.md")) if REFERENCE.is_dir() else []


def recorded_json():
    """Every JSON object of the recorded exchanges with a real SkyPortal: request bodies and answers."""
    found = []
    decoder = json.JSONDecoder()
    for path in RECORDED:
        for line in path.read_text().splitlines():
            start = line.find("{")
            if start < 0:
                continue
            try:
                value, _ = decoder.raw_decode(line, start)
            except ValueError:
                continue
            found.append(json.dumps(value).encode())
    return found


# Inputs on which msgspec or orjson behave unlike json: each must still decode as json.loads does.
AWKWARD_ANSWERS = [
    b"123456789012345678901234567890", b"-9223372036854775809", b"18446744073709551616", b"1e400", b"-1e400",
    b"1e-400", b"1.7976931348623159e308", b"NaN", b"[Infinity, -Infinity]", b'{"a": 1, "a": 2, "b": 3}',
    b'"\\ud800"', b'"\\udc00\\ud800"', b'"\\ud83d\\ude00"', '"\U0001F600 é"'.encode(), b'"a\x7fb"', b'"a\x01b"',
    b'\xef\xbb\xbf{"a": 1}', '{"a": 1}'.encode("utf-16"), '{"a": 1}'.encode("utf-16-le"), b'"\xff"',
    b'"\xed\xa0\x80"', b" \t\n\r1 \r\n", b"\x0c1", b"", b"-0", b"-0.0", b"1E5", b"01", b"[1,]", b"1" * 5000,
    b"1." + b"1" * 400, b'["\\u0000", "\\/"]', b"<html><body>Welcome</body></html>", b'{"status": "success"',
    b"12345678901234567890.5", b"[1]\x00", b"null", b"true",
]

UNSENDABLE = [float("nan"), float("inf"), -float("inf")]


class Colour(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    SMALL = 1


AWKWARD_BODIES = [
    {"mag": [19.0, None, float("nan")]}, {"mjd": [59000.0, float("inf")]}, {"altdata": {"x": float("nan")}},
    {"origin": "café"}, {"origin": "\x7f"}, {"origin": "tab\there\n"}, {"flux": [1e-05, 2.5e-7, 0.0, -0.0]},
    {"flux": [1e16, 1.5e300, 5e-324, 0.0001, 123456.789]}, {"id": 2 ** 64}, {"id": -2 ** 63}, {1: "one"},
    {"colour": Colour.RED}, {"size": Size.SMALL}, {"id": uuid.UUID(int=7)}, {"at": datetime.datetime(2022, 5, 1)},
    {"amount": decimal.Decimal("1.5")}, {"ids": (1, 2)}, {"ids": {1, 2}}, {"raw": b"bytes"}, [[[]]],
    {"rows": [{"mjd": 1.0, "mag": None}, {"mjd": 2.0, "mag": float("nan")}]}, "é", 1e-5, True, None,
    {"mixed": [1, "a", None, 2.5, True, [1.0], {"b": None}]}, {"deep": [[[[[[[[[[[[[[[[[[[[1.0]]]]]]]]]]]]]]]]]]]]},
]


@pytest.fixture(params=["fast", "stdlib"])
def codec(request):
    """json_codec with its fast path on (skipped when the [fast] extra is not installed) or off."""
    fast = request.param == "fast"
    if fast:
        pytest.importorskip("msgspec")
        pytest.importorskip("orjson")
    enabled = json_codec.fast_json_enabled()
    json_codec.use_fast_json(fast)
    yield json_codec
    json_codec.use_fast_json(enabled)


def standard_loads(body):
    """What json_codec.loads gives with the standard library only."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def standard_dumps(body):
    """What json_codec.dumps gives with the standard library only: bytes, or the exception's type and message."""
    enabled = json_codec.fast_json_enabled()
    json_codec.use_fast_json(False)
    try:
        return json_codec.dumps(body)
    except ApiValueError as error:
        return type(error), str(error)
    finally:
        json_codec.use_fast_json(enabled)


def exactly(value):
    """A value with the type of every part spelled out, so that 1, 1.0 and True differ and NaN equals NaN."""
    if isinstance(value, dict):
        return "dict", [(key, exactly(item)) for key, item in value.items()]
    if isinstance(value, list):
        return "list", [exactly(item) for item in value]
    return type(value).__name__, repr(value)


def encoded(codec, body):
    try:
        return codec.dumps(body)
    except ApiValueError as error:
        return type(error), str(error)


@pytest.mark.parametrize("body", AWKWARD_ANSWERS + recorded_json(), ids=lambda body: repr(body[:40]))
def test_an_answer_decodes_as_json_loads_decodes_it(codec, body):
    assert exactly(codec.loads(body)) == exactly(standard_loads(body))


def test_the_recorded_exchanges_are_in_the_cases():
    if not RECORDED:
        pytest.skip(f"the recorded exchanges are not at {REFERENCE}")
    assert len(recorded_json()) > 40


def test_the_embedded_servers_answers_decode_alike(codec, skyportal, skyportal_provisioned, photometry):
    photometry.api_photometry_post(mag_points(skyportal_provisioned, count=20))
    pool = urllib3.connection_from_url(skyportal.url)
    headers = {"Authorization": f"token {skyportal.token}"}
    for path in (f"/api/sources/{skyportal_provisioned.obj_id}/photometry?format=both", "/api/sysinfo",
                 "/api/photometry/0", "/api/sources/nobody/photometry", "/api/enum_types"):
        body = pool.request("GET", path, headers=headers).data
        assert exactly(codec.loads(body)) == exactly(standard_loads(body)), path


@pytest.mark.parametrize("body", AWKWARD_BODIES, ids=repr)
def test_a_body_encodes_as_json_dumps_encodes_it(codec, body):
    assert encoded(codec, body) == standard_dumps(body)


def test_the_suites_upload_bodies_and_their_models_encode_alike(codec, skyportal_provisioned):
    for body in (mag_points(skyportal_provisioned, count=50), flux_points(skyportal_provisioned, count=50),
                 mag_points(skyportal_provisioned, mag=[19.0, None, 18.0], magerr=[0.1, None, 0.1],
                            altdata={"pipeline": "ünïcode"}, origin=None)):
        assert encoded(codec, body) == standard_dumps(body)
        model = UNKNOWNBASETYPE.coerce(body, "body")
        assert encoded(codec, model) == standard_dumps(model) == standard_dumps(model.to_dict())


def test_a_model_is_looked_over_where_its_rules_did_not_look(codec, skyportal_provisioned):
    """A checked model's number columns are finite; its free-form values, and every value of a
    model from the server, are looked over as any body is."""
    body = mag_points(skyportal_provisioned, altdata={"seeing": float("nan")})
    checked = UNKNOWNBASETYPE.coerce(body, "body")
    unchecked = PhotometryMagUpload.from_server(dict(body, altdata=None, mag=[19.0, float("inf"), 18.0]))
    for model in (checked, unchecked):
        with pytest.raises(ApiValueError, match="The body holds NaN or infinity"):
            codec.dumps(model)
    plain = mag_points(skyportal_provisioned)
    assert encoded(codec, PhotometryMagUpload.from_checked(plain)) == standard_dumps(plain)


@pytest.mark.parametrize("value", UNSENDABLE, ids=repr)
def test_nan_and_infinity_are_refused_with_the_same_message(codec, value):
    for body in ({"mag": [19.0, value]}, {"mag": [None, value]}, {"altdata": {"x": value}}, value):
        with pytest.raises(ApiValueError, match="The body holds NaN or infinity; SkyPortal only stores finite"):
            codec.dumps(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5),
    max_leaves=30,
)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(value=json_values)
def test_any_value_encodes_and_decodes_alike(value):
    expected = standard_dumps(value)
    for fast in (True, False):
        json_codec.use_fast_json(fast)
        try:
            assert encoded(json_codec, value) == expected
            text = json.dumps(value).encode()
            assert exactly(json_codec.loads(text)) == exactly(standard_loads(text))
        finally:
            json_codec.use_fast_json(True)


def test_the_fast_libraries_are_used_when_installed_and_imported_only_then():
    pytest.importorskip("msgspec")
    pytest.importorskip("orjson")
    script = ("import sys, skyportal_client; from skyportal_client._transport import json_codec; "
              "before = {'msgspec', 'orjson'} & set(sys.modules); json_codec.loads(b'[]'); "
              "print(sorted(before), sorted({'msgspec', 'orjson'} & set(sys.modules)))")
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["[]", "['msgspec',", "'orjson']"]


def test_numbers_keep_their_type_and_every_bit(codec):
    values = [0.1, 1 / 3, 59000.013, 5e-324, 1.7976931348623157e308, -0.0, 2 ** 53 + 1, 10 ** 30]
    decoded = codec.loads(codec.dumps(values))
    assert [(type(value), value) for value in decoded] == [(type(value), value) for value in values]
    assert math.copysign(1, decoded[5]) == -1

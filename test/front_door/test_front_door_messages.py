"""What SkyPortal says when something is wrong: each check made before any request, and each hint
on an error answer, seen from the front door, message by message."""

import contextlib

import pytest

import skyportal_client
from skyportal_client import NameLookupError, SkyPortal
from skyportal_client._front_door.names import one_named
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.model.instrument import Instrument

# Shaped like a SkyPortal token, and known to no server.
UNKNOWN_TOKEN = "6f1c2d3e-aaaa-bbbb-cccc-123456789abc"
REFUSING_HOST = "http://127.0.0.1:9"  # the discard port: nothing listens there
SETTINGS = ("connect_timeout, read_timeout, total_timeout, retries, rate_limit, rate_limit_burst, rate_limit_store, "
            "verify_ssl, ssl_ca_cert, proxy, connection_pool_maxsize, max_redirects, debug")


@pytest.fixture
def clean_environment(monkeypatch):
    monkeypatch.delenv("SKYPORTAL_URL", raising=False)
    monkeypatch.delenv("SKYPORTAL_TOKEN", raising=False)
    return monkeypatch


@pytest.fixture
def sends_nothing(skyportal):
    """``with sends_nothing():`` around calls that must fail before any request (counted on the embedded server)."""

    @contextlib.contextmanager
    def sends_nothing():
        if skyportal.embedded:
            skyportal.server.clear_requests()
        yield
        if skyportal.embedded:
            assert skyportal.server.requests == []

    return sends_nothing


@pytest.fixture
def sp(skyportal):
    with SkyPortal(skyportal.url, skyportal.token, rate_limit=None, retries=0) as client:
        yield client


# -- before any request --------------------------------------------------------------------------


def test_without_a_token_it_says_where_to_put_one(clean_environment, skyportal, sends_nothing):
    with sends_nothing(), pytest.raises(skyportal_client.ApiValueError) as raised:
        SkyPortal(skyportal.url)
    assert str(raised.value) == (f"No token: pass SkyPortal(token=...) or set $SKYPORTAL_TOKEN to the token shown on "
                                 f"your profile page ({skyportal.url}/profile)")


def test_host_and_token_come_from_the_environment(clean_environment, skyportal):
    clean_environment.setenv("SKYPORTAL_URL", skyportal.url)
    clean_environment.setenv("SKYPORTAL_TOKEN", skyportal.token)
    with SkyPortal() as sp:
        configuration = sp.api_client.configuration
        assert (sp.host, configuration.host_source, configuration.token_source) == (
            skyportal.url, "$SKYPORTAL_URL", "$SKYPORTAL_TOKEN")
        assert sp.version.startswith("1.")


@pytest.mark.parametrize("prefix", ["token", "Bearer"])
def test_a_token_with_its_prefix_says_to_pass_it_alone(prefix, clean_environment):
    expected = (f'Pass the token alone, without "{prefix} " before it (the value from the token= argument has it): '
                'the client sends "Authorization: token <token>" itself')
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        SkyPortal("https://fritz.science", f"{prefix} {UNKNOWN_TOKEN}")
    assert str(raised.value) == expected
    clean_environment.setenv("SKYPORTAL_TOKEN", f"{prefix} {UNKNOWN_TOKEN}")
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        SkyPortal("https://fritz.science")
    assert str(raised.value) == expected.replace("the token= argument", "$SKYPORTAL_TOKEN")
    assert UNKNOWN_TOKEN not in str(raised.value)


def test_a_host_without_a_scheme_says_what_a_host_looks_like(clean_environment):
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        SkyPortal("fritz.science", UNKNOWN_TOKEN)
    assert str(raised.value) == ("The host (from the host= argument) must be a URL starting with http:// or https:// "
                                 "(such as https://fritz.science), not 'fritz.science'")
    clean_environment.setenv("SKYPORTAL_URL", "localhost:5000")
    with pytest.raises(skyportal_client.ApiValueError, match=r"^The host \(from \$SKYPORTAL_URL\) must be a URL .*"
                                                             r"not 'localhost:5000'$"):
        SkyPortal(token=UNKNOWN_TOKEN)


def test_a_token_given_as_the_host_is_not_shown(clean_environment):
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        SkyPortal(UNKNOWN_TOKEN)
    assert str(raised.value) == ("The host (from the host= argument) looks like an API token, not a URL: pass the "
                                 "token as token= and the server as host= (such as https://fritz.science)")


@pytest.mark.parametrize("settings, named", [
    ({"timeout": 5}, "'timeout' (did you mean read_timeout=?)"),
    ({"retry": 2, "colour": "red"}, "'retry' (did you mean retries=?), 'colour'"),
])
def test_a_wrong_setting_is_a_type_error_naming_the_settings(settings, named, clean_environment):
    with pytest.raises(TypeError) as raised:
        SkyPortal("https://fritz.science", UNKNOWN_TOKEN, **settings)
    plural = "s" if len(settings) > 1 else ""
    assert str(raised.value) == (f"SkyPortal() got an unexpected keyword argument{plural} {named}; it takes host, "
                                 f"token and the settings {SETTINGS}")
    assert isinstance(raised.value, skyportal_client.ApiTypeError)


def test_a_setting_s_value_is_checked_too(clean_environment):
    with pytest.raises(ValueError, match="^read_timeout must be a number of seconds above 0, not 0$"):
        SkyPortal("https://fritz.science", UNKNOWN_TOKEN, read_timeout=0)
    with SkyPortal("https://fritz.science", UNKNOWN_TOKEN, read_timeout=120, retries=0, rate_limit=None) as sp:
        policy = sp.api_client.policy
        assert (policy.timeout.read, policy.retries.total, policy.rate_limit) == (120, 0, None)


def test_verbs_refuse_what_cannot_be_meant_before_sending(sp, sends_nothing):
    with sends_nothing():
        with pytest.raises(skyportal_client.ApiValueError, match=r"^range\(\) needs instruments=, min_date= or "):
            sp.photometry.range()
        with pytest.raises(skyportal_client.ApiValueError, match=r"^instruments= is empty: name at least one"):
            sp.photometry.range(instruments=[])
        with pytest.raises(ValueError, match="as_ must be one of records, astropy, pandas, not 'numpy'"):
            sp.photometry.range(instruments=1, as_="numpy")
        with pytest.raises(skyportal_client.ApiValueError, match="page_size must be at most 500, not 1000"):
            sp.sources.search("ZTF", page_size=1000)
        with pytest.raises(skyportal_client.ApiValueError, match='^groups="all" is for photometry'):
            sp.sources.ensure("ZTF21testobj", ra=1.0, dec=2.0, groups="all")
        with pytest.raises(skyportal_client.ApiTypeError, match=r"^instrument must be a name \(str\) or an id \(int\), "
                                                                r"not float 1.0$"):
            sp.photometry.upload({"mjd": [59000.0]}, instrument=1.0)
        with pytest.raises(skyportal_client.ApiTypeError, match="^each of groups must be a name .* not NoneType None$"):
            sp.photometry.upload({"mjd": [59000.0]}, instrument=1, groups=[None])


# -- names that name nothing, or more than one thing ---------------------------------------------


def test_an_unknown_instrument_name_lists_the_instruments_and_sends_no_points(sp, skyportal, skyportal_provisioned):
    if skyportal.embedded:
        skyportal.server.clear_requests()
    with pytest.raises(NameLookupError) as missing:
        sp.photometry.upload({"mjd": [59000.0], "mag": [19.0], "magerr": [0.1], "filter": "ztfg"},
                             obj_id=skyportal_provisioned.obj_id, instrument="No such camera")
    message = str(missing.value)
    assert message.startswith(f"No instrument named 'No such camera' on {sp.host}; its instruments: ")
    assert repr(skyportal_provisioned.instrument_name) in message or "listed by instruments.list()" in message
    assert sp.photometry.get(skyportal_provisioned.obj_id) == []
    if skyportal.embedded:
        assert [record.method for record in skyportal.server.requests] == ["GET", "GET", "GET"]


def test_an_unknown_group_name_lists_the_groups_the_token_can_share_with(sp, skyportal_provisioned):
    with pytest.raises(NameLookupError) as missing:
        sp.photometry.upload({"mjd": [59000.0]}, obj_id=skyportal_provisioned.obj_id,
                             instrument=skyportal_provisioned.instrument_id, groups=["No such group"])
    assert str(missing.value).startswith(f"No group named 'No such group' on {sp.host}; the groups the token can "
                                         "share with: ")
    assert "Sitewide Group" in str(missing.value) or "listed by groups.list()" in str(missing.value)


def test_a_group_the_user_is_not_in_says_so(skyportal_server, skyportal_provisioned):
    outsider = skyportal_server.create_token(acls=["Upload data"])
    with SkyPortal(skyportal_server.url, outsider, rate_limit=None) as sp:
        with pytest.raises(NameLookupError) as refused:
            sp.groups.find(skyportal_provisioned.group_name)
    assert str(refused.value) == (
        f"Group {skyportal_provisioned.group_name!r} (id {skyportal_provisioned.group_id}) exists on "
        f"{skyportal_server.url}, but the token's user may not share data with it: ask one of the group's admins "
        "to add the user")


def test_a_name_that_names_two_instruments_asks_for_the_id():
    """SkyPortal keeps instrument names unique; an older database may not have."""
    twins = [Instrument.from_server({"id": number, "name": "ZTF", "telescope": {"id": number, "name": telescope}})
             for number, telescope in ((3, "P48"), (9, "P48 spare"))]
    with pytest.raises(NameLookupError) as ambiguous:
        one_named("instrument", "ZTF", twins, lambda: twins, "https://fritz.science")
    assert str(ambiguous.value) == ("2 instruments are named 'ZTF' on https://fritz.science (id 3 on P48; id 9 on "
                                    "P48 spare): pass the id of the one you mean")
    assert ambiguous.value.candidates == (("ZTF", 3), ("ZTF", 9))


def test_a_long_list_of_names_is_not_written_out():
    many = [Instrument.from_server({"id": number, "name": f"Camera {number}"}) for number in range(40)]
    with pytest.raises(NameLookupError) as missing:
        one_named("instrument", "Spectrograph", [], lambda: many, "https://fritz.science")
    assert str(missing.value) == ("No instrument named 'Spectrograph' on https://fritz.science; its instruments: 40 of "
                                  "them, listed by instruments.list()")


# -- hints on the server's errors ----------------------------------------------------------------


def test_a_401_says_the_token_came_from_the_argument(skyportal):
    with SkyPortal(skyportal.url, UNKNOWN_TOKEN, rate_limit=None, retries=0) as sp:
        with pytest.raises(skyportal_client.UnauthorizedException) as refused:
            sp.groups.list()
    assert str(refused.value).endswith(
        f"SkyPortal did not accept the token (it came from the token= argument): check it against your profile page "
        f"({skyportal.url}/profile), and that it has the permission this operation needs")
    assert refused.value.status == 401 and refused.value.server_version


def test_a_401_says_the_token_came_from_the_environment(skyportal, clean_environment):
    clean_environment.setenv("SKYPORTAL_TOKEN", UNKNOWN_TOKEN)
    with SkyPortal(skyportal.url, rate_limit=None, retries=0) as sp:
        with pytest.raises(skyportal_client.UnauthorizedException, match=r"did not accept the token \(it came from "
                                                                         r"\$SKYPORTAL_TOKEN\)"):
            sp.instruments.list()


def test_a_403_on_a_light_curve_says_the_object_may_not_exist_or_be_hidden(sp, skyportal):
    with pytest.raises(skyportal_client.ForbiddenException) as hidden:
        sp.photometry.get("ZTF21nosuchobj")
    assert str(hidden.value).endswith(
        "Object ZTF21nosuchobj does not exist on this server, or none of the token's groups can see it: check the "
        "id, or ask for access to a group that has it")
    assert "to read Obj ZTF21nosuchobj" in hidden.value.message and skyportal.token not in str(hidden.value)


def test_a_host_ending_in_api_says_to_leave_it_out(skyportal):
    with SkyPortal(skyportal.url + "/api", skyportal.token, retries=0) as client:
        with pytest.raises(skyportal_client.BadRequestException) as raised:
            client.photometry.get("ZTF21abc")
    assert f"The host {skyportal.url}/api (the host= argument) ends in /api, which the client puts before every " \
           f"path itself: pass {skyportal.url}" in str(raised.value)


def test_an_id_given_as_text_is_looked_up_as_a_name_and_the_message_says_so(sp, skyportal_provisioned,
                                                                            sends_nothing):
    light_curve = {"mjd": [59000.0], "mag": [19.0], "magerr": [0.1], "filter": "ztfg"}
    with pytest.raises(NameLookupError, match=r"No instrument named '12' on .*'12' looks like an id: pass it as a "
                                              r"number \(12\), not as text, for the instrument of that id"):
        sp.photometry.upload(light_curve, obj_id=skyportal_provisioned.obj_id, instrument="12")
    with pytest.raises(NameLookupError, match=r"No group named '3' on .*'3' looks like an id: pass it as a number "
                                              r"\(3\)"):
        sp.photometry.upload(light_curve, obj_id=skyportal_provisioned.obj_id,
                             instrument=skyportal_provisioned.instrument_id, groups="3")


def test_all_in_a_list_of_groups_says_it_stands_alone(sp, skyportal_provisioned, sends_nothing):
    with sends_nothing(), pytest.raises(skyportal_client.ApiValueError, match='^groups: "all" stands alone '
                                                                              r'\(groups="all": SkyPortal'):
        sp.photometry.upload({"mjd": [59000.0]}, obj_id=skyportal_provisioned.obj_id, instrument=1,
                             groups=[skyportal_provisioned.group_name, "all"])


def test_a_keyword_a_verb_does_not_take_names_the_one_it_may_be(sp, sends_nothing):
    with sends_nothing(), pytest.raises(TypeError, match=r"^Photometry.upload\(\) got an unexpected keyword "
                                                         r"argument 'group' \(did you mean groups=\?\)$"):
        sp.photometry.upload({"mjd": [59000.0]}, obj_id="ZTF21abc", group=[1])


def test_an_unknown_keyword_of_the_layer_below_names_the_right_parameter(sp, sends_nothing):
    with sends_nothing(), pytest.raises(TypeError) as raised:
        PhotometryApi(sp.api_client).api_photometry_range_get(instrument_ids=[1])
    assert str(raised.value) == ("PhotometryApi.api_photometry_range_get() got an unexpected keyword argument "
                                 "'instrument_ids': pass photometry_range_query="
                                 "PhotometryRangeQuery(instrument_ids=[...])")


def test_an_unknown_keyword_of_a_verb_is_python_s_type_error_naming_the_verb(sp):
    with pytest.raises(TypeError, match=r"Photometry.range\(\) got an unexpected keyword argument 'instrument_ids'"):
        sp.photometry.range(instrument_ids=[1])


def test_a_refused_connection_names_the_host_and_skyportal_url(clean_environment):
    with SkyPortal(REFUSING_HOST, UNKNOWN_TOKEN, retries=0) as sp:
        with pytest.raises(skyportal_client.ApiConnectionError) as refused:
            sp.version
    assert str(refused.value).endswith(
        f"Check the host {REFUSING_HOST} (from the host= argument): is the server running there, and is host= right? "
        "($SKYPORTAL_URL is not read when host= is given)")
    clean_environment.setenv("SKYPORTAL_URL", REFUSING_HOST)
    with SkyPortal(token=UNKNOWN_TOKEN, retries=0) as sp:
        with pytest.raises(skyportal_client.ApiConnectionError) as refused:
            sp.groups.list()
    assert str(refused.value).endswith(f"Check the host {REFUSING_HOST} (from $SKYPORTAL_URL): is the server running "
                                       "there, and is $SKYPORTAL_URL right?")
    assert refused.value.outcome is skyportal_client.Outcome.NOT_SENT


def test_the_repr_of_what_provision_made_hides_the_token(skyportal_provisioned):
    shown = repr(skyportal_provisioned)
    assert skyportal_provisioned.token not in shown and "token" not in shown
    assert f"obj_id={skyportal_provisioned.obj_id!r}" in shown


def test_a_refused_patch_shows_skyportal_s_reasons_not_the_point_it_echoes(sp, skyportal_provisioned, permitted):
    with permitted("upload photometry"):
        [point_id] = sp.photometry.upload({"mjd": [59400.1], "mag": [19.0], "magerr": [0.1], "filter": "ztfg"},
                                          obj_id=skyportal_provisioned.obj_id,
                                          instrument=skyportal_provisioned.instrument_id).ids
    point = {"obj_id": skyportal_provisioned.obj_id, "instrument_id": skyportal_provisioned.instrument_id,
             "mjd": 59400.1, "filter": "sdssu", "magsys": "ab", "mag": 19.0, "magerr": 0.1}
    with pytest.raises(skyportal_client.BadRequestException) as raised:
        PhotometryApi(sp.api_client).api_photometry_photometry_id_patch(point_id, unknown_base_type=point)
    assert "Tried to parse {…} as PhotometryMag" in str(raised.value)
    assert "has no filter sdssu" in str(raised.value)
    assert "'dec_unc': None" in raised.value.message  # the message itself is the server's, whole

"""Configuration: settings checked when given, read once by an ApiClient, and never silently ignored."""

import pytest

import skyportal_client
from skyportal_client.api.photometry_api import PhotometryApi


def test_the_client_takes_the_policy_when_it_is_made(skyportal):
    configuration = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token, rate_limit=2.0,
                                                   rate_limit_burst=3, read_timeout=7, total_timeout=70)
    with skyportal_client.ApiClient(configuration) as client:
        policy = client.policy
        assert policy == configuration.transport_policy()
        assert (policy.rate_limit.rate, policy.rate_limit.burst) == (2.0, 3)
        assert (policy.timeout.read, policy.timeout.total) == (7, 70)
        assert client.rest_client.throttle.rate == 2.0


@pytest.mark.parametrize("setting, value", [("rate_limit", 1.0), ("read_timeout", 5), ("token", "other"),
                                            ("host", "http://127.0.0.1:1"), ("retries", 0), ("debug", True)])
def test_changing_a_configuration_in_use_is_refused_with_the_way_to_do_it(skyportal, setting, value):
    configuration = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token)
    before = configuration.transport_policy()
    with skyportal_client.ApiClient(configuration):
        pass
    with pytest.raises(skyportal_client.ApiValueError, match=rf"setting {setting} now would not change that client.*"
                                                             rf"ApiClient\(configuration.replace\({setting}=...\)\)"):
        setattr(configuration, setting, value)
    assert configuration.transport_policy() == before


def test_replace_gives_a_new_configuration_with_the_rest_kept(skyportal, monkeypatch):
    monkeypatch.setenv("SKYPORTAL_TOKEN", skyportal.token)
    configuration = skyportal_client.Configuration(host=skyportal.url, rate_limit=None)
    skyportal_client.ApiClient(configuration).close()
    changed = configuration.replace(read_timeout=120, retries=0)
    assert (changed.read_timeout, changed.retries.total, changed.rate_limit) == (120, 0, None)
    assert (changed.host, changed.token, changed.token_source) == (skyportal.url, skyportal.token, "$SKYPORTAL_TOKEN")
    with skyportal_client.ApiClient(changed) as client:  # the copy is free to use
        assert client.policy.timeout.read == 120
    with pytest.raises(skyportal_client.ApiValueError, match="no setting colour"):
        configuration.replace(colour="blue")


def test_replace_keeps_the_host_and_token_and_where_they_came_from_whatever_the_environment_says_now(monkeypatch):
    monkeypatch.delenv("SKYPORTAL_TOKEN", raising=False)
    monkeypatch.setenv("SKYPORTAL_URL", "http://127.0.0.1:8")
    without_token = skyportal_client.Configuration()
    monkeypatch.setenv("SKYPORTAL_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SKYPORTAL_TOKEN", "11111111-2222-4333-8444-555555555555")
    copy = without_token.replace(read_timeout=120)
    assert (copy.host, copy.host_source, copy.token, copy.token_source) == (
        "http://127.0.0.1:8", "$SKYPORTAL_URL", None, "")
    assert copy.auth_headers() == {} and copy.read_timeout == 120

    with_token = skyportal_client.Configuration(token="6f1c2d3e-0000-4000-8000-000000000000")
    monkeypatch.setenv("SKYPORTAL_TOKEN", "token not-even-valid")
    copy = with_token.replace(retries=0)
    assert (copy.host, copy.host_source) == ("http://127.0.0.1:9", "$SKYPORTAL_URL")
    assert (copy.token, copy.token_source) == ("6f1c2d3e-0000-4000-8000-000000000000", "the token= argument")
    changed = with_token.replace(host="http://127.0.0.1:7", token=None)
    assert (changed.host, changed.host_source, changed.token) == ("http://127.0.0.1:7", "the host= argument", None)


@pytest.mark.parametrize("token, message", [
    ("token abc", 'without "token " before it'),
    ("Bearer abc", 'without "Bearer " before it'),
    ("abc\r\nX-Injected: 1", "one word"),
])
def test_a_token_in_the_wrong_form_is_refused_with_what_to_pass(token, message):
    with pytest.raises(skyportal_client.ApiValueError, match=message):
        skyportal_client.Configuration(token=token)


@pytest.mark.parametrize("value, message", [
    ("Bearer abc", 'Pass the token alone, without "Bearer " before it (the value from $SKYPORTAL_TOKEN has it): '
                   'the client sends "Authorization: token <token>" itself'),
    ("", "The token (from $SKYPORTAL_TOKEN) is empty: give the token shown on your SkyPortal profile page"),
])
def test_a_token_in_the_wrong_form_from_the_environment_says_so(value, message, monkeypatch):
    monkeypatch.setenv("SKYPORTAL_TOKEN", value)
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        skyportal_client.Configuration()
    assert str(raised.value) == message


def test_a_host_without_a_scheme_is_refused_with_an_example():
    with pytest.raises(skyportal_client.ApiValueError, match=r"starting with http:// or https:// \(such as "
                                                             r"https://fritz.science\), not 'fritz.science'"):
        skyportal_client.Configuration(host="fritz.science")


def test_a_host_without_a_scheme_from_the_environment_says_so(monkeypatch):
    monkeypatch.setenv("SKYPORTAL_URL", "127.0.0.1:5000")
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        skyportal_client.Configuration()
    assert str(raised.value).startswith("The host (from $SKYPORTAL_URL) must be a URL starting with http://")


def test_a_token_given_as_the_host_is_refused_without_showing_it():
    token = "6f1c2d3e-aaaa-bbbb-cccc-123456789abc"
    with pytest.raises(skyportal_client.ApiValueError) as raised:
        skyportal_client.Configuration(token)
    assert str(raised.value) == ("The host (from the host= argument) looks like an API token, not a URL: pass the "
                                 "token as token= and the server as host= (such as https://fritz.science)")
    assert token not in str(raised.value)


def test_a_token_set_later_is_said_to_come_from_the_attribute():
    configuration = skyportal_client.Configuration(token="from-argument")
    configuration.token = "from-attribute"
    assert (configuration.token, configuration.token_source) == ("from-attribute", "the token attribute")


@pytest.mark.parametrize("settings, error, message", [
    ({"read_timeout": 0}, ValueError, "read_timeout must be a number of seconds above 0, not 0"),
    ({"total_timeout": "300"}, TypeError, "total_timeout must be a number of seconds above 0, not '300'"),
    ({"rate_limit": -1}, ValueError,
     "rate_limit must be a number of requests per second above 0, or None for no limit, not -1"),
    ({"rate_limit_burst": 0}, ValueError, "rate_limit_burst must be a number of requests, at least 1, not 0"),
    ({"retries": -1}, ValueError, "retries must be a RetryPolicy or a number of retries, 0 or more, not -1"),
    ({"max_redirects": 2.5}, TypeError, "max_redirects must be a number of redirects, 0 or more, not 2.5"),
])
def test_bad_limits_are_refused_when_given_naming_the_setting(settings, error, message):
    with pytest.raises(error) as raised:
        skyportal_client.Configuration(**settings)
    assert str(raised.value) == message
    assert isinstance(raised.value, (skyportal_client.ApiTypeError, skyportal_client.ApiValueError))


def test_where_host_and_token_came_from_is_kept_for_messages(monkeypatch):
    monkeypatch.setenv("SKYPORTAL_URL", "http://127.0.0.1:1")
    monkeypatch.delenv("SKYPORTAL_TOKEN", raising=False)
    from_environment = skyportal_client.Configuration(token="t")
    assert (from_environment.host_source, from_environment.token_source) == ("$SKYPORTAL_URL", "the token= argument")
    monkeypatch.delenv("SKYPORTAL_URL")
    default = skyportal_client.Configuration(api_key={"token": "legacy"})
    assert (default.host, default.host_source) == ("https://fritz.science", "the default host")
    assert (default.token, default.token_source) == ("legacy", 'api_key["token"]')


def test_a_refused_connection_names_the_host_and_where_it_came_from(monkeypatch):
    monkeypatch.setenv("SKYPORTAL_URL", "http://127.0.0.1:9")
    configuration = skyportal_client.Configuration(token="t", rate_limit=None, retries=0)
    with skyportal_client.ApiClient(configuration) as client:
        with pytest.raises(skyportal_client.ApiConnectionError) as raised:
            PhotometryApi(client).api_photometry_photometry_id_get(1)
    assert raised.value.outcome is skyportal_client.Outcome.NOT_SENT
    assert str(raised.value).endswith("Check the host http://127.0.0.1:9 (from $SKYPORTAL_URL): is the server "
                                      "running there, and is $SKYPORTAL_URL right?")


@pytest.mark.parametrize("host, ending", [
    ("http://127.0.0.1:9", "Check the host http://127.0.0.1:9 (from the host= argument): is the server running "
                           "there, and is host= right? ($SKYPORTAL_URL is not read when host= is given)"),
    (None, "Check the host http://127.0.0.1:9 (from the default host): no host was given and $SKYPORTAL_URL is "
           "not set; for another server pass host= or set $SKYPORTAL_URL"),
])
def test_a_refused_connection_says_what_to_check_for_each_source_of_the_host(host, ending, monkeypatch):
    monkeypatch.delenv("SKYPORTAL_URL", raising=False)
    # A default host that refuses, as fritz.science would when it is down, without leaving loopback.
    monkeypatch.setattr(skyportal_client.Configuration, "default_host", "http://127.0.0.1:9")
    configuration = skyportal_client.Configuration(host, token="6f1c2d3e-aaaa-bbbb-cccc-123456789abc",
                                                   rate_limit=None, retries=0)
    with skyportal_client.ApiClient(configuration) as client:
        with pytest.raises(skyportal_client.ApiConnectionError) as raised:
            PhotometryApi(client).api_photometry_photometry_id_get(1)
    assert str(raised.value).endswith(ending)

"""Bad input to the sources, instruments, telescopes, groups and system-info methods: a clear
exception, and nothing sent."""

import pytest

import skyportal_client
from skyportal_client.api import instruments_api, sources_api, telescopes_api
from skyportal_client.model.new_instrument import NewInstrument
from skyportal_client.model.new_source import NewSource
from skyportal_client.model.new_telescope import NewTelescope
from skyportal_client.model.source_deletion import SourceDeletion

TypeOrValue = (skyportal_client.ApiTypeError, skyportal_client.ApiValueError)
SOURCE = {"id": "ZTF21testobj", "ra": 150.1, "dec": 2.2, "group_ids": [1]}
TELESCOPE = {"name": "Palomar 48-inch", "nickname": "P48", "diameter": 1.2}
INSTRUMENT = {"name": "ZTF", "type": "imager", "telescope_id": 1, "filters": ["ztfg"]}

REFUSED = [
    # (case, API class, method, arguments, exception, words the message must hold)
    ("no body", sources_api.SourcesApi, "api_sources_post", {}, skyportal_client.ApiValueError,
     "new_source is required: a NewSource or a dict of its fields"),
    ("source without id", sources_api.SourcesApi, "api_sources_post", {"new_source": {"ra": 1.0, "dec": 2.0}},
     skyportal_client.ApiValueError, "NewSource needs 'id'"),
    ("space in the id", sources_api.SourcesApi, "api_sources_post", {"new_source": dict(SOURCE, id="ZTF 21")},
     skyportal_client.ApiValueError, "NewSource.id 'ZTF 21' cannot be sent"),
    ("ra as text", sources_api.SourcesApi, "api_sources_post", {"new_source": dict(SOURCE, ra="150.1")},
     skyportal_client.ApiTypeError, "NewSource.ra must be a number"),
    ("group id as float", sources_api.SourcesApi, "api_sources_post", {"new_source": dict(SOURCE, group_ids=[1.5])},
     skyportal_client.ApiTypeError, "NewSource.group_ids[0] must be an integer"),
    ("unknown source field", sources_api.SourcesApi, "api_sources_post", {"new_source": dict(SOURCE, ras=1.0)},
     skyportal_client.ApiValueError, "NewSource has no field 'ras'"),
    ("body of the wrong type", sources_api.SourcesApi, "api_sources_post", {"new_source": [SOURCE]},
     skyportal_client.ApiTypeError, "new_source must be a NewSource or a dict"),
    ("page size as text", sources_api.SourcesApi, "api_sources_get", {"num_per_page": "10"},
     skyportal_client.ApiTypeError, "num_per_page must be an integer"),
    ("page size above 500", sources_api.SourcesApi, "api_sources_get", {"num_per_page": 501},
     skyportal_client.ApiValueError, "num_per_page must be at most 500"),
    ("page size 0", sources_api.SourcesApi, "api_sources_get", {"num_per_page": 0},
     skyportal_client.ApiValueError, "num_per_page must be at least 1"),
    ("page 0", sources_api.SourcesApi, "api_sources_get", {"page_number": 0},
     skyportal_client.ApiValueError, "page_number must be at least 1"),
    ("id filter as a number", sources_api.SourcesApi, "api_sources_get", {"source_id": 21},
     skyportal_client.ApiTypeError, "source_id must be a string"),
    ("empty id filter", sources_api.SourcesApi, "api_sources_get", {"source_id": ""},
     skyportal_client.ApiValueError, "source_id must not be empty"),
    ("delete without a group", sources_api.SourcesApi, "api_sources_obj_id_delete", {"obj_id": "ZTF21testobj"},
     skyportal_client.ApiValueError, "source_deletion is required"),
    ("delete with an empty body", sources_api.SourcesApi, "api_sources_obj_id_delete",
     {"obj_id": "ZTF21testobj", "source_deletion": {}}, skyportal_client.ApiValueError, "SourceDeletion needs 'group_id'"),
    ("group id as text", sources_api.SourcesApi, "api_sources_obj_id_delete",
     {"obj_id": "ZTF21testobj", "source_deletion": {"group_id": "1"}}, skyportal_client.ApiTypeError,
     "SourceDeletion.group_id must be an integer"),
    ("name as a number", instruments_api.InstrumentsApi, "api_instrument_get", {"name": 3},
     skyportal_client.ApiTypeError, "name must be a string"),
    ("instrument id as text", instruments_api.InstrumentsApi, "api_instrument_instrument_id_get",
     {"instrument_id": "1"}, skyportal_client.ApiTypeError, "instrument_id must be an integer"),
    ("negative instrument id", instruments_api.InstrumentsApi, "api_instrument_instrument_id_get",
     {"instrument_id": -1}, skyportal_client.ApiValueError, "instrument_id must be at least 0"),
    ("instrument id as bool", instruments_api.InstrumentsApi, "api_instrument_instrument_id_get",
     {"instrument_id": True}, skyportal_client.ApiTypeError, "instrument_id must be an integer"),
    ("instrument without a telescope", instruments_api.InstrumentsApi, "api_instrument_post",
     {"new_instrument": {"name": "ZTF", "type": "imager"}}, skyportal_client.ApiValueError,
     "NewInstrument needs 'telescope_id'"),
    ("unknown instrument type", instruments_api.InstrumentsApi, "api_instrument_post",
     {"new_instrument": dict(INSTRUMENT, type="camera")}, skyportal_client.ApiValueError,
     "NewInstrument.type must be one of imager, spectrograph, imaging spectrograph"),
    ("filters as one string", instruments_api.InstrumentsApi, "api_instrument_post",
     {"new_instrument": dict(INSTRUMENT, filters="ztfg")}, skyportal_client.ApiTypeError,
     "NewInstrument.filters must be a list"),
    ("no instrument body", instruments_api.InstrumentsApi, "api_instrument_post", {},
     skyportal_client.ApiValueError, "new_instrument is required"),
    ("name filter as a number", telescopes_api.TelescopesApi, "api_telescope_get", {"name": 48},
     skyportal_client.ApiTypeError, "name must be a string"),
    ("telescope id as float", telescopes_api.TelescopesApi, "api_telescope_telescope_id_get",
     {"telescope_id": 1.0}, skyportal_client.ApiTypeError, "telescope_id must be an integer"),
    ("telescope without a diameter", telescopes_api.TelescopesApi, "api_telescope_post",
     {"new_telescope": {"name": "P48", "nickname": "P48"}}, skyportal_client.ApiValueError,
     "NewTelescope needs 'diameter'"),
    ("diameter as text", telescopes_api.TelescopesApi, "api_telescope_post",
     {"new_telescope": dict(TELESCOPE, diameter="1.2")}, skyportal_client.ApiTypeError,
     "NewTelescope.diameter must be a number"),
    ("unknown telescope field", telescopes_api.TelescopesApi, "api_telescope_post",
     {"new_telescope": dict(TELESCOPE, latitude=33.0)}, skyportal_client.ApiValueError,
     "NewTelescope has no field 'latitude'"),
    ("robotic as text", telescopes_api.TelescopesApi, "api_telescope_post",
     {"new_telescope": dict(TELESCOPE, robotic="yes")}, skyportal_client.ApiTypeError,
     "NewTelescope.robotic must be True or False"),
]


@pytest.mark.parametrize("case, api_class, method, arguments, error, words", REFUSED, ids=[case[0] for case in REFUSED])
def test_refused_before_sending(case, api_class, method, arguments, error, words, api_client, skyportal_server):
    skyportal_server.clear_requests()
    with pytest.raises(error) as raised:
        getattr(api_class(api_client), method)(**arguments)
    assert words in str(raised.value)
    assert skyportal_server.requests == []


@pytest.mark.parametrize("method", ["api_sources_obj_id_get", "api_sources_obj_id_head", "api_sources_obj_id_delete"])
@pytest.mark.parametrize("obj_id, reason", [
    ("ZTF21/abc", "must match"), ("ZTF 21", "must match"), ("..", "must match"), ("ZTF21;a", "must match"),
    ("", "must match"), (21, "must be a string"), (None, "obj_id is required"),
])
def test_object_ids_the_route_cannot_take_are_refused(method, obj_id, reason, api_client, skyportal_server):
    send = getattr(sources_api.SourcesApi(api_client), method)
    body = {"source_deletion": SourceDeletion(group_id=1)} if method == "api_sources_obj_id_delete" else {}
    skyportal_server.clear_requests()
    with pytest.raises(TypeOrValue, match=reason):
        send(obj_id, **body)
    assert skyportal_server.requests == []


def test_the_request_models_check_when_built():
    """The same checks, made when a model is built, before any method is called."""
    with pytest.raises(skyportal_client.ApiValueError, match="NewSource.id 'a/b' cannot be sent"):
        NewSource(id="a/b", ra=1.0, dec=2.0)
    with pytest.raises(skyportal_client.ApiValueError, match="NewTelescope needs 'name', 'nickname', 'diameter'"):
        NewTelescope()
    with pytest.raises(skyportal_client.ApiTypeError, match="NewInstrument.telescope_id must be an integer"):
        NewInstrument(name="ZTF", type="imager", telescope_id="1")
    assert NewSource(**SOURCE).to_dict() == SOURCE

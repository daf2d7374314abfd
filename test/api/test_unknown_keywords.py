"""An unknown keyword to a generated method: a TypeError naming the method and, where one fits, the
parameter it belongs in; never ApiClient.call_api(), and nothing sent."""

import importlib
import inspect
import pkgutil

import pytest

import skyportal_client
import skyportal_client.api
from skyportal_client.api import photometry_api, sources_api, system_info_api


def generated_methods():
    """(API class, method name) for every operation of every generated API module."""
    for module in pkgutil.iter_modules(skyportal_client.api.__path__):
        api_module = importlib.import_module(f"skyportal_client.api.{module.name}")
        for name, api_class in inspect.getmembers(api_module, inspect.isclass):
            if name.endswith("Api") and api_class.__module__ == api_module.__name__:
                for method in sorted(vars(api_class)):
                    if method.startswith("api_"):
                        yield api_class, method


def required_arguments(method):
    """Valid values for the method's required parameters, so that only the keyword is wrong."""
    examples = {int: 1, str: "ZTF21testobj"}
    return [examples[parameter.annotation] for parameter in inspect.signature(method).parameters.values()
            if parameter.default is inspect.Parameter.empty and parameter.kind is parameter.POSITIONAL_OR_KEYWORD]


METHODS = list(generated_methods())

HINTS = [
    # (API class, method, keywords, the message after "got an unexpected keyword argument(s)")
    (photometry_api.PhotometryApi, "api_photometry_range_get", {"instrument_ids": [1]},
     "'instrument_ids': pass photometry_range_query=PhotometryRangeQuery(instrument_ids=[...])"),
    (photometry_api.PhotometryApi, "api_photometry_range_get", {"min_date": "2021-07-05"},
     "'min_date': pass photometry_range_query=PhotometryRangeQuery(min_date=...)"),
    (photometry_api.PhotometryApi, "api_photometry_range_get", {"max_date": "2021-07-07"},
     "'max_date': pass photometry_range_query=PhotometryRangeQuery(max_date=...)"),
    (photometry_api.PhotometryApi, "api_photometry_range_get", {"min_date": "2021-07-05", "max_date": "2021-07-07"},
     "'min_date', 'max_date': pass photometry_range_query=PhotometryRangeQuery(min_date=..., max_date=...)"),
    (photometry_api.PhotometryApi, "api_photometry_post", {"obj_id": "ZTF21testobj"},
     "'obj_id': pass unknown_base_type=UNKNOWNBASETYPE(obj_id=...)"),
    (photometry_api.PhotometryApi, "api_photometry_photometry_id_get", {"fromat": "flux"},
     "'fromat': did you mean format=?"),
    (sources_api.SourcesApi, "api_sources_obj_id_delete", {"group_id": 4},
     "'group_id': pass source_deletion=SourceDeletion(group_id=...)"),
    (sources_api.SourcesApi, "api_sources_post", {"group_ids": [4]},
     "'group_ids': pass new_source=NewSource(group_ids=[...])"),
    (sources_api.SourcesApi, "api_sources_get", {"numPerPage": 10},
     "'numPerPage': did you mean num_per_page=?"),
    (sources_api.SourcesApi, "api_sources_get", {"request_timeout": 5},
     "'request_timeout': did you mean _request_timeout=?"),
    (sources_api.SourcesApi, "api_sources_get", {"colour": "red"},
     "'colour': it takes source_id, num_per_page, page_number, group_ids, use_cache, query_id, and the per-call options async_req, "
     "_request_timeout, _preload_content, _return_http_data_only, _headers"),
    (system_info_api.SystemInfoApi, "api_sysinfo_get", {"verbose": True},
     "'verbose': it takes only the per-call options async_req, _request_timeout, _preload_content, "
     "_return_http_data_only, _headers"),
]


@pytest.mark.parametrize("api_class, method, keywords, hint", HINTS, ids=[f"{h[1]}-{'-'.join(h[2])}" for h in HINTS])
def test_the_message_names_the_method_and_the_right_parameter(api_class, method, keywords, hint, api_client,
                                                              skyportal_server):
    send = getattr(api_class(api_client), method)
    skyportal_server.clear_requests()
    with pytest.raises(TypeError) as raised:
        send(*required_arguments(send), **keywords)
    arguments = "arguments" if len(keywords) > 1 else "argument"
    assert str(raised.value) == f"{api_class.__name__}.{method}() got an unexpected keyword {arguments} {hint}"
    assert isinstance(raised.value, skyportal_client.ApiTypeError)
    assert skyportal_server.requests == []


@pytest.mark.parametrize("api_class, method", METHODS, ids=[method for _, method in METHODS])
def test_every_generated_method_names_itself_and_never_call_api(api_class, method, api_client, skyportal_server):
    send = getattr(api_class(api_client), method)
    skyportal_server.clear_requests()
    with pytest.raises(skyportal_client.ApiTypeError) as raised:
        send(*required_arguments(send), no_such_keyword=1)
    message = str(raised.value)
    assert message.startswith(f"{api_class.__name__}.{method}() got an unexpected keyword argument 'no_such_keyword'")
    assert "call_api" not in message
    assert skyportal_server.requests == []


def test_every_api_module_is_covered():
    assert {api_class.__name__ for api_class, _ in METHODS} == {
        "PhotometryApi", "SourcesApi", "InstrumentsApi", "TelescopesApi", "GroupsApi", "SystemInfoApi",
        "CandidatesApi", "FiltersApi", "StreamsApi", "AnnotationsApi", "ThumbnailsApi", "CommentsApi",
        "ClassificationsApi", "TaxonomiesApi"}
    assert len(METHODS) == 41  # the photometry pipeline's 22, and the 19 of an alert broker's step

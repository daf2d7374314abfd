"""sources.iterate (and the search built on it): every page of GET /api/sources, walked over
SkyPortal's query cache, against the embedded server (it emulates numPerPage, pageNumber,
totalMatches and queryID as SkyPortal 1.4.0 does; test/conformance/test_source_query_cache.py
describes them)."""

import time
import urllib.parse
from collections import Counter

import pytest

import skyportal_client
from support.rate_limits import SPEEDUP
from skyportal_client import ApiTypeError, ApiValueError
from skyportal_client.exceptions import QueryCacheLostError
from skyportal_client.testing.provision import api_call, random_position, unique_name

CROWD = 1200


def new_group(skyportal):
    return api_call(skyportal.url, skyportal.token, "POST", "/api/groups", {"name": unique_name("paging")})["id"]


def save_sources(skyportal, group_id, count, prefix=None):
    """``count`` new sources in ``group_id`` (through the API); their ids."""
    prefix = prefix or unique_name("ZTFpage").replace("-", "")
    ids = []
    for index in range(count):
        ra, dec = random_position()
        ids.append(api_call(skyportal.url, skyportal.token, "POST", "/api/sources",
                            {"id": f"{prefix}x{index}", "ra": ra, "dec": dec, "group_ids": [group_id]})["id"])
    return ids


@pytest.fixture
def sp(skyportal):
    with skyportal_client.SkyPortal(skyportal.url, skyportal.token, rate_limit=None) as client:
        yield client


@pytest.fixture(scope="module")
def crowd(skyportal):
    """A group of its own holding 1 200 sources: its id and their ids."""
    if not skyportal.embedded:
        pytest.skip("saves 1 200 sources: only on the embedded server")
    group_id = new_group(skyportal)
    return group_id, save_sources(skyportal, group_id, CROWD)


def source_list_queries(server):
    """The query of each GET /api/sources the server received, as a dict."""
    return [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(record.path).query)) for record in server.requests
            if record.method == "GET" and record.path.startswith("/api/sources?")]


def test_iterate_yields_each_of_1200_sources_once_while_sources_are_saved(sp, skyportal, skyportal_server, crowd):
    group_id, ids = crowd
    skyportal_server.clear_requests()
    walked, saved_meanwhile = [], []
    for source in sp.sources.iterate(group_ids=[group_id]):
        walked.append(source.id)
        if len(walked) % 100 == 1:  # once per page: each would shift every later page by one
            saved_meanwhile += save_sources(skyportal, group_id, 1)
    assert len(walked) == CROWD and Counter(walked) == Counter(ids)
    assert not set(saved_meanwhile) & set(walked)
    # The server's list did change under the walk; a new walk sees the sources saved meanwhile.
    assert Counter(source.id for source in sp.sources.iterate(group_ids=[group_id], page_size=500)) == Counter(
        ids + saved_meanwhile)
    for obj_id in saved_meanwhile:  # the crowd as it was, for the other tests
        api_call(skyportal.url, skyportal.token, "DELETE", f"/api/sources/{obj_id}", {"group_id": group_id})
    queries = source_list_queries(skyportal_server)[:12]
    assert [int(query["pageNumber"]) for query in queries] == list(range(1, 13))
    assert all(query["group_ids"] == str(group_id) and query["useCache"] == "true" for query in queries)
    assert "queryID" not in queries[0] and len({query["queryID"] for query in queries[1:]}) == 1


def test_iterate_stops_on_the_last_page_by_total_matches(sp, skyportal_server, crowd):
    group_id, ids = crowd
    skyportal_server.clear_requests()
    assert len(list(sp.sources.iterate(group_ids=[group_id], page_size=400))) == CROWD
    assert len(source_list_queries(skyportal_server)) == 3  # 3 x 400 = 1 200: no empty fourth page asked for


def test_iterate_stays_under_the_rate_limit(skyportal, skyportal_server, crowd):
    """The pages go through the client's rate limit: with SkyPortal's limit on the server (5/s,
    burst 10), 24 pages meet no 429. Both sides run faster than SkyPortal's clock (support.rate_limits)."""
    group_id, ids = crowd
    default = skyportal_client.Configuration(host=skyportal.url, token=skyportal.token)
    with skyportal_client.SkyPortal(skyportal.url, skyportal.token, rate_limit=default.rate_limit * SPEEDUP,
                                    retries=0) as client:
        time.sleep(default.rate_limit_burst / (default.rate_limit * SPEEDUP))  # both buckets start full
        skyportal_server.set_rate_limit(default.rate_limit * SPEEDUP, default.rate_limit_burst)
        skyportal_server.clear_requests()
        walked = [source.id for source in client.sources.iterate(group_ids=[group_id], page_size=50)]
    assert Counter(walked) == Counter(ids)
    statuses = [record.status for record in skyportal_server.requests]
    assert len(statuses) == CROWD // 50 and statuses.count(429) == 0


def test_iterate_stops_when_the_server_drops_the_cache_of_a_changed_list(sp, skyportal, skyportal_server):
    group_id = new_group(skyportal)
    ids = save_sources(skyportal, group_id, 6)
    walk = sp.sources.iterate(group_ids=[group_id], page_size=2)
    first_page = [next(walk).id, next(walk).id]
    skyportal_server.drop_query_cache()
    save_sources(skyportal, group_id, 1)
    with pytest.raises(QueryCacheLostError, match="start again for the rest"):
        next(walk)
    assert set(first_page) <= set(ids)


def test_iterate_goes_on_when_the_cache_is_dropped_but_the_list_is_the_same(sp, skyportal, skyportal_server):
    """The same matches hash to the same queryID, so the server's new search gives the same pages."""
    group_id = new_group(skyportal)
    ids = save_sources(skyportal, group_id, 5)
    walk = sp.sources.iterate(group_ids=[group_id], page_size=2)
    walked = [next(walk).id]
    skyportal_server.drop_query_cache()
    walked += [source.id for source in walk]
    assert Counter(walked) == Counter(ids)


def test_search_walks_the_cached_pages_too(sp, skyportal, skyportal_server):
    group_id = new_group(skyportal)
    prefix = unique_name("ZTFsearch").replace("-", "")
    ids = save_sources(skyportal, group_id, 3, prefix)
    walked = []
    for source in sp.sources.search(prefix, page_size=1):
        walked.append(source.id)
        save_sources(skyportal, group_id, 1, f"{prefix}new{len(walked)}")
    assert Counter(walked) == Counter(ids)


@pytest.mark.parametrize(("filters", "error", "message"), [
    ({"page_number": 2}, ApiTypeError, "unknown filter(s) page_number; the filters are source_id, group_ids"),
    ({"queryID": "x"}, ApiTypeError, "unknown filter(s) queryID"),
    ({"group_ids": 4}, ApiTypeError, "group_ids must be a list of integers, not int 4"),
    ({"group_ids": []}, ApiValueError, "group_ids must not be empty"),
    ({"group_ids": ["4"]}, ApiTypeError, "group_ids[0] must be an integer, not str '4'"),
    ({"page_size": 501}, ApiValueError, "page_size must be at most 500, not 501"),
])
def test_iterate_refuses_bad_filters_before_sending(sp, skyportal_server, filters, error, message):
    skyportal_server.clear_requests()
    with pytest.raises(error) as raised:
        sp.sources.iterate(**filters)
    assert message in str(raised.value)
    assert skyportal_server.requests == []


@pytest.mark.parametrize(("arguments", "error", "message"), [
    ({"use_cache": "yes"}, ApiTypeError, "use_cache must be True or False, not str 'yes'"),
    ({"group_ids": "4,7"}, ApiTypeError, "group_ids must be a list of integers, not str '4,7'"),
    ({"query_id": ""}, ApiValueError, "query_id must not be empty"),
])
def test_the_cache_parameters_are_checked_before_sending(sp, skyportal_server, arguments, error, message):
    skyportal_server.clear_requests()
    with pytest.raises(error, match=message.replace("(", r"\(")):
        skyportal_client.api.sources_api.SourcesApi(sp.api_client).api_sources_get(**arguments)
    assert skyportal_server.requests == []

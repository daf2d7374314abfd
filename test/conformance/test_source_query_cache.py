"""SkyPortal's source query cache (skyportal/handlers/api/sources.py, get_sources, at
8bd346c0): GET /api/sources with useCache answers with a queryID, and later pages
sent with it read the ids the first page matched.  Every test here scopes its
search to objects of its own (sourceID=<a fresh prefix>)."""

from plain_http import assert_error

from skyportal_client.testing.provision import random_position, unique_name


def save_sources(api, group_id, count):
    """``count`` new sources sharing a fresh prefix: the prefix, and their ids the most recently saved first."""
    prefix = unique_name("ZTF26qc").replace("-", "")
    ids = []
    for index in range(count):
        ra, dec = random_position()
        ids.append(api.ok("POST", "/api/sources", {"id": f"{prefix}x{index}", "ra": ra, "dec": dec,
                                                   "group_ids": [group_id]})["id"])
    return prefix, ids[::-1]


def listed_ids(page):
    return [source["id"] for source in page["sources"]]


def test_use_cache_answers_with_a_query_id(api, setup):
    """get_sources: with useCache the answer carries queryID after numPerPage, a hash of the
    matched ids, so the same matches give the same queryID; without useCache there is none."""
    prefix, _ = save_sources(api, setup.group_id, 2)
    first = api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=1&pageNumber=1&useCache=true")
    assert list(first) == ["totalMatches", "sources", "pageNumber", "numPerPage", "queryID"]
    assert isinstance(first["queryID"], str) and first["queryID"]
    again = api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=1&pageNumber=1&useCache=true")
    assert again["queryID"] == first["queryID"]
    assert "queryID" not in api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=1&pageNumber=1")


def test_cached_pages_do_not_shift_when_sources_are_saved(api, setup):
    """get_sources: a page read with useCache and the queryID slices the cached ids, so a
    source saved after page 1 neither shifts page 2 nor changes totalMatches; without the
    cache the new source (listed first, the most recently saved) pushes an id onto page 2 again."""
    prefix, ids = save_sources(api, setup.group_id, 4)
    first = api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=2&pageNumber=1&useCache=true")
    assert listed_ids(first) == ids[:2]
    ra, dec = random_position()
    api.ok("POST", "/api/sources", {"id": f"{prefix}xnew", "ra": ra, "dec": dec, "group_ids": [setup.group_id]})
    query = f"/api/sources?sourceID={prefix}&numPerPage=2&pageNumber=2"
    cached = api.ok("GET", f"{query}&useCache=true&queryID={first['queryID']}")
    assert listed_ids(cached) == ids[2:] and cached["totalMatches"] == 4
    assert cached["queryID"] == first["queryID"]
    uncached = api.ok("GET", query)
    assert listed_ids(uncached) == ids[1:3] and uncached["totalMatches"] == 5


def test_query_id_without_use_cache_is_ignored(api, setup):
    """get_sources reads the cache only when useCache is given: a queryID alone searches afresh."""
    prefix, ids = save_sources(api, setup.group_id, 2)
    first = api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=1&pageNumber=1&useCache=true")
    ra, dec = random_position()
    api.ok("POST", "/api/sources", {"id": f"{prefix}xnew", "ra": ra, "dec": dec, "group_ids": [setup.group_id]})
    page = api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=1&pageNumber=2&queryID={first['queryID']}")
    assert page["totalMatches"] == 3 and listed_ids(page) == ids[:1] and "queryID" not in page


def test_unknown_query_id_searches_again(api, setup):
    """get_sources: a queryID the cache does not hold (unknown, or older than the cache's
    6 hours) is no error; the search runs again and the answer carries a new queryID."""
    prefix, ids = save_sources(api, setup.group_id, 2)
    page = api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=1&pageNumber=2&useCache=true&queryID=nosuch")
    assert listed_ids(page) == ids[1:] and page["totalMatches"] == 2
    assert page["queryID"] not in ("nosuch", None)


def test_use_cache_needs_a_query_id_after_page_one(api, setup):
    """get_sources: with useCache, a page after the first needs the queryID, and the first page must not have one."""
    prefix, _ = save_sources(api, setup.group_id, 1)
    scoped = f"/api/sources?sourceID={prefix}&useCache=true"
    assert_error(api.call("GET", f"{scoped}&pageNumber=2"), 400, "Cannot retrieve sources: Cannot use cache and "
                 "not specify a query_id when requesting a page number > 1")
    assert_error(api.call("GET", f"{scoped}&pageNumber=1&queryID=abc"), 400, "Cannot retrieve sources: Cannot use "
                 "cache and specify a query_id when requesting the first page")


def test_empty_result_has_no_query_id(api, setup):
    """get_sources returns before caching when nothing matches: totalMatches 0 and no queryID."""
    prefix = unique_name("ZTF26none").replace("-", "")
    page = api.ok("GET", f"/api/sources?sourceID={prefix}&useCache=true")
    assert page == {"totalMatches": 0, "sources": [], "pageNumber": 1, "numPerPage": 100}


def test_page_past_the_end_is_empty(api, setup):
    """get_sources: a page after the last is no error: no sources, totalMatches still counts them all."""
    prefix, _ = save_sources(api, setup.group_id, 2)
    page = api.ok("GET", f"/api/sources?sourceID={prefix}&numPerPage=2&pageNumber=5")
    assert page["sources"] == [] and page["totalMatches"] == 2 and page["pageNumber"] == 5

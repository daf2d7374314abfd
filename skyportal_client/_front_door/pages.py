"""Every item of a paged list operation, page after page: ``walk_pages``.

It sits on a generated method that takes ``num_per_page`` and ``page_number`` and
answers with the page's items and ``totalMatches``. When the method also takes
``use_cache`` and ``query_id``, the walk asks SkyPortal to cache the matches with
the first page and reads every later page from them, so items saved or removed
meanwhile neither shift the pages nor are yielded twice. Each page is one call of
the method, so it goes through the client's rate limit and retries like any request.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterator, Optional

from skyportal_client.exceptions import QueryCacheLostError

# The parameters a walk sets itself, page after page.
PAGING_PARAMETERS = ("num_per_page", "page_number", "use_cache", "query_id")


def _offers_query_cache(operation: Callable[..., Any]) -> bool:
    """Whether ``operation`` takes SkyPortal's query cache parameters, ``use_cache`` and ``query_id``."""
    names = inspect.signature(operation).parameters
    return "use_cache" in names and "query_id" in names


def walk_pages(operation: Callable[..., Any], items: str, page_size: int, **filters: Any) -> Iterator[Any]:
    """The items (the ``items`` list of each answer's ``data``) of every page ``operation``
    answers with for ``filters``, fetched ``page_size`` at a time as the loop goes on.

    Stops after the page that reaches ``totalMatches`` (or an empty page). Raises
    QueryCacheLostError when the server no longer holds the cached matches and they changed.
    """
    use_cache = _offers_query_cache(operation)
    query_id: Optional[str] = None
    page_number = 1
    while True:
        cache = {"use_cache": True, "query_id": query_id} if use_cache else {}
        data = operation(**filters, **cache, num_per_page=page_size, page_number=page_number)["data"]
        if query_id is not None and data.get("queryID") != query_id:
            # The same matches hash to the same queryID: another one means they changed.
            raise QueryCacheLostError(
                f"The server no longer holds the matches this walk started from (queryID {query_id}) and "
                f"they have changed, so page {page_number} would not follow the pages before it. The items "
                "yielded so far are right; start again for the rest.")
        # Without the cache, each page has a queryID of its own, which says nothing.
        query_id = data.get("queryID") if use_cache else None
        page = data[items]
        yield from page
        # SkyPortal answers with the page size it used (it caps what it is asked for).
        served_size = data.get("numPerPage") or page_size
        if not page or page_number * served_size >= data["totalMatches"]:
            return
        page_number += 1

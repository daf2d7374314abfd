"""An embedded, SkyPortal-compatible photometry server for tests.

Quick start::

    from skyportal_client.testing import SkyPortalTestServer, provision

    with SkyPortalTestServer() as server:
        setup = provision(server.url, server.token)
        ...  # talk HTTP to server.url with "Authorization: token <server.token>"

The emulation copies SkyPortal 1.4.0 as recorded in
shared/reference/observed-exchanges*.md (status codes, messages, content
types, envelope, numbers).  See ``server`` for the API, ``pytest_plugin`` for
the fixtures.

Emulated
    POST/PUT /api/photometry, GET/PATCH/DELETE /api/photometry/{id},
    GET /api/photometry/range (filters in the JSON body of the GET),
    GET /api/sources/{obj_id}/photometry,
    DELETE /api/photometry/bulk_delete/{upload_id};
    the calls around them: GET /api/sysinfo, GET /api/enum_types,
    POST/GET /api/telescope, POST/GET /api/instrument, POST/GET /api/groups,
    POST/GET/HEAD/DELETE /api/sources, GET /api/source_exists; the public
    "Sitewide Group", one single-user group per user, tokens with ACLs
    ("Upload data", "Delete bulk photometry", "Manage photometry", "Manage
    sources", "System admin"); tornado routing against the raw path, the
    catch-all 400/405, the 500s for wrong path arguments and bad JSON,
    tornado's Etag and 304; nginx's gzip, 413 body limit (100 MB), optional
    429 rate limit, and injected faults (gateway errors, resets, cut and
    trickled answers, proxies' odd 200s).
    An alert broker's calls (observed-exchanges-broker.md): /api/streams
    and their users, /api/groups/{id}/streams and /users, DELETE
    /api/groups/{id}, /api/filters, GET/HEAD/POST/DELETE /api/candidates,
    /api/sources/{id}/annotations, /comments, /classifications and /groups,
    /api/source_groups, /api/thumbnail and the thumbnails' files under
    /static/thumbnails, /api/taxonomy, /api/classification, DELETE
    /api/objs/{id}, photometry tagged with ``stream_ids``; and what a test
    needs to act as another user: POST/DELETE /api/user, POST
    /api/internal/tokens, GET /api/internal/profile.

What is not emulated, and why, is listed in ``server``'s docstring.
"""

from .provision import Provisioned, create_source, provision
from .server import RequestRecord, SkyPortalTestServer

__all__ = ["Provisioned", "RequestRecord", "SkyPortalTestServer", "create_source", "provision"]

"""The embedded server's fault modes on the alert-broker routes: a write whose answer is lost
is committed all the same, as on SkyPortal behind a proxy that drops the answer."""

import base64

import alerts
import pytest
import urllib3

WRITES = ["candidate", "annotation", "thumbnail", "photometry", "save", "comment"]


def _write(api, alert, setup, kind):
    """(method, path, body) of one write of the broker's step, and how to count what it stored."""
    obj = alert.obj_id
    if kind == "candidate":
        new_obj = alerts.new_obj_id()
        body = {"id": new_obj, "ra": alert.ra, "dec": alert.dec, "filter_ids": [alert.filter_id],
                "passed_at": "2026-12-07T01:00:00"}
        return "POST", "/api/candidates", body, lambda: int(api.call("HEAD", f"/api/candidates/{new_obj}").status
                                                            == 200)
    if kind == "annotation":
        return "POST", f"/api/sources/{obj}/annotations", {"origin": "kowalski", "data": {"drb": 1.0}}, lambda: len(
            api.ok("GET", f"/api/sources/{obj}/annotations"))
    if kind == "thumbnail":
        body = {"obj_id": obj, "data": base64.b64encode(alerts.png(20, 20)).decode(), "ttype": "new"}
        return "POST", "/api/thumbnail", body, lambda: len(api.ok("GET", f"/api/candidates/{obj}")["thumbnails"])
    if kind == "photometry":
        body = {"obj_id": obj, "instrument_id": setup.instrument_id, "mjd": [60650.1], "flux": [320.5],
                "fluxerr": [12.1], "zp": 23.9, "magsys": "ab", "filter": "ztfg", "group_ids": [alert.group_id],
                "stream_ids": [alert.stream_id]}
        return "PUT", "/api/photometry", body, lambda: len(api.ok("GET", f"/api/sources/{obj}/photometry"))
    if kind == "save":
        return "POST", "/api/sources", {"id": obj, "group_ids": [alert.group_id]}, lambda: len(
            api.ok("GET", f"/api/sources/{obj}/groups"))
    return "POST", f"/api/sources/{obj}/comments", {"text": "passed"}, lambda: len(
        api.ok("GET", f"/api/sources/{obj}/comments"))


@pytest.mark.parametrize("kind", WRITES)
def test_a_lost_answer_still_commits_the_write(api, alert, setup, skyportal_server, kind):
    """inject_fault applies to the broker routes: "drop-after" answers nothing, yet the row is stored."""
    method, path, body, count = _write(api, alert, setup, kind)
    before = count()
    skyportal_server.inject_fault("drop-after", methods=[method])
    with pytest.raises(urllib3.exceptions.ProtocolError):  # closed before any byte of the answer
        api.call(method, path, body)
    assert count() == before + 1


@pytest.mark.parametrize("kind", WRITES)
def test_a_fault_answered_by_the_front_stores_nothing(api, alert, setup, skyportal_server, kind):
    """inject_fault applies to the broker routes: "status-503" is answered before the app sees the request."""
    method, path, body, count = _write(api, alert, setup, kind)
    before = count()
    skyportal_server.inject_fault("status-503", methods=[method])
    assert api.call(method, path, body).status == 503
    assert count() == before

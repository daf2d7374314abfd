"""observed-exchanges §5: PUT /api/photometry."""

from plain_http import assert_error


def _put_body(uploads, **fields):
    return uploads.body(**{"mjd": [59402.3, 59403.4], "mag": [None, 19.4], "magerr": [None, 0.07],
                           "limiting_mag": [21.2, 21.3], "group_ids": [uploads.setup.group_id], **fields})


def test_put_mixes_existing_and_new_ids(api, uploads):
    """observed-exchanges §5: ids in payload order, the existing id for the
    duplicate and a new one otherwise; no upload_id."""
    existing = uploads.post(uploads.mag_body())["ids"]
    data = api.ok("PUT", "/api/photometry", _put_body(uploads))
    assert set(data) == {"ids"}
    assert data["ids"][0] == existing[2]
    assert data["ids"][1] not in existing and data["ids"][1] > existing[2]
    assert len(uploads.points()) == 4


def test_put_is_idempotent(api, uploads):
    """observed-exchanges §5: the same PUT again returns the same ids and inserts nothing."""
    first = api.ok("PUT", "/api/photometry", _put_body(uploads))
    assert api.ok("PUT", "/api/photometry", _put_body(uploads)) == first
    assert len(uploads.points()) == 2


def test_put_adds_groups_to_a_duplicate(api, uploads, setup):
    """observed-exchanges §5: a duplicate PUT naming another group returns the
    existing id and adds that group."""
    [point_id] = uploads.post(uploads.body(mjd=59410.0, flux=150.0, fluxerr=5.0, zp=23.9, filter="ztfr",
                                           group_ids="all"))["ids"]
    [point] = uploads.points()
    assert setup.group_id not in {group["id"] for group in point["groups"]}
    data = api.ok("PUT", "/api/photometry", uploads.body(mjd=59410.0, flux=150.0, fluxerr=5.0, zp=23.9,
                                                         filter="ztfr", group_ids=[setup.group_id]))
    assert data == {"ids": [point_id]}
    [point] = uploads.points()
    assert setup.group_id in {group["id"] for group in point["groups"]}
    assert len(point["groups"]) == 3


def test_different_flux_is_not_a_duplicate(api, uploads):
    """observed-exchanges §5: same mjd and filter with flux 151 instead of 150 is a new row."""
    [first] = uploads.post(uploads.body(mjd=59410.0, flux=150.0, fluxerr=5.0, zp=23.9))["ids"]
    [second] = api.ok("PUT", "/api/photometry", uploads.body(mjd=59410.0, flux=151.0, fluxerr=5.0, zp=23.9))["ids"]
    assert second != first
    assert len(uploads.points()) == 2


def test_identical_rows_in_one_put(api, uploads):
    """observed-exchanges §5: two identical points in one PUT -> 400 traceback, nothing stored."""
    reply = api.call("PUT", "/api/photometry", uploads.body(mjd=[59400.0, 59400.0], mag=19.0, magerr=0.1))
    assert_error(reply, 400)
    assert reply.message.startswith("Traceback (most recent call last):\n")
    assert "CardinalityViolation: ON CONFLICT DO UPDATE command cannot affect row a second time" in reply.message
    assert uploads.points() == []


def test_put_with_id_in_path_is_500(api, uploads):
    """observed-exchanges §5: PUT /api/photometry/6 -> 500 TypeError text."""
    reply = api.call("PUT", "/api/photometry/6", _put_body(uploads))
    assert_error(reply, 500, "PhotometryHandler.put() takes 1 positional argument but 2 were given")

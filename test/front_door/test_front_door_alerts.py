"""An alert broker's step, as docs/alerts.md writes it, against the embedded server: once, twice,
and with each of its writes losing its answer once; the thumbnails it draws; the token nowhere.

The state is read from the server's database, table by table, so that a duplicate row cannot hide
behind an answer that shows one."""

import gzip
import io
import logging
import pathlib
import sqlite3
import urllib.request

import pytest
from support import guides

import skyportal_client
from skyportal_client._front_door import cutouts
from skyportal_client.exceptions import ApiException, ApiValueError, NameLookupError

GUIDE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "alerts.md"
OBJ_ID = "ZTF26aaalert"
# What each table holds of one alert's step, without ids and times (a re-run makes new rows of
# thumbnails; they must be the same rows).
STATE_QUERIES = {
    "candidates": "SELECT obj_id, filter_id, passed_at FROM candidates",
    "annotations": "SELECT obj_id, origin, data FROM annotations",
    "thumbnails": "SELECT t.obj_id, t.type, f.png IS NOT NULL FROM thumbnails t "
                  "LEFT JOIN thumbnail_files f ON f.public_url = t.public_url",
    "photometry": "SELECT obj_id, mjd FROM photometry",
    "photometry streams": "SELECT p.mjd, s.stream_id FROM photometry_streams s JOIN photometry p ON p.id = s.photometry_id",
    "group saves": "SELECT obj_id, group_id, active FROM sources",
}


def guide_step():
    """The alert and ``send_to_skyportal`` exactly as the guide's first two sessions define them."""
    sessions = [block for block in guides.blocks(GUIDE.read_text()) if block.kind == "session"]
    namespace = {}
    exec(guides.sources("".join(f"```python\n{block.text}```\n" for block in sessions[:2])), namespace)
    return namespace["alert"], namespace["send_to_skyportal"]


ALERT, SEND = guide_step()


def state(db_path):
    """Every table the step writes, as sorted rows; so a duplicate shows as a second equal row."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return {table: sorted(db.execute(query).fetchall()) for table, query in STATE_QUERIES.items()}


@pytest.fixture
def server(tmp_path):
    with guides.server(with_source=False, db_path=str(tmp_path / "skyportal.sqlite")) as embedded:
        yield embedded


@pytest.fixture
def sp(server):
    with skyportal_client.SkyPortal(server.url, server.token, rate_limit=None,
                                    retries=skyportal_client.RetryPolicy(total=3, backoff_base=0.01,
                                                                         backoff_max=0.1)) as client:
        yield client


@pytest.fixture(scope="module")
def clean_state(tmp_path_factory):
    """The state one run of the step leaves on a new server."""
    db_path = str(tmp_path_factory.mktemp("clean") / "skyportal.sqlite")
    with guides.server(with_source=False, db_path=db_path) as embedded, \
            skyportal_client.SkyPortal(embedded.url, embedded.token) as client:
        SEND(client, ALERT)
        return state(db_path)


def test_the_step_takes_at_most_20_lines():
    sessions = [block for block in guides.blocks(GUIDE.read_text()) if block.kind == "session"]
    step = sessions[1].text
    assert "def send_to_skyportal(" in step
    typed = [line for line in step.splitlines() if line.startswith((">>> ", "... "))]
    assert len(typed) <= 20, typed


def test_one_run_stores_one_row_of_each_thing(clean_state):
    assert [len(clean_state[table]) for table in STATE_QUERIES] == [1, 1, 3, 2, 2, 1]
    assert clean_state["thumbnails"] == [(OBJ_ID, "new", 1), (OBJ_ID, "ref", 1), (OBJ_ID, "sub", 1)]
    assert clean_state["group saves"] == [(OBJ_ID, 3, 1)]


def test_a_second_run_for_the_same_alert_leaves_what_one_run_leaves(sp, server, clean_state):
    SEND(sp, ALERT)
    SEND(sp, ALERT)
    assert state(server.db_path) == clean_state


# (runs before, method, which request of that method loses its answer): every write of a first
# run (six POSTs: candidate, annotation, three thumbnails, save; the PUT of the light curve) and
# those only a second run makes (the annotation's PUT after its refused POST, the old thumbnails'
# DELETEs).
LOST_ANSWERS = ([(0, "POST", k) for k in range(1, 7)] + [(0, "PUT", 1)]
                + [(1, "PUT", k) for k in (1, 2)] + [(1, "DELETE", k) for k in (1, 2, 3)])


@pytest.mark.parametrize("runs_before, method, nth", LOST_ANSWERS,
                         ids=[f"{'again-' * runs}{method}-{nth}" for runs, method, nth in LOST_ANSWERS])
def test_a_write_that_loses_its_answer_then_a_rerun_ends_as_a_clean_run(sp, server, clean_state, runs_before,
                                                                        method, nth):
    for _ in range(runs_before):
        SEND(sp, ALERT)
    if nth > 1:  # the requests before it go through untouched, but for a pause
        server.inject_fault("slow", count=nth - 1, methods=[method], delay=0.001)
    server.inject_fault("drop-after", methods=[method])
    server.clear_requests()
    raised = None
    try:
        SEND(sp, ALERT)
    except ApiException as lost:
        raised = lost
    assert sum(record.method == method for record in server.requests) >= nth  # the fault was reached
    if method == "POST":  # never sent again by the client: the caller hears that it may have landed
        assert raised is not None and raised.may_have_reached_server, raised
    else:  # PUT and DELETE are safe to send again, and the client does
        assert raised is None
    SEND(sp, ALERT)
    assert state(server.db_path) == clean_state


def test_a_lost_post_is_not_sent_again_by_the_client_but_says_it_may_have_landed(sp, server):
    server.inject_fault("drop-after", methods=["POST"])
    with pytest.raises(ApiException) as lost:
        SEND(sp, ALERT)
    assert lost.value.may_have_reached_server
    assert "POST /api/candidates" in str(lost.value) and "send the same candidate again" in str(lost.value)


def fits_cutout(side=63, compress=False):
    numpy = pytest.importorskip("numpy")
    fits = pytest.importorskip("astropy.io.fits")
    pixels = numpy.random.default_rng(7).normal(100.0, 5.0, (side, side))
    pixels[0, :] = 1000.0  # the first row, bright: shown at the bottom
    fits_file = io.BytesIO()
    fits.PrimaryHDU(pixels).writeto(fits_file)
    return gzip.compress(fits_file.getvalue()) if compress else fits_file.getvalue()


@pytest.mark.parametrize("compress", [False, True], ids=["fits", "fits.gz"])
def test_a_63_pixel_fits_cutout_is_served_back_as_the_png_drawn_from_it(sp, server, compress):
    sp.candidates.post(OBJ_ID, filters=1, passed_at="2026-12-06T10:00:00", ra=210.9, dec=54.3)
    cutout = fits_cutout(compress=compress)
    ids = sp.thumbnails.upload(OBJ_ID, new=cutout)
    stored = sp.thumbnails.get(ids["new"])
    with urllib.request.urlopen(server.url + stored.public_url) as served:
        png = served.read()
    assert png == cutouts.as_png("new", cutout)
    assert png.startswith(cutouts.PNG_SIGNATURE) and cutouts.png_size(png) == (63, 63)
    assert stored.type == "new" and stored["is_grayscale"] is True
    rows = png_rows(png, 63)
    assert min(rows[-1]) == 255 and max(rows[0]) < 255  # FITS's first row is the image's bottom row


def png_rows(png, width):
    import zlib
    data = b""
    position = 8
    while position < len(png):
        length = int.from_bytes(png[position:position + 4], "big")
        kind = png[position + 4:position + 8]
        if kind == b"IDAT":
            data += png[position + 8:position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(data)
    return [raw[row * (width + 1) + 1:(row + 1) * (width + 1)] for row in range(len(raw) // (width + 1))]


def test_a_second_upload_replaces_the_image_of_its_type_and_keeps_the_others(sp, server):
    sp.candidates.post(OBJ_ID, filters=1, passed_at="2026-12-06T10:00:00", ra=210.9, dec=54.3)
    first = sp.thumbnails.upload(OBJ_ID, new=guides_png(20, 100), ref=guides_png(20, 50))
    second = sp.thumbnails.upload(OBJ_ID, new=guides_png(30, 200))
    listed = {image["type"]: image for image in sp.thumbnails.list(OBJ_ID)}
    assert sorted(listed) == ["new", "ref"] and listed["ref"]["id"] == first["ref"]
    assert listed["new"]["id"] == second["new"] != first["new"]
    with urllib.request.urlopen(server.url + listed["new"]["public_url"]) as served:
        assert served.read() == guides_png(30, 200)


def guides_png(side, level):
    return cutouts._gray_png(bytes([level]) * side * side, side, side)


@pytest.mark.parametrize("image, problem", [
    (lambda: guides_png(8, 1), "8×8 pixels: SkyPortal takes thumbnails of 16 to 500 pixels a side"),
    (lambda: guides_png(501, 1), "501×501 pixels"),
    (lambda: b"\xff\xd8\xff\xe0 a JPEG", "neither a PNG nor a FITS file"),
    (lambda: [[1.0] * 20] * 10 + [[2.0] * 21], "2-D image"),
], ids=["too-small", "too-large", "jpeg", "ragged"])
def test_what_skyportal_refuses_is_refused_before_sending(sp, server, image, problem):
    sp.candidates.post(OBJ_ID, filters=1, passed_at="2026-12-06T10:00:00", ra=210.9, dec=54.3)
    server.clear_requests()
    with pytest.raises((ApiValueError, ValueError)) as refused:
        sp.thumbnails.upload(OBJ_ID, sub=image())
    assert problem in str(refused.value)
    assert [record.method for record in server.requests if record.method != "GET"] == []


def test_an_unknown_thumbnail_type_is_refused_with_the_types_the_server_takes(sp, server):
    server.clear_requests()
    with pytest.raises(ApiValueError, match=r"Unknown thumbnail type\(s\) 'diff': the server takes new, ref, sub"):
        sp.thumbnails.upload(OBJ_ID, images={"diff": guides_png(20, 1)})
    assert [record.method for record in server.requests if record.method != "GET"] == []


def test_an_unknown_filter_id_is_refused_before_sending_where_skyportal_would_drop_it(sp, server):
    server.clear_requests()
    with pytest.raises(NameLookupError, match=r"No filter with id 99 that the token can use on .*'Bright transients' "
                                              r"\(id 1\)"):
        sp.candidates.post(OBJ_ID, filters=[1, 99], passed_at="2026-12-06T10:00:00", ra=210.9, dec=54.3)
    assert [record.method for record in server.requests] == ["GET"]


def test_an_unknown_stream_name_says_what_it_may_have_meant(sp, server):
    with pytest.raises(NameLookupError, match=r"No stream named 'ZTF public' .*did you mean 'ZTF Public' \(id 1\)"):
        sp.photometry.upload(ALERT["light_curve"], obj_id=OBJ_ID, instrument="ZTF", streams="ZTF public")
    assert server.photometry_count() == 0


def test_candidates_exist_get_iterate_and_delete(sp):
    assert sp.candidates.exists(OBJ_ID) is False
    assert sp.candidates.post(OBJ_ID, filters="Bright transients", passed_at="2026-12-06T10:00:00",
                              ra=210.9, dec=54.3) == sp.candidates.post(OBJ_ID, filters=1,
                                                                        passed_at="2026-12-06T10:00:00")
    sp.candidates.post("ZTF26bbalert", filters=1, passed_at="2026-12-06T12:00:00", ra=10.0, dec=-5.0)
    assert sp.candidates.exists(OBJ_ID) is True and sp.sources.exists(OBJ_ID) is False
    assert sp.candidates.get(OBJ_ID)["id"] == OBJ_ID
    assert [found["id"] for found in sp.candidates.iterate(filters="Bright transients", page_size=1)] == [
        "ZTF26bbalert", OBJ_ID]
    assert [found["id"] for found in sp.candidates.iterate(groups="My program", end="2026-12-06T11:00:00")] == [OBJ_ID]
    sp.candidates.delete(OBJ_ID, "Bright transients")
    assert sp.candidates.exists(OBJ_ID) is False


def test_annotations_upsert_replaces_the_values_wholesale(sp):
    sp.candidates.post(OBJ_ID, filters=1, passed_at="2026-12-06T10:00:00", ra=210.9, dec=54.3)
    first = sp.annotations.upsert(OBJ_ID, origin="my_broker", data={"drb": 0.9, "acai_h": 0.5})
    again = sp.annotations.upsert(OBJ_ID, origin="my_broker", data={"drb": 0.95}, groups="My program")
    assert first == again
    [annotation] = sp.annotations.list(OBJ_ID)
    assert annotation.data == {"drb": 0.95}
    assert [group["name"] for group in annotation.groups] == ["My program"]


def test_annotations_upsert_when_another_worker_created_it_in_between(sp, server):
    """The worker's POST comes second and is refused as a duplicate: it finds the other's and replaces it."""
    sp.candidates.post(OBJ_ID, filters=1, passed_at="2026-12-06T10:00:00", ra=210.9, dec=54.3)
    with skyportal_client.SkyPortal(server.url, server.token) as other_worker:
        created = other_worker.annotations.upsert(OBJ_ID, origin="my_broker", data={"drb": 0.1})
    server.clear_requests()
    assert sp.annotations.upsert(OBJ_ID, origin="my_broker", data={"drb": 0.999}) == created
    assert [(record.method, record.status) for record in server.requests] == [("POST", 400), ("GET", 200),
                                                                               ("PUT", 200)]
    assert [annotation.data for annotation in sp.annotations.list(OBJ_ID)] == [{"drb": 0.999}]


def test_streams_and_filters_by_name_or_id(sp):
    assert [stream.name for stream in sp.streams.list()] == ["ZTF Public"]
    assert sp.streams.get("ZTF Public").id == sp.streams.get(1).id == 1
    assert sp.filters.get("Bright transients").group_id == 3
    with pytest.raises(NameLookupError, match="No filter with id 5"):
        sp.filters.get(5)


def test_sources_save_is_idempotent_and_groups_lists_the_saves(sp):
    sp.candidates.post(OBJ_ID, filters=1, passed_at="2026-12-06T10:00:00", ra=210.9, dec=54.3)
    assert sp.sources.save(OBJ_ID, groups="My program").saved_to_groups == [3]
    assert sp.sources.save(OBJ_ID, groups=[3, "My program"]).saved_to_groups == [3]
    assert [group.name for group in sp.sources.groups(OBJ_ID)] == ["My program"]
    with pytest.raises(ApiValueError, match="needs groups="):
        sp.sources.save(OBJ_ID, groups=[])


def test_the_token_is_in_no_request_log_line_or_exception(server, caplog):
    with caplog.at_level(logging.DEBUG, logger="skyportal_client"), \
            skyportal_client.SkyPortal(server.url, server.token, debug=True) as client:
        SEND(client, ALERT)
        server.inject_fault("drop-after", methods=["POST"])
        with pytest.raises(ApiException) as lost:
            SEND(client, ALERT)
    assert caplog.records, "the client logs its requests at DEBUG"
    assert server.token not in caplog.text
    assert server.token not in str(lost.value) and server.token not in repr(lost.value)
    assert all(server.token not in record.path for record in server.requests)


# SkyPortal's answers that carry database text or the caller's token (observed-exchanges-broker.md).
FOREIGN_KEY = ('(psycopg.errors.ForeignKeyViolation) insert or update on table "filters" violates foreign key '
               'constraint "filters_stream_id_fkey"\nDETAIL:  Key (stream_id)=(4) is not present in table "streams".\n'
               "[SQL: INSERT INTO filters (name, stream_id) VALUES (%(name)s::VARCHAR, %(stream_id)s::INTEGER)]\n"
               "[parameters: {'name': 'f', 'stream_id': 4}]\n(Background on this error at: https://sqlalche.me/e/20/gkpj)")
UNIQUE = ('Annotation already exists: (psycopg.errors.UniqueViolation) duplicate key value violates unique constraint '
          '"annotations_obj_id_origin_key"\nDETAIL:  Key (obj_id, origin)=(ZTF26brk9b9e41, kowalski) already exists.\n'
          "[SQL: INSERT INTO annotations (data, origin) VALUES (%(data)s::JSONB, %(origin)s::VARCHAR)]")
BIGINT = ('(psycopg.errors.InvalidTextRepresentation) invalid input syntax for type bigint: "abc"\nCONTEXT:  unnamed '
          "portal parameter $4 = '...'\n[SQL: INSERT INTO candidates (passing_alert_id) VALUES "
          "(%(passing_alert_id)s::BIGINT)]")


@pytest.mark.parametrize("status, message, line", [
    (500, FOREIGN_KEY, "unknown stream id 4 (SkyPortal's database refused it: ForeignKeyViolation)"),
    (400, UNIQUE, "Annotation already exists: obj_id, origin (ZTF26brk9b9e41, kowalski) is taken already "
                  "(SkyPortal's database refused it: UniqueViolation)"),
    (500, BIGINT, "'abc' is not a valid bigint (a whole number) (SkyPortal's database refused it: "
                  "InvalidTextRepresentation)"),
], ids=["foreign-key", "unique", "bigint"])
def test_a_database_error_is_said_in_one_line_and_its_whole_text_kept(status, message, line):
    from skyportal_client.exceptions import ErrorContext, Outcome, error_for_answer
    body = json_envelope(message)
    raised = error_for_answer(status, "Reason", {"Content-Type": "application/json"}, body, method="POST",
                              path="/api/filters", outcome=Outcome.REFUSED, context=ErrorContext())
    assert raised.summary == line
    assert f": {line} (SkyPortal 1.4.0)" in str(raised) and "[SQL" not in str(raised)
    assert raised.message == message


def test_the_token_in_skyportal_s_permission_message_is_taken_out():
    from skyportal_client.exceptions import ErrorContext, Outcome, error_for_answer
    token = "0f5a3f7e-8e4b-4c39-9d3c-5b1f3c8a9e21"
    body = json_envelope(f'Insufficient permissions for operation "Token {token} create Filter {{11}}".')
    raised = error_for_answer(400, "Bad Request", {"Content-Type": "application/json"}, body, method="POST",
                              path="/api/filters", outcome=Outcome.REFUSED, context=ErrorContext(token=token))
    assert 'operation "Token <token> create Filter {11}"' in str(raised)
    assert token not in str(raised) + repr(raised) + (raised.message or "") + raised.body.decode()


def json_envelope(message):
    import json
    return json.dumps({"status": "error", "message": message, "data": {}, "version": "1.4.0"}).encode()


def test_a_comment_and_a_classification_by_taxonomy_name(sp, server):
    from skyportal_client.testing.provision import api_call
    sp.candidates.post(OBJ_ID, filters=1, passed_at="2026-12-06T10:00:00", ra=210.9, dec=54.3)
    sp.sources.save(OBJ_ID, groups="My program")
    for version in ("1.0", "2.0"):
        api_call(server.url, server.token, "POST", "/api/taxonomy", {
            "name": "Broker classes", "version": version,
            "hierarchy": {"class": "Transient", "subclasses": [{"class": "SN Ia"}, {"class": "Bogus"}]}})
    comment_id = sp.sources.comment(OBJ_ID, "Passed Bright transients", groups="My program")
    classification_id = sp.classifications.post(OBJ_ID, "SN Ia", taxonomy="Broker classes", probability=0.8,
                                                groups="My program")
    [classification] = api_call(server.url, server.token, "GET", f"/api/sources/{OBJ_ID}/classifications")
    assert (classification["id"], classification["classification"], classification["probability"]) == (
        classification_id, "SN Ia", 0.8)
    assert classification["taxonomy_id"] == max(taxonomy.id for taxonomy in sp.classifications.taxonomies())
    [comment] = api_call(server.url, server.token, "GET", f"/api/sources/{OBJ_ID}/comments")
    assert (comment["id"], comment["text"]) == (comment_id, "Passed Bright transients")


@pytest.mark.parametrize("arguments, problem", [
    ({"classification": "SN II", "taxonomy": "Broker classes"}, "'SN II' is not a class of the taxonomy 'Broker "
                                                                 "classes' (id 1); its classes: 'Transient', 'SN Ia'"),
    ({"classification": "SN Ia", "taxonomy": "Broker class"}, "did you mean 'Broker classes' (id 1)?"),
    ({"classification": "SN Ia", "taxonomy": 7}, "No taxonomy with id 7"),
    ({"classification": "SN Ia", "taxonomy": 1, "probability": 1.5}, "probability must be between 0 and 1"),
], ids=["class", "taxonomy-name", "taxonomy-id", "probability"])
def test_a_classification_skyportal_would_refuse_is_refused_before_sending(sp, server, arguments, problem):
    from skyportal_client.testing.provision import api_call
    api_call(server.url, server.token, "POST", "/api/taxonomy", {
        "name": "Broker classes", "version": "1.0", "hierarchy": {"class": "Transient", "subclasses": [{"class": "SN Ia"}]}})
    server.clear_requests()
    with pytest.raises(ApiValueError) as refused:
        sp.classifications.post(OBJ_ID, **arguments)
    assert problem in str(refused.value)
    assert [record.method for record in server.requests if record.method != "GET"] == []

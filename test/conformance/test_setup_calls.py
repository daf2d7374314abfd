"""observed-exchanges "Setup calls": the calls that make photometry usable."""

from plain_http import assert_error

from skyportal_client.testing.provision import unique_name


def test_setup_calls_return_ids(api):
    """observed-exchanges "Setup calls": telescope, instrument and group POSTs
    return {"id": int}; a source POST returns its id and saved_to_groups."""
    telescope = api.ok("POST", "/api/telescope", {
        "name": unique_name("P48"), "nickname": unique_name("P48rs"), "lat": 33.3633675, "lon": -116.8361345,
        "elevation": 1870.0, "diameter": 1.2, "robotic": True, "fixed_location": True})
    assert set(telescope) == {"id"} and isinstance(telescope["id"], int)
    name = unique_name("ZTF-realsky")
    instrument = api.ok("POST", "/api/instrument", {"name": name, "type": "imager", "band": "optical",
                                                    "telescope_id": telescope["id"],
                                                    "filters": ["ztfg", "ztfr", "ztfi"]})
    assert set(instrument) == {"id"} and isinstance(instrument["id"], int)
    group = api.ok("POST", "/api/groups", {"name": unique_name("realsky-group"), "nickname": unique_name("rs")})
    assert set(group) == {"id"} and isinstance(group["id"], int)
    obj_id = unique_name("ZTF21testobj").replace("-", "")
    source = api.ok("POST", "/api/sources", {"id": obj_id, "ra": 234.22, "dec": -22.33,
                                             "group_ids": [group["id"]]})
    assert source == {"id": obj_id, "saved_to_groups": [group["id"]]}


def test_instrument_reads_back(api, setup):
    """The brief's GET /api/instrument/{id}: id, name, type, band, telescope_id, filters."""
    instrument = api.ok("GET", f"/api/instrument/{setup.instrument_id}")
    assert instrument["id"] == setup.instrument_id and instrument["name"] == setup.instrument_name
    assert (instrument["type"], instrument["band"]) == ("imager", "optical")
    assert instrument["telescope_id"] == setup.telescope_id
    assert set(instrument["filters"]) == {"ztfg", "ztfr", "ztfi"}


def test_instrument_with_unknown_filter_is_refused(api, setup):
    """observed-exchanges-2 row test_setup_calls.py::test_instrument_with_unknown_filter_is_refused:
    an unknown bandpass fails only when PostgreSQL casts it to the enum, as
    a 500 SQLAlchemy LookupError naming the first and last allowed names."""
    name = unique_name("bad")
    reply = api.call("POST", "/api/instrument", {"name": name, "type": "imager",
                                                 "telescope_id": setup.telescope_id, "filters": ["nope"]})
    assert_error(reply, 500)
    assert reply.message.startswith("(builtins.LookupError) 'nope' is not among the defined enum values. "
                                    "Enum name: bandpasses. Possible values: bessellux, bessellb, bessellv, ..., ")
    assert api.ok("GET", f"/api/instrument?name={name}") == []

"""The tracebacks SkyPortal sends as error messages when an exception
escapes its photometry insert path (``traceback.format_exc()`` in a 400).

The frames are shaped like SkyPortal's (its file, functions and lines of
revision 8bd346c0); the exception lines at the end are the real ones, as
recorded or as PostgreSQL, psycopg and SQLAlchemy word them.
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from .envelope import ApiError

PHOTOMETRY_SOURCE = "/skyportal/skyportal/handlers/api/photometry.py"
PACKAGES = "/skyportal/.venv/lib/python3.12/site-packages"

# (line, function, code) of SkyPortal's frames, from a handler to the statement.
HANDLER_FRAMES: dict[tuple[str, str], tuple[tuple[int, str, str], ...]] = {
    ("post", "insert"): ((1854, "post", "ids, upload_id = await insert_new_photometry_data("),
                         (1312, "insert_new_photometry_data", "ids, inserted_keys = await bulk_upsert_photometry("),
                         (1186, "bulk_upsert_photometry", "result = await session.execute(stmt, params)")),
    ("put", "insert"): ((2109, "put", "ids, upload_id = await insert_new_photometry_data("),
                        (1312, "insert_new_photometry_data", "ids, inserted_keys = await bulk_upsert_photometry("),
                        (1186, "bulk_upsert_photometry", "result = await session.execute(stmt, params)")),
    ("post", "groups"): ((1854, "post", "ids, upload_id = await insert_new_photometry_data("),
                         (1338, "insert_new_photometry_data", "await session.execute(")),
    ("put", "groups"): ((2109, "put", "ids, upload_id = await insert_new_photometry_data("),
                        (1338, "insert_new_photometry_data", "await session.execute(")),
    ("put", "duplicate groups"): ((2047, "put", "await session.execute("),),
}
# The driver's frames, where psycopg raises.
DRIVER_FRAMES = ((f"{PACKAGES}/sqlalchemy/engine/base.py", 1967, "_exec_single_context",
                  "self.dialect.do_execute("),
                 (f"{PACKAGES}/sqlalchemy/engine/default.py", 952, "do_execute",
                  "cursor.execute(statement, parameters)"),
                 (f"{PACKAGES}/psycopg/cursor_async.py", 117, "execute", "raise ex.with_traceback(None)"))

MAX_PARAMETERS = 65535
PARAMETERS_PER_GROUP_ROW = 4  # group_id, photometr_id, modified, created_at
SHOWN_PARAMETERS = 100  # SQLAlchemy shows the first and last 50 bound parameters
PHOTOMETRY_COLUMNS = ("mjd", "flux", "fluxerr", "filter", "ra_unc", "dec_unc", "ref_flux", "ref_fluxerr",
                      "original_user_data", "altdata", "upload_id", "origin", "obj_id", "instrument_id",
                      "owner_id", "ra", "dec", "modified", "created_at")
PHOTOMETRY_CASTS = {"original_user_data": "::JSONB", "altdata": "::JSONB", "upload_id": "::VARCHAR",
                    "origin": "::VARCHAR", "obj_id": "::VARCHAR", "instrument_id": "::INTEGER",
                    "owner_id": "::INTEGER", "modified": "::TIMESTAMP WITHOUT TIME ZONE",
                    "created_at": "::TIMESTAMP WITHOUT TIME ZONE"}
PHOTOMETRY_INSERT_TAIL = (" ON CONFLICT (obj_id, instrument_id, origin, mjd, fluxerr, flux) DO NOTHING RETURNING "
                          "photometry.id, photometry.mjd, photometry.flux, photometry.fluxerr, photometry.origin, "
                          "photometry.obj_id, photometry.instrument_id, (xmax = 0) AS inserted")


class DatabaseError:
    """An error PostgreSQL raised through psycopg, as SQLAlchemy reports it:
    psycopg's class and message (with DETAIL/CONTEXT lines), SQLAlchemy's
    class and its error code."""

    def __init__(self, psycopg_class: str, message: str, sqlalchemy_class: str, code: str,
                 notes: tuple[str, ...] = ()) -> None:
        self.psycopg_class = psycopg_class
        self.message = message
        self.sqlalchemy_class = sqlalchemy_class
        self.code = code
        self.notes = notes


def _frames(frames: Iterable[tuple[int, str, str]]) -> list[str]:
    lines = []
    for line, function, code in frames:
        lines += [f'  File "{PHOTOMETRY_SOURCE}", line {line}, in {function}', f"    {code}"]
    return lines


def _driver_frames() -> list[str]:
    lines = []
    for path, line, function, code in DRIVER_FRAMES:
        lines += [f'  File "{path}", line {line}, in {function}', f"    {code}"]
    return lines


def traceback_error(method: str, stage: str, exception: str) -> ApiError:
    """The 400 whose message is the traceback of a Python ``exception``
    (its last line, as Python prints it) raised at ``stage`` of ``method``."""
    lines = ["Traceback (most recent call last):", *_frames(HANDLER_FRAMES[(method, stage)])]
    return ApiError(400, "\n".join(lines) + f"\n{exception}\n")


def database_error(method: str, stage: str, error: DatabaseError, statement: str, parameters: str) -> ApiError:
    """The 400 whose message is SkyPortal's traceback of a database error:
    psycopg's exception, then SQLAlchemy's with the statement and parameters."""
    lines = [
        "Traceback (most recent call last):", *_driver_frames(),
        f"{error.psycopg_class}: {error.message}", *error.notes, "",
        "The above exception was the direct cause of the following exception:", "",
        "Traceback (most recent call last):", *_frames(HANDLER_FRAMES[(method, stage)]), *_driver_frames(),
        f"sqlalchemy.exc.{error.sqlalchemy_class}: ({error.psycopg_class}) {error.message}", *error.notes,
        f"[SQL: {statement}]", f"[parameters: {parameters}]",
        f"(Background on this error at: https://sqlalche.me/e/20/{error.code})",
    ]
    return ApiError(400, "\n".join(lines) + "\n")


def _psycopg_json(value: object) -> str:
    """psycopg's repr of a Jsonb parameter (it shortens long ones)."""
    text = repr(value)
    if len(text) > 40:
        text = f"{text[:35]} ... ({len(text)} chars)"
    return f"Jsonb({text})"


def _parameter_dict(items: Iterable[tuple[str, str]]) -> str:
    """SQLAlchemy's repr of bound parameters: the first and last 50 of many."""
    items = list(items)
    if len(items) > SHOWN_PARAMETERS:
        half = SHOWN_PARAMETERS // 2
        shown = ", ".join(f"{name!r}: {value}" for name, value in items[:half])
        shown += f" ... {len(items) - SHOWN_PARAMETERS} parameters truncated ... "
        shown += ", ".join(f"{name!r}: {value}" for name, value in items[-half:])
        return "{" + shown + "}"
    return "{" + ", ".join(f"{name!r}: {value}" for name, value in items) + "}"


def photometry_insert_error(method: str, error: DatabaseError, rows: Sequence[dict[str, Any]]) -> ApiError:
    """A database error of the photometry INSERT of ``rows`` (parameter
    dicts by column name); several rows go out as one insertmanyvalues batch."""
    def placeholders(suffix: str) -> str:
        return ", ".join(f"%({column}{suffix})s{PHOTOMETRY_CASTS.get(column, '')}" for column in PHOTOMETRY_COLUMNS)

    columns = ", ".join(PHOTOMETRY_COLUMNS)
    if len(rows) == 1:
        statement = f"INSERT INTO photometry ({columns}) VALUES ({placeholders('')}){PHOTOMETRY_INSERT_TAIL}"
        items = [(column, _render(column, rows[0][column])) for column in PHOTOMETRY_COLUMNS]
    else:
        values = ", ".join(f"({placeholders(f'__{index}')})" for index in range(len(rows)))
        statement = f"INSERT INTO photometry ({columns}) VALUES {values}{PHOTOMETRY_INSERT_TAIL}"
        if len(statement) > 1000:  # SQLAlchemy shortens a long insertmanyvalues batch in its message
            statement = f"{statement[:250]} ... {len(statement) - 350} characters truncated ... {statement[-100:]}"
        items = [(f"{column}__{index}", _render(column, row[column]))
                 for index, row in enumerate(rows) for column in PHOTOMETRY_COLUMNS]
    return database_error(method, "insert", error, statement, _parameter_dict(items))


def _render(column: str, value: object) -> str:
    if column in ("original_user_data", "altdata"):
        return _psycopg_json(value)
    if value is None and column in ("ra", "dec", "ra_unc", "dec_unc", "ref_flux", "ref_fluxerr"):
        return "nan"  # pandas hands SkyPortal NaN, not None, for these
    return repr(value)


PARAMETER_LIMIT = DatabaseError("psycopg.OperationalError", "sending query and params failed: number of parameters "
                                "must be between 0 and 65535", "OperationalError", "e3q8")


def parameter_limit_error(method: str, stage: str, rows: Sequence[tuple[int, int, str]]) -> ApiError:
    """The 400 SkyPortal answers when its group_photometry insert of
    ``rows`` (group id, photometry id, timestamp) binds more than 65 535
    parameters: the whole statement in the message (megabytes of it)."""
    values = ", ".join(
        f"(%(group_id_m{index})s::INTEGER, %(photometr_id_m{index})s::BIGINT, "
        f"%(modified_m{index})s::TIMESTAMP WITHOUT TIME ZONE, %(created_at_m{index})s::TIMESTAMP WITHOUT TIME ZONE)"
        for index in range(len(rows)))
    statement = (f"INSERT INTO group_photometry (group_id, photometr_id, modified, created_at) VALUES {values} "
                 "ON CONFLICT (group_id, photometr_id) DO NOTHING")
    items = []
    for index, (group_id, photometry_id, stamp) in enumerate(rows):
        moment = repr(datetime.datetime.fromisoformat(stamp))
        items += [(f"group_id_m{index}", repr(group_id)), (f"photometr_id_m{index}", repr(photometry_id)),
                  (f"modified_m{index}", moment), (f"created_at_m{index}", moment)]
    return database_error(method, stage, PARAMETER_LIMIT, statement, _parameter_dict(items))

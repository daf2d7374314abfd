"""The tracebacks SkyPortal sends as error messages when an exception
escapes its photometry insert path (``traceback.format_exc()`` in a 400).

The frames are shaped like SkyPortal's (its file, functions and lines of
revision 8bd346c0); the exception lines at the end are the real ones, as
recorded or as PostgreSQL, psycopg and SQLAlchemy word them.
"""

import datetime

from .envelope import ApiError

PHOTOMETRY_SOURCE = "/skyportal/skyportal/handlers/api/photometry.py"
SQLALCHEMY_ENGINE = "/skyportal/.venv/lib/python3.12/site-packages/sqlalchemy/engine"
PSYCOPG_CURSOR = "/skyportal/.venv/lib/python3.12/site-packages/psycopg/cursor_async.py"

# (line, function, code) of the frames from each handler to its insert.
POST_FRAMES = ((1854, "post", "ids, upload_id = await insert_new_photometry_data("),
               (1390, "insert_new_photometry_data", "ids, inserted_keys = await bulk_upsert_photometry("))
PUT_FRAMES = ((1951, "put", "ids = await bulk_upsert_photometry("),
              (1187, "bulk_upsert_photometry", "result = session.execute(upsert_statement)"))
POST_GROUPS_FRAMES = ((1854, "post", "ids, upload_id = await insert_new_photometry_data("),
                      (1411, "insert_new_photometry_data", "await session.execute("))
PUT_GROUPS_FRAMES = ((2047, "put", "await session.execute("),)
FRAMES = {("post", "insert"): POST_FRAMES, ("put", "insert"): PUT_FRAMES,
          ("post", "groups"): POST_GROUPS_FRAMES, ("put", "groups"): PUT_GROUPS_FRAMES}

MAX_PARAMETERS = 65535
PARAMETERS_PER_GROUP_ROW = 4  # photometr_id, group_id, created_at, modified
PARAMETER_LIMIT = "sending query and params failed: number of parameters must be between 0 and 65535"
SHOWN_PARAMETERS = 100  # SQLAlchemy's repr of the bound parameters keeps the first and last 50


def _frames(frames):
    lines = []
    for line, function, code in frames:
        lines += [f'  File "{PHOTOMETRY_SOURCE}", line {line}, in {function}', f"    {code}"]
    return lines


def traceback_error(method, stage, exception):
    """The 400 whose message is the traceback of ``exception`` (its last
    lines, as Python prints them) raised at ``stage`` of ``method``."""
    lines = ["Traceback (most recent call last):", *_frames(FRAMES[(method, stage)])]
    return ApiError(400, "\n".join(lines) + f"\n{exception}\n")


def exceeds_parameter_limit(group_rows):
    return PARAMETERS_PER_GROUP_ROW * group_rows > MAX_PARAMETERS


def _group_statement(count):
    values = ", ".join(
        f"(%(photometr_id_m{index})s::BIGINT, %(group_id_m{index})s::INTEGER, "
        f"%(created_at_m{index})s::TIMESTAMP WITHOUT TIME ZONE, %(modified_m{index})s::TIMESTAMP WITHOUT TIME ZONE)"
        for index in range(count))
    return (f"INSERT INTO group_photometry (photometr_id, group_id, created_at, modified) VALUES {values} "
            "ON CONFLICT (group_id, photometr_id) DO NOTHING")


def _group_parameters(pairs, now):
    stamp = repr(now)
    names = []
    for index, (photometry_id, group_id) in enumerate(pairs):
        names += [(f"photometr_id_m{index}", repr(photometry_id)), (f"group_id_m{index}", repr(group_id)),
                  (f"created_at_m{index}", stamp), (f"modified_m{index}", stamp)]
    if len(names) <= SHOWN_PARAMETERS:
        return "{" + ", ".join(f"{name!r}: {value}" for name, value in names) + "}"
    half = SHOWN_PARAMETERS // 2
    first = ", ".join(f"{name!r}: {value}" for name, value in names[:half])
    last = ", ".join(f"{name!r}: {value}" for name, value in names[-half:])
    return "{" + first + f" ... {len(names) - SHOWN_PARAMETERS} parameters truncated ... " + last + "}"


def parameter_limit_error(method, pairs):
    """The 400 SkyPortal answers when its group_photometry insert of
    ``pairs`` (photometry id, group id) binds more than 65 535 parameters:
    the whole traceback, SQL statement and (truncated) parameters included."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    lines = [
        "Traceback (most recent call last):",
        f'  File "{SQLALCHEMY_ENGINE}/base.py", line 1967, in _exec_single_context',
        "    self.dialect.do_execute(",
        f'  File "{SQLALCHEMY_ENGINE}/default.py", line 952, in do_execute',
        "    cursor.execute(statement, parameters)",
        f'  File "{PSYCOPG_CURSOR}", line 97, in execute',
        "    raise ex.with_traceback(None)",
        f"psycopg.OperationalError: {PARAMETER_LIMIT}",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        *_frames(FRAMES[(method, "groups")]),
        f'  File "{SQLALCHEMY_ENGINE}/base.py", line 1967, in _exec_single_context',
        "    self.dialect.do_execute(",
        f"sqlalchemy.exc.OperationalError: (psycopg.OperationalError) {PARAMETER_LIMIT}",
        f"[SQL: {_group_statement(len(pairs))}]",
        f"[parameters: {_group_parameters(pairs, now)}]",
        "(Background on this error at: https://sqlalche.me/e/20/e3q8)",
    ]
    return ApiError(400, "\n".join(lines) + "\n")

"""Timestamps as SkyPortal stores them: naive UTC datetimes."""

import datetime


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def utcnow_iso() -> str:
    """Now, as SkyPortal's JSON writes a naive UTC datetime."""
    return utcnow().isoformat()

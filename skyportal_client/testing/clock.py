"""Timestamps as SkyPortal stores them: naive UTC datetimes."""

import datetime


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def utcnow_iso():
    """Now, as SkyPortal's JSON writes a naive UTC datetime."""
    return utcnow().isoformat()

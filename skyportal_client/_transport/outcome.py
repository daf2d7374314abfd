"""Did a failed request change anything on the server? The one rule the transport and the helpers use.

A request that failed ends in one of four states:

* ``NOT_SENT``: no byte of the request went out (the connection or its TLS handshake
  failed), so the server cannot have seen it;
* ``NOT_PROCESSED``: SkyPortal's proxy answered before the application saw the
  request (nginx's rate limit, its body-size limit, the "System provisioning" page
  shown while the application is down);
* ``REFUSED``: the application answered with its error envelope, so nothing was
  written (a handler that fails rolls its transaction back);
* ``UNKNOWN``: the request may have been processed and no clean, complete answer
  says what came of it: the connection (or its TLS stream) broke once the request
  had started going out, the answer timed out, a gateway answered with a 5xx of
  its own (a 502, a 504, or a 500 or 503 that is not SkyPortal's), or the answer
  was truncated, not JSON, or not SkyPortal's envelope. Such a request may have
  landed.
"""

import enum
from typing import Any

# The message of baselayer's status page, which nginx serves with a 503 while the app is down.
PROVISIONING_MESSAGE = "System provisioning"


class Outcome(enum.Enum):
    NOT_SENT = "not sent"
    NOT_PROCESSED = "not processed"
    REFUSED = "refused"
    UNKNOWN = "may have landed"


def of_connection_error(request_sent: bool) -> Outcome:
    """The outcome of an attempt that got no answer: NOT_SENT when no byte of the request went
    out, else UNKNOWN. Decided by what was sent, not by the error's class: urllib3 raises the
    same SSLError for a failed handshake and for a TLS stream broken under the answer, and a
    read timeout for a handshake that never came."""
    return Outcome.UNKNOWN if request_sent else Outcome.NOT_SENT


def of_error_answer(status: int, envelope: Any) -> Outcome:
    """The outcome of an answer with an error status; ``envelope`` is its decoded JSON, or None."""
    is_error_envelope = isinstance(envelope, dict) and envelope.get("status") == "error"
    if status in (413, 429) or (
            status == 503 and is_error_envelope and envelope.get("message") == PROVISIONING_MESSAGE):
        return Outcome.NOT_PROCESSED
    if status < 500 or (is_error_envelope and "version" in envelope):
        return Outcome.REFUSED
    return Outcome.UNKNOWN

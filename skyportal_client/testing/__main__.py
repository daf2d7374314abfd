"""Run the embedded SkyPortal server from the command line.

    python -m skyportal_client.testing --port 5000 [--db-path FILE] [--rate-limit]

Prints the URL and the super-admin token, then serves until interrupted.
"""

import argparse
import threading
from collections.abc import Sequence

from .server import SkyPortalTestServer


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m skyportal_client.testing",
                                     description="Serve a SkyPortal-compatible photometry API for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port (default 5000)")
    parser.add_argument("--db-path", help="SQLite file to keep data in (default: in memory)")
    parser.add_argument("--rate-limit", action="store_true",
                        help="limit each token to 5 requests/s with a burst of 10, like nginx")
    args = parser.parse_args(argv)
    server = SkyPortalTestServer(port=args.port, db_path=args.db_path, host=args.host,
                                 rate_limit=args.rate_limit or None)
    with server:
        print(f"SKYPORTAL_URL={server.url}", flush=True)
        print(f"SKYPORTAL_TOKEN={server.token}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

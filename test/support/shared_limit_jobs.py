"""What the processes of the shared rate limit tests run: importable, so that process pools
and Dask workers (which start Python afresh) find them by name."""

import os
import signal
import sys
import time


def read_light_curves(url, token, obj_ids, settings):
    """Reads each light curve once through a SkyPortal of its own; the number of points of each."""
    import skyportal_client

    with skyportal_client.SkyPortal(url, token, **settings) as sp:
        return [len(sp.photometry.get(obj_id)) for obj_id in obj_ids]


def hold_the_store_then_wait(store_url, key, ready_path):
    """Takes a token and stops inside the store's transaction (after the bucket was read,
    before it is written), says so by creating ``ready_path``, and waits there to be killed."""
    from skyportal_client._transport import shared_limit

    def stuck(full_at, now, rate, burst):
        open(ready_path, "w").close()
        while True:
            time.sleep(60)

    shared_limit.take = stuck
    shared_limit.open_bucket(store_url, key).reserve(5.0, 10)


if __name__ == "__main__":  # python shared_limit_jobs.py STORE_URL KEY READY_PATH
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    hold_the_store_then_wait(*sys.argv[1:4])
    os._exit(1)  # never reached: the test kills this process

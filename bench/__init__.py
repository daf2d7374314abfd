"""Speed and memory benchmark of skyportal_client against other ways to call SkyPortal.

Run with ``.venv/bin/python -m bench``; see bench/README.md. Nothing here is
imported by the package or the tests.
"""

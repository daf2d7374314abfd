"""Helpers the tests share: sample points and light curves, the recording and TLS loopback servers,
the runners of the examples in the docs, and what the seed page says."""

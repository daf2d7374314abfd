"""The runtime under the generated code: settings, requests built and answers decoded, and each
request's life over urllib3 (timeouts, retries, the rate limit, redirects, the outcome of a failure).

Owns: ``BaseConfiguration`` (settings), ``RequestOptions`` (one request as a value, from the
generated method to the transport), ``BaseClient`` (the client's headers, decoding), ``RESTClient``
(sending), the transport policy and its parts (``RetryPolicy``, ``Timeout``, the adaptive ``Throttle`` and its
shared buckets in SQLite or Redis), the total deadline, the outcome rule, and JSON in and out. Nothing here knows about photometry.
"""

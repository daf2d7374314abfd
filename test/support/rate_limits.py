"""How much faster than SkyPortal's clock the rate-limited tests run.

Both sides run at SPEEDUP × 5 requests per second with the burst (a number of requests)
unchanged, so the same requests meet the same token buckets in 1/SPEEDUP of the time. The
server's one request of slack (nginx accepts burst + 1 at rest) is what absorbs a request
delayed on its way: 1 / (5 × SPEEDUP) seconds, 200 ms at SkyPortal's own rate. At 4 that is
50 ms, which a loaded CI machine running several test sessions at once stays within; at 10
(20 ms) it did not.
"""

SPEEDUP = 4

"""Every place we lean on a third-party library beyond its public, documented API.

One module per library; each says why the adaptation exists and which upstream version
it was checked against, and ``tests/unit/test_thirdparty.py`` (plus
``tests/integration/test_thirdparty_redis.py`` where Redis is needed) fails with a
message naming the module when an upgrade breaks or obsoletes it.

- ``purgatory``: imported without redis; its private repository classes; the attributes
  of its Redis repository, overwritten.
- ``httpx``: ``httpx._main`` (httpx's own command line) refused in the ``liquidity`` process.

This package imports nothing itself: the CLI reaches ``thirdparty.httpx`` on every start.
"""

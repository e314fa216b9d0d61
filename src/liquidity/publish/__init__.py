"""Live feed over Redis: Pub/Sub, Streams and last values, fed from the store's change feed.

``redis.py`` publishes what the store has and Redis has not seen yet (a cursor in
the store), ``consumer.py`` reads the Streams with a consumer group, ``names.py``
says what everything in Redis is called, ``message.py`` and ``derived.py`` are the
pure parts. Nothing here imports redis until it is used.
"""

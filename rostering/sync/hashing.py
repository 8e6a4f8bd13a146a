import hashlib

import orjson


def content_hash(values: tuple) -> str:
    """A stable fingerprint of what we store for a row: equal means nothing to write.

    The values are serialised by orjson (dates as ISO text, lists and tuples as arrays;
    anything else by str()): half the cost of repr() on a million rows.
    """
    return hashlib.blake2b(orjson.dumps(values, default=str), digest_size=16).hexdigest()

import hashlib


def content_hash(values: tuple) -> str:
    """A stable fingerprint of what we store for a row: equal means nothing to write."""
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()

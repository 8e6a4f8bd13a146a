"""Fingerprints of SIS rows: a row the engine already holds is recognised, not converted.

When the engine asks for fingerprints (`KnownDigests`), a page is split into its rows'
own JSON bytes (msgspec, in C) and each row's fingerprint is XXH3-64 of those bytes
under the engine's seed (which covers everything else a row's outcome depends on: the
code, the connection's settings and school mapping). A row whose fingerprint the
engine holds comes as a `SisUnchanged` (its sourcedId, and the values a person's row
still lends the run: e-mail and agents) and is never converted; every other row is
converted as before, its record carrying its fingerprint (`sis_digest`) for the
engine to store beside the row it writes. A parent contact's fingerprint also covers
its place among its student's agents, which decides its order.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Container
from dataclasses import dataclass
from typing import Any, NamedTuple

import msgspec
import requests
import xxhash

from sis.answers import response_json
from sis.convert_common import JSON_NUL
from sis.records import Entity


@dataclass(frozen=True, slots=True)
class KnownDigests:
    """What the engine holds of one collection: the seed its fingerprints were made
    with and the fingerprints (64-bit ints) of its rows that are stored exactly as sent."""

    seed: int
    digests: Container[int]  # a set, or SortedDigests


class SortedDigests:
    """Fingerprints held as one sorted array of 8-byte values, asked by binary search
    within the values that share their top bits (16 for the largest collections, about
    one bucket per 16 values): a set of 627,000 Python ints costs ~58 MB, this 5.5 MB
    (and ~0.3 us a look-up)."""

    __slots__ = ("shift", "starts", "values")

    def __init__(self, values: array, ordered: bool = False) -> None:
        """`ordered`: the values come in ascending order already (kept, not copied)."""
        self.values = values if ordered else array("Q", sorted(values))
        bits = min(16, max(1, len(self.values).bit_length() - 4))
        self.shift = 64 - bits
        # starts[p]: the index of the first value whose top bits are p or more.
        self.starts = array(
            "L", (bisect_left(self.values, p << self.shift) for p in range(1 << bits))
        )
        self.starts.append(len(self.values))

    def __contains__(self, digest: object) -> bool:
        if digest.__class__ is not int or not 0 <= digest < 1 << 64:  # type: ignore[operator]
            return False
        return self.found([digest])[0]  # type: ignore[list-item]

    def __len__(self) -> int:
        return len(self.values)

    def found(self, digests: list[int]) -> list[bool]:
        """For each of a page's fingerprints (ints from `intdigest`), whether it is held:
        __contains__ without a call per value."""
        values, starts, shift = self.values, self.starts, self.shift
        found = []
        for digest in digests:
            prefix = digest >> shift
            high = starts[prefix + 1]
            index = bisect_left(values, digest, starts[prefix], high)
            found.append(index < high and values[index] == digest)
        return found


# Up to this many fingerprints a collection's are held as a set (at most ~5 MB): faster
# to ask, and nothing to build.
SET_LIMIT = 50_000


def held_digests(values: array, ordered: bool = False) -> Container[int]:
    """A collection's fingerprints as the client asks them: a set, or SortedDigests."""
    return frozenset(values) if len(values) <= SET_LIMIT else SortedDigests(values, ordered)


def held_found(held: Container[int], digests: list[int]) -> list[bool]:
    """Which of `digests` are in `held` (a SortedDigests, or any container)."""
    if held.__class__ is SortedDigests:
        return held.found(digests)  # type: ignore[attr-defined]
    return [digest in held for digest in digests]


class SisUnchanged(NamedTuple):
    """A row whose fingerprint the engine holds: it is stored exactly as the SIS sends
    it. `raw` is the row itself, for the engine to convert after all when it must."""

    sourced_id: str
    sis_digest: str
    raw: Any  # the row's JSON (bytes-like)
    entity: Entity
    email: str = ""  # a person's
    agent_sourced_ids: tuple[str, ...] = ()  # a person's
    student_sourced_ids: tuple[str | None, ...] = ()  # a parent contact's


class _Key(msgspec.Struct):
    sourcedId: Any = None


class _UserKey(msgspec.Struct):
    sourcedId: Any = None
    email: Any = None
    agents: Any = None


_PAGE = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ROWS = msgspec.json.Decoder(list[msgspec.Raw])
_KEY = msgspec.json.Decoder(_Key)
_USER_KEY = msgspec.json.Decoder(_UserKey)
_KEYS = msgspec.json.Decoder(list[_Key])
_USER_KEYS = msgspec.json.Decoder(list[_UserKey])


def raw_ident(raw: Any) -> Any:
    """What a split row is compared by (the pager's repeated-page guard compares parsed
    rows by sourcedId): its sourcedId, else its bytes."""
    (key,) = row_keys([raw], users=False)
    return (key.sourcedId if key is not None else None) or bytes(raw)


class RowList(list):
    """A split page's rows (each a msgspec.Raw: the row's own JSON bytes). `nul`: whether
    the page has a NUL character anywhere; `envelope`: the bytes of the page's row array,
    for decoding every row's key fields in one call (a slice is a plain list: its rows
    are looked at one by one)."""

    nul = True
    envelope: Any = None


def row_keys(rows: list, *, users: bool) -> list[Any]:
    """The key fields of each row (`_UserKey` or `_Key`; None for a row that is not an
    object): decoded for the whole page in one call where the page allows it."""
    envelope = getattr(rows, "envelope", None)
    if envelope is not None:
        try:
            return (_USER_KEYS if users else _KEYS).decode(envelope)
        except (msgspec.DecodeError, msgspec.ValidationError):
            pass  # a row that is not an object: row by row below
    decoder = _USER_KEY if users else _KEY
    keys = []
    for raw in rows:
        try:
            keys.append(decoder.decode(raw))
        except (msgspec.DecodeError, msgspec.ValidationError):
            keys.append(None)
    return keys


@dataclass(slots=True)
class SplitRows:
    rows: list[msgspec.Raw]


def split_rows(body: bytes, envelopes: tuple[str, ...]) -> RowList | None:
    """The rows of a {"<envelope>": [...]} page; None for anything else (the caller parses
    it as before and says what is wrong with it)."""
    try:
        page = _PAGE.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    for key in envelopes:
        value = page.get(key)
        if value is None:
            continue
        try:
            raws = _ROWS.decode(value)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue  # not a list: the parsed path looks at the other keys
        rows = RowList(raws)
        rows.nul = JSON_NUL in body
        rows.envelope = value
        return rows
    return None


def page_split(response: requests.Response, envelopes: tuple[str, ...]) -> Any:
    """SplitRows for a page in the usual envelope, else the parsed JSON (response_json,
    which also diagnoses HTML, login pages and truncation)."""
    if "html" not in response.headers.get("Content-Type", "").lower():
        rows = split_rows(response.content, envelopes)
        if rows is not None:
            return SplitRows(rows)
    return response_json(response)


def fingerprint(raw: Any, seed: int, context: Any = None) -> int:
    """A row's fingerprint; `context`, when given, is what else the row's record depends
    on (a contact's place among its student's agents)."""
    digest = xxhash.xxh3_64_intdigest(raw, seed)
    if context is not None:
        digest = xxhash.xxh3_64_intdigest(repr(context).encode(), digest)
    return digest


intdigest = xxhash.xxh3_64_intdigest  # a row's fingerprint without context


def hex16(digest: int) -> str:
    """A fingerprint as records carry it and rows store it: 16 hex digits."""
    return f"{digest:016x}"


NO_DIGESTS = KnownDigests(seed=0, digests=frozenset())

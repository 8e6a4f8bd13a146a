"""SIS row fingerprints (sis/fingerprints.py): pages split into rows' own bytes, records
carrying their row's fingerprint, and rows the caller holds handed over unconverted."""

import dataclasses
import random
from array import array

import orjson
import pytest

from sis.fingerprints import (
    SET_LIMIT,
    KnownDigests,
    SisUnchanged,
    SortedDigests,
    held_digests,
    held_found,
    raw_ident,
    row_keys,
    split_rows,
)
from sis.records import Entity
from tests.sis.sandbox_clients import read_all, sandbox_client

SEED = 12345


def _known(records, seed: int = SEED) -> KnownDigests:
    return KnownDigests(seed=seed, digests={int(r.sis_digest, 16) for r in records if r.sis_digest})


def test_a_page_splits_into_its_rows_and_anything_else_is_left_to_the_parser():
    body = orjson.dumps({"users": [{"sourcedId": "1", "x": [1]}, {"sourcedId": "2"}, 7]})
    rows = split_rows(body, ("users",))
    assert [bytes(r) for r in rows] == [
        b'{"sourcedId":"1","x":[1]}',
        b'{"sourcedId":"2"}',
        b"7",
    ]
    # Each row's keys: in one call for the page, row by row for a slice of it.
    for part in (rows, list(rows)):
        keys = row_keys(part, users=True)
        assert [k.sourcedId if k else None for k in keys] == ["1", "2", None]
    assert [k.sourcedId for k in row_keys(rows[:2], users=False)] == ["1", "2"]
    # The repeated-page guard compares split rows by sourcedId, else by their bytes.
    assert [raw_ident(r) for r in rows] == ["1", "2", b"7"]
    assert split_rows(b"[1, 2]", ("users",)) is None
    assert split_rows(b'{"users": {"a": 1}}', ("users",)) is None
    assert split_rows(b'{"users": [', ("users",)) is None


@pytest.mark.parametrize("entity", [Entity.STUDENTS, Entity.ENROLLMENTS, Entity.CLASSES])
def test_records_are_the_same_with_fingerprints_and_held_rows_come_unconverted(sandbox_sis, entity):
    with sandbox_client(sandbox_sis) as client:
        plain, _ = read_all(client, entity)
    with sandbox_client(sandbox_sis) as client:
        first, _ = read_all(client, entity, known=KnownDigests(seed=SEED, digests=set()))
    assert first == plain and all(r.sis_digest for r in first)
    with sandbox_client(sandbox_sis) as client:
        again, _ = read_all(client, entity, known=_known(first))
    assert all(type(r) is SisUnchanged for r in again)
    assert [(r.sourced_id, r.sis_digest) for r in again] == [
        (r.sourced_id, r.sis_digest) for r in first
    ]
    with sandbox_client(sandbox_sis) as client:
        other_seed, _ = read_all(client, entity, known=_known(first, seed=SEED + 1))
    assert other_seed == plain  # another seed: nothing is held, everything converts


def test_an_unchanged_row_converts_after_all_into_its_own_record(sandbox_sis):
    with sandbox_client(sandbox_sis) as client:
        first, _ = read_all(client, Entity.STUDENTS, known=KnownDigests(SEED, set()))
        again, _ = read_all(client, Entity.STUDENTS, known=_known(first))
        records, problems, warnings = client.convert_unchanged(again[:3])
    assert records == first[:3] and not problems and not warnings
    assert [r.sis_digest for r in records] == [r.sis_digest for r in first[:3]]
    assert again[0].email == first[0].email
    assert again[0].agent_sourced_ids == first[0].agent_sourced_ids


def test_a_contact_is_held_only_while_its_students_agents_are_the_same(sandbox_sis):
    with sandbox_client(sandbox_sis) as client:
        read_all(client, Entity.STUDENTS)
        contacts, _ = read_all(client, Entity.CONTACTS, known=KnownDigests(SEED, set()))
        held = _known(contacts)
        again, _ = read_all(client, Entity.CONTACTS, known=held)
        assert all(type(r) is SisUnchanged for r in again if r.sourced_id.startswith("CNT_"))
        contact = next(c for c in contacts if c.order == 1 and c.student_sourced_id)
        student = contact.student_sourced_id
        client._agents[student] = tuple(reversed(client._agents[student]))  # reordered
        reordered, _ = read_all(client, Entity.CONTACTS, known=held)
    mine = [r for r in reordered if r.sourced_id == contact.sourced_id]
    assert mine and type(mine[0]) is not SisUnchanged
    assert mine[0] == dataclasses.replace(contact, order=mine[0].order, primary=mine[0].primary)


def test_rows_cleaned_of_nul_characters_are_never_held(sandbox_sis_factory):
    sis = sandbox_sis_factory(students=30, seed=7, behaviours={"dirty_text": True})
    with sandbox_client(sis) as client:
        pages = list(client.iter_pages(Entity.STUDENTS, known=KnownDigests(SEED, set())))
        dirty = {w.sourced_id for page in pages for w in page.warnings if w.code == "nul_stripped"}
        records = [r for page in pages for r in page.records]
        assert dirty and all(not r.sis_digest for r in records if r.sourced_id in dirty)
        again, _ = read_all(client, Entity.STUDENTS, known=_known(records))
    assert all(type(r) is not SisUnchanged for r in again if r.sourced_id in dirty)


def test_sorted_digests_hold_exactly_the_fingerprints_given():
    rng = random.Random(5)
    edges = [0, 1, (1 << 48) - 1, 1 << 48, (1 << 64) - 1, (1 << 63) + 7]
    values = [rng.getrandbits(64) for _ in range(5000)] + edges
    held = SortedDigests(array("Q", values))
    assert len(held) == len(values) and all(v in held for v in values)
    others = {rng.getrandbits(64) for _ in range(5000)} - set(values)
    assert not any(v in held for v in [*others, -1, 1 << 64, "1", None, 2.0])
    # A page's fingerprints asked at once: the same answers, in order.
    page = [*values[:50], *others][:300]
    assert held_found(held, page) == [v in held for v in page] == held_found(set(values), page)
    assert held.found([0, (1 << 64) - 1]) == [0 in values, (1 << 64) - 1 in values]
    for size in (1, 2, 17, 300):  # fewer buckets for fewer values
        few = SortedDigests(array("Q", values[:size]))
        assert all(v in few for v in values[:size]) and not any(v in few for v in others)
        assert few.found([*values[:size], *list(others)[:5]]) == [True] * size + [False] * 5
    assert type(held_digests(array("Q", values[:100]))) is frozenset
    assert type(held_digests(array("Q", range(SET_LIMIT + 1)), ordered=True)) is SortedDigests
    empty = SortedDigests(array("Q"))
    assert not empty and 0 not in empty

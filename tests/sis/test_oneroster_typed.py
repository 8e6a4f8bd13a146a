"""Rows decoded straight into records (sis.oneroster_typed) come out exactly as the
general way (orjson, then sis.oneroster_convert) makes them: the same records, field
types, fingerprints, order and row problems, on well-formed rows and odd ones."""

from __future__ import annotations

import orjson
import pytest

from sis import oneroster_split, oneroster_typed
from sis.fingerprints import KnownDigests, split_rows
from sis.records import Entity
from tests.sis.test_convert_fast_paths import (
    ENTITY_KEYS,
    ODD_VALUES,
    WELL_FORMED,
    assert_same,
    odd_rows,
)

NO_HELD = KnownDigests(seed=7, digests=frozenset())
ROLES = {Entity.TEACHERS: "teacher", Entity.STAFF: "aide", Entity.CONTACTS: "parent",
         Entity.ADMINISTRATORS: "administrator"}  # fmt: skip


def _converted(entity: Entity, rows: list, agents: dict | None = None) -> tuple[list, list]:
    body = orjson.dumps({"users" if entity not in (Entity.ENROLLMENTS, Entity.CLASSES)
                         else entity.value: rows})  # fmt: skip
    envelopes = ("users", entity.value)
    split = split_rows(body, envelopes)
    assert split is not None
    records, problems, warnings = oneroster_split.split_rows_convert(
        entity=entity, rows=split, known=NO_HELD, agents=agents or {}, path="/x"
    )
    assert warnings == []
    return records, problems


def _both_ways(monkeypatch, entity: Entity, rows: list, agents: dict | None = None):
    typed_rows = []
    convert = oneroster_typed.typed_convert

    def counting(typed, raw, digest):
        done = convert(typed, raw, digest)
        typed_rows.append(raw)
        return done

    with monkeypatch.context() as patch:
        patch.setattr(oneroster_split, "typed_convert", counting)
        typed = _converted(entity, rows, agents)
    with monkeypatch.context() as patch:
        patch.setattr(oneroster_split, "TYPED", {})
        general = _converted(entity, rows, agents)
    return typed, general, len(typed_rows)


def one_odd_field(entity: Entity) -> list:
    """A well-formed row with each field in turn left out or given each odd value."""
    row = dict(WELL_FORMED, role=ROLES.get(entity, "student"))
    row = {key: row[key] for key in ENTITY_KEYS[entity] if key in row}
    rows = []
    for key in ENTITY_KEYS[entity]:
        rows.append({k: v for k, v in row.items() if k != key})
        rows.extend(dict(row, **{key: value}) for value in ODD_VALUES)
    return rows


@pytest.mark.parametrize("entity", list(oneroster_typed.TYPED))
def test_each_odd_field_comes_out_as_the_general_way_makes_it(monkeypatch, entity):
    rows = one_odd_field(entity)
    typed, general, fast = _both_ways(monkeypatch, entity, rows)
    assert_same(typed, general)
    assert len(rows) / 4 < fast < len(rows)  # the typed way took each field of some


@pytest.mark.parametrize("entity", list(oneroster_typed.TYPED))
def test_odd_rows_come_out_as_the_general_way_makes_them(monkeypatch, entity):
    rows = odd_rows(entity, 1500, seed=len(entity) + 11)
    typed, general, fast = _both_ways(monkeypatch, entity, rows)
    assert_same(typed, general)
    for record, expected in zip(typed[0], general[0], strict=True):
        assert record.sis_digest == expected.sis_digest != ""
    assert 0 < fast < len(rows)  # both ways were taken on this page


@pytest.mark.parametrize("entity", list(oneroster_typed.TYPED))
def test_well_formed_rows_all_go_the_typed_way(monkeypatch, entity):
    row = dict(WELL_FORMED, role=ROLES.get(entity, "student"))
    rows = [dict(row, sourcedId=f"CNT_{n}_1") for n in range(50)]
    typed, general, fast = _both_ways(monkeypatch, entity, rows, agents={"100": ("CNT_3_1",)})
    assert_same(typed, general)
    assert fast == len(rows) and len(typed[0]) == len(rows)


def test_a_page_with_a_nul_character_goes_the_general_way(monkeypatch):
    rows = [dict(WELL_FORMED, sourcedId=f"CNT_{n}_1", givenName="A\u0000n") for n in range(3)]
    body = orjson.dumps({"enrollments": rows})
    split = split_rows(body, ("enrollments",))
    monkeypatch.setattr(oneroster_split, "typed_convert", pytest.fail)
    records, _, warnings = oneroster_split.split_rows_convert(
        entity=Entity.ENROLLMENTS, rows=split, known=NO_HELD, agents={}, path="/x"
    )
    assert len(records) == 3 and len(warnings) == 3

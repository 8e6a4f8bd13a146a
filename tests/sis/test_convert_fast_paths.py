"""The conversion fast paths give exactly what the careful path gave, odd input included.

reference_convert.py is the OneRoster conversion as it was before the fast paths; every
record, field type and row problem must come out the same, on well-formed rows and on
rows of wrong types, blanks, padding, odd spellings and unparseable dates.
"""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest

from sis import convert_common as common
from sis import oneroster_convert as fast
from sis.paging import RawPage, _fill, _RepeatGuard, _trim_overlap
from sis.records import Entity
from tests.sis import reference_convert as reference


class Odd(str):
    """A str subclass whose str() differs from itself: it must take the careful path."""

    def __str__(self) -> str:
        return "odd"


ODD_VALUES = [
    None, "", "   ", "x", " x ", "TRUE", "True", "true", "yes", " false ", "F", "maybe",
    0, 1, 2, 1.0, 0.0, True, False, [], [""], {}, Odd(" 5 "),
    ["K", " 1 ", "", None, 3, "k", "Grade 3", "-1", "KG"], ["09", "09", "10"], "K, 1,,2",
    {"sourcedId": " 9 "}, {"sourcedId": ""}, {"sourcedId": "  "}, {"sourcedId": 7},
    {"sourcedId": None, "href": "~/ims/oneroster/v1p1/orgs/5/"}, {"href": "/users/8"},
    {"sourcedId": Odd("3")}, [{"sourcedId": "1"}, {"href": "/u/2"}, {"sourcedId": "1"}, "3"],
    [{"sourcedId": "4"}], [{"type": "LDAP", "identifier": " a "}, {"identifier": ""}, "x"],
    "2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123z", "2026-01-02", " 2026-01-02 ",
    "2026-01-02T03:04:05", "2026-01-02T03:04:05+02:00", "02/01/2026", "bad",
    "Active", "active", " TOBEDELETED ", "deleted", "inactive", "Inactive",
    "CNT_100_2", "CNT_100_1", "student", "Student ", "teacher", "parent", "guardian",
    "aide", "administrator", "relative", "proctor", "school", "district",
]  # fmt: skip

ENTITY_KEYS = {
    Entity.ENROLLMENTS: ("sourcedId", "class", "user", "school", "role", "primary",
                         "beginDate", "endDate", "status", "dateLastModified"),
    Entity.STUDENTS: ("sourcedId", "role", "status", "givenName", "familyName", "middleName",
                      "email", "username", "identifier", "userIds", "grades", "orgs",
                      "enabledUser", "dateLastModified", "phone", "sms", "agents"),
    Entity.CONTACTS: ("sourcedId", "role", "agents", "givenName", "familyName", "email",
                      "phone", "sms", "status", "dateLastModified"),
    Entity.CLASSES: ("sourcedId", "title", "classCode", "classType", "school", "course",
                     "terms", "grades", "subjects", "periods", "location", "status",
                     "dateLastModified"),
    Entity.TERMS: ("sourcedId", "startDate", "endDate", "org", "school", "schoolYear",
                   "title", "type", "parent", "status", "dateLastModified"),
    Entity.COURSES: ("sourcedId", "title", "courseCode", "org", "school", "grades",
                     "status", "dateLastModified"),
    Entity.SCHOOLS: ("sourcedId", "type", "name", "identifier", "status", "dateLastModified"),
}  # fmt: skip
ENTITY_KEYS[Entity.TEACHERS] = ENTITY_KEYS[Entity.STAFF] = ENTITY_KEYS[Entity.STUDENTS]
ENTITY_KEYS[Entity.ADMINISTRATORS] = ENTITY_KEYS[Entity.STUDENTS]

WELL_FORMED = {
    "sourcedId": "CNT_100_2", "class": {"sourcedId": "990_1"}, "user": {"sourcedId": "100"},
    "school": {"sourcedId": "990"}, "role": "student", "primary": "false",
    "beginDate": "2026-08-12", "endDate": "2027-06-04", "status": "active",
    "dateLastModified": "2026-06-05T08:29:59Z", "givenName": "Ann", "grades": ["09"],
    "orgs": [{"sourcedId": "990"}], "agents": [{"sourcedId": "100"}], "enabledUser": "true",
    "userIds": [{"type": "StateID", "identifier": "17"}], "terms": [{"sourcedId": "990_F"}],
}  # fmt: skip


def odd_rows(entity: Entity, count: int, seed: int) -> list:
    """Rows that start well formed and have a few fields swapped for odd values."""
    rng = random.Random(seed)
    keys = ENTITY_KEYS[entity]
    rows: list = [None, [], "row", 5]
    for _ in range(count):
        row = {key: WELL_FORMED[key] for key in keys if key in WELL_FORMED}
        for key in rng.sample(keys, rng.randint(0, 4)):
            if rng.random() < 0.15:
                row.pop(key, None)
            else:
                row[key] = rng.choice(ODD_VALUES)
        rows.append(row)
    return rows


def assert_same(got: tuple[list, list], expected: tuple[list, list]) -> None:
    (records, problems), (expected_records, expected_problems) = got, expected
    assert records == expected_records
    for record, expected_record in zip(records, expected_records, strict=True):
        assert type(record) is type(expected_record)
        for name in record.__slots__:
            assert type(getattr(record, name)) is type(getattr(expected_record, name)), name
    assert problems == expected_problems


@pytest.mark.parametrize("entity", list(Entity))
def test_rows_convert_exactly_as_the_careful_path(entity):
    rows = odd_rows(entity, 3000, seed=len(entity))
    expected = reference.oneroster_rows_convert(entity=entity, rows=rows)
    assert_same(fast.oneroster_rows_convert(entity=entity, rows=rows), expected)
    # Again, now that the date, status and grade caches are warm.
    assert_same(fast.oneroster_rows_convert(entity=entity, rows=rows), expected)


@pytest.mark.parametrize("value", ODD_VALUES)
def test_field_helpers_match_the_careful_helpers(value):
    def outcome(function, *args, **kwargs):
        try:
            result = function(*args, **kwargs)
        except (reference.RowError, common.RowError) as exc:
            return ("RowError", exc.field, exc.message)
        except TypeError as exc:  # unhashable values in the careful path's set lookups
            return ("TypeError", str(exc))
        return (result, type(result))

    for name in ("text", "ref_id", "ref_ids", "text_list"):
        assert outcome(getattr(common, name), value) == outcome(getattr(reference, name), value)
    for default in (True, False, None):
        assert outcome(common.flag, value, default=default) == outcome(
            reference.flag, value, default=default
        )
    for _ in range(2):  # the first call fills the cache, the second reads it
        assert outcome(common.parse_datetime, value) == outcome(reference.parse_datetime, value)
        for field in ("beginDate", "endDate"):
            assert outcome(common.parse_date, value, field=field) == outcome(
                reference.parse_date, value, field=field
            )
        row = {"status": value, "grades": value, "sourcedId": value}
        assert outcome(fast._status, row) == outcome(reference._status, row)
        assert outcome(fast._grades, value) == outcome(reference._grades, value)
        assert outcome(common.required, row, "sourcedId") == outcome(
            reference.required, row, "sourcedId"
        )


def test_a_cached_date_keeps_each_fields_error_and_values_are_shared_safely():
    with pytest.raises(common.RowError) as caught:
        common.parse_date("15/08/2026", field="startDate")
    with pytest.raises(common.RowError) as again:
        common.parse_date("15/08/2026", field="endDate")
    assert (caught.value.field, again.value.field) == ("startDate", "endDate")
    first = common.parse_datetime("2026-01-02T03:04:05Z")
    assert common.parse_datetime("2026-01-02T03:04:05Z") is first  # immutable, so shared
    assert isinstance(first, datetime) and common.parse_date("2026-01-02", field="x") == date(
        2026, 1, 2
    )


def test_the_date_caches_stay_bounded(monkeypatch):
    monkeypatch.setattr(common, "_CACHE_LIMIT", 5)
    for day in range(1, 29):
        assert common.parse_date(f"2026-02-{day:02d}", field="d") == date(2026, 2, day)
        assert common.parse_datetime(f"2026-02-{day:02d}T00:00:00Z").day == day
    assert len(common._DATES) <= 5 and len(common._DATETIMES) <= 5


def _page(rows):
    return RawPage(rows, 0, None, None, "/x")


def _reference_guard_raises(pages) -> list[bool]:
    """The guard as it was: the full list of keys of each page against the previous one."""
    previous, raised = None, []
    for rows in pages:
        keys = [row.get("sourcedId") or row if isinstance(row, dict) else row for row in rows]
        raised.append(bool(keys) and keys == previous)
        previous = keys
    return raised


def test_repeat_guard_raises_exactly_where_the_full_comparison_did():
    a = [{"sourcedId": str(i)} for i in range(5)]
    same_ends = [a[0], {"sourcedId": "x"}, a[2], a[3], a[4]]
    copies = [dict(row) for row in a]
    no_ids = [{"name": "n"}, {"sourcedId": ""}, 3, "s"]
    sequences = [
        [a, same_ends], [a, copies], [a, a[:4]], [[], []], [no_ids, [dict(r) if isinstance(
            r, dict) else r for r in no_ids]], [a, [], a], [no_ids, a, same_ends, same_ends],
        [[1], [1.0]], [[{"sourcedId": None}], [{"sourcedId": None}]],
    ]  # fmt: skip
    for pages in sequences:
        guard, raised = _RepeatGuard(), []
        for rows in pages:
            try:
                guard.check(_page(rows))
                raised.append(False)
            except Exception:
                raised.append(True)
        assert raised == _reference_guard_raises(pages), pages


def test_pages_rebuilt_from_a_slice_are_converted_again():
    page = RawPage([{"sourcedId": "1"}, {"sourcedId": "2"}], 0, 2, None, "/x", converted="old")
    assert _trim_overlap(page, 1).converted is None
    assert _trim_overlap(page, 0) is page

    def fetch(offset, limit):
        return RawPage([{"sourcedId": "1"}, {"sourcedId": "2"}], offset, 2, None, "/x", "old")

    filled = list(_fill(fetch, _RepeatGuard(), start=0, stop=1))
    assert [p.converted for p in filled] == [None] and len(filled[0].rows) == 1

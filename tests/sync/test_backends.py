"""The write backends (rostering/sync/backends): the same results on either database."""

import pytest
from django.db import connection as db
from django.utils import timezone

from rostering.models import Course, PersonSchool
from rostering.sync.backends import write_backend
from rostering.sync.backends.postgres import PostgresBackend
from rostering.sync.backends.sqlite import SqliteBackend
from rostering.sync.classes import COURSE
from tests.factories import DistrictFactory, PersonFactory, SchoolFactory
from tests.sync.helpers import StatementLog

pytestmark = pytest.mark.django_db


def _courses(district_id: int, ids, title: str = "Course {i}") -> list[list]:
    now = timezone.now()
    return [
        [
            district_id,
            f"c{i}",
            "active",
            f"h{i}",
            now,
            now,
            title.format(i=i),
            "",
            None,
            ["05"],
            1,
            "",
        ]
        for i in ids
    ]


def test_the_backend_is_the_database_s():
    expected = PostgresBackend if db.vendor == "postgresql" else SqliteBackend
    assert type(write_backend()) is expected


def test_upsert_inserts_then_updates_all_but_the_fixed_columns():
    district, backend = DistrictFactory(), write_backend()
    returned = backend.upsert(COURSE, _courses(district.pk, range(3)), returning=("sourced_id",))
    assert sorted(r[0] for r in returned) == ["c0", "c1", "c2"]
    created_at = Course.objects.get(sourced_id="c1").created_at

    later = _courses(district.pk, range(1, 4), title="Renamed {i}")
    backend.upsert(COURSE, later)
    titles = dict(Course.objects.values_list("sourced_id", "title"))
    assert titles == {"c0": "Course 0", "c1": "Renamed 1", "c2": "Renamed 2", "c3": "Renamed 3"}
    course = Course.objects.get(sourced_id="c1")
    assert course.created_at == created_at and course.grades == ["05"]


def test_insert_new_writes_rows_known_to_be_new():
    district, backend = DistrictFactory(), write_backend()
    log = StatementLog()
    with db.execute_wrapper(log):
        backend.insert_new(COURSE, _courses(district.pk, range(5)))
    assert Course.objects.filter(district=district).count() == 5
    statements = [q["sql"].split()[0] for q in log.captured_queries if "course" in q["sql"]]
    # PostgreSQL: one COPY straight into the table, no staging; SQLite: one INSERT.
    assert statements == (["COPY"] if db.vendor == "postgresql" else ["INSERT"])


def test_select_in_reads_every_value_across_chunks():
    district, backend = DistrictFactory(), write_backend()
    backend.insert_new(COURSE, _courses(district.pk, range(6_000)))
    wanted = [f"c{i}" for i in range(0, 6_000, 1)] + ["missing"]
    found = backend.select_in(
        sql="SELECT sourced_id FROM rostering_course WHERE district_id = %s "
        "AND sourced_id IN ({marks})",
        params=[district.pk],
        values=wanted,
    )
    assert len(found) == 6_000
    ids = [pk for (pk,) in Course.objects.values_list("pk")[:7]]
    found_ids = backend.select_in(sql="SELECT id FROM rostering_course WHERE id IN ({marks})",
                                  params=[], values=ids)  # fmt: skip
    assert sorted(r[0] for r in found_ids) == sorted(ids)


def test_link_rows_insert_and_upsert_without_a_spec():
    person, school = PersonFactory(), SchoolFactory()
    backend = write_backend()
    backend.rows_insert_new(table="rostering_personschool", columns=("person_id", "school_id"),
                            rows=[(person.pk, school.pk)])  # fmt: skip
    backend.rows_upsert(table="rostering_personschool", columns=("person_id", "school_id"),
                        rows=[(person.pk, school.pk)], conflict=("person_id", "school_id"),
                        update=())  # fmt: skip
    assert PersonSchool.objects.filter(person=person, school=school).count() == 1


def test_progress_from_other_threads_only_where_the_database_allows_it():
    backend = write_backend()
    assert backend.threads_write_progress is (db.vendor == "postgresql")
    assert backend.draws_ids is (db.vendor == "postgresql")


def test_digests_read_gives_the_stored_fingerprints_as_numbers_in_order():
    district, backend = DistrictFactory(), write_backend()
    values = [0, 1, 0xFF, 1 << 48, (1 << 63) + 5, (1 << 64) - 1, 0x0123456789ABCDEF]
    for i, value in enumerate(reversed(values)):
        PersonFactory(district=district, sourced_id=f"p{i}", sis_digest=f"{value:016x}abcd")
    PersonFactory(district=district, sourced_id="none", sis_digest="")  # not written so
    digests, ordered = backend.digests_read(
        column="substr(sis_digest, 1, 16)",
        from_where="FROM rostering_person WHERE district_id = %s AND sis_digest <> ''",
        params=[district.pk],
    )
    assert ordered and list(digests) == sorted(values)
    empty, _ = backend.digests_read(
        column="substr(sis_digest, 1, 16)",
        from_where="FROM rostering_person WHERE district_id = %s AND sis_digest = 'x'",
        params=[district.pk],
    )
    assert len(empty) == 0


def test_cached_adapter_adapts_each_value_once_and_equal_values_alike():
    from datetime import UTC, datetime, timedelta, timezone

    from rostering.sync.backends.base import cached_adapter

    calls = []
    adapt = cached_adapter(lambda value: calls.append(value) or value.isoformat())
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    same_instant = now.astimezone(timezone(timedelta(hours=-8)))
    assert [adapt(v) for v in (now, now, None, now, same_instant)] == [
        "2026-12-07T10:00:00+00:00", "2026-12-07T10:00:00+00:00", None,
        "2026-12-07T10:00:00+00:00", "2026-12-07T10:00:00+00:00",
    ]  # fmt: skip
    assert calls == [now]
    later = now + timedelta(days=1)
    assert adapt(later) == "2026-12-08T10:00:00+00:00" and calls == [now, later]


def test_sqlite_json_text_reads_back_as_the_value():
    import json

    from rostering.sync.backends.sqlite import _json_text

    for value in (["05", "KG"], ("09", "10"), {"a": [1, None]}, "é", None, []):
        expected = list(value) if isinstance(value, tuple) else value
        assert json.loads(_json_text(value)) == expected
    assert json.loads(_json_text({1: "x"})) == {"1": "x"}  # orjson refuses: Django's way

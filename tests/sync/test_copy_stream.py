"""New rows stream through one open COPY per table on PostgreSQL (copy_stream.py)."""

import pytest
from django.db import DatabaseError, transaction
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rostering.models import Course, Enrollment, Person, RunStatus
from rostering.sync import files
from rostering.sync.backends import postgres
from rostering.sync.classes import COURSE
from rostering.sync.copy_stream import copy_streaming, stream_rows
from rostering.sync.enrollments import ENROLLMENT
from rostering.sync.people_rows import FreshPeople
from rostering.sync.rows import RowWriter
from sis.oneroster import OneRosterClient
from sis.records import Entity, SisPage
from tests.factories import DistrictFactory
from tests.sync.helpers import StatementLog, pull, pull_capturing, record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("db.vendor != 'postgresql'", reason="COPY is PostgreSQL's"),
]


def _course_rows(district_id: int, ids: range) -> list[list]:
    now = timezone.now()
    return [
        [district_id, f"c{i}", "active", "h", now, now, f"Course {i}", "", None, "[]", None, ""]
        for i in ids
    ]


def _copies(log: StatementLog) -> list[str]:
    return [q["sql"] for q in log.captured_queries if q["sql"].startswith("COPY")]


def test_batches_share_one_copy_finished_before_the_next_statement():
    district = DistrictFactory()
    log = StatementLog()
    with db.execute_wrapper(log), transaction.atomic(), copy_streaming():
        assert stream_rows(COURSE.table, COURSE.columns, _course_rows(district.pk, range(3)))
        assert stream_rows(COURSE.table, COURSE.columns, _course_rows(district.pk, range(3, 5)))
        assert _copies(log) == []  # still streaming: the COPY is logged when it ends
        assert Course.objects.filter(district=district).count() == 5  # finished first
        assert len(_copies(log)) == 1
        assert stream_rows(COURSE.table, COURSE.columns, _course_rows(district.pk, range(5, 6)))
    assert Course.objects.filter(district=district).count() == 6  # finished by the scope


def test_outside_a_streaming_scope_nothing_is_streamed():
    district = DistrictFactory()
    with transaction.atomic():
        assert not stream_rows(COURSE.table, COURSE.columns, _course_rows(district.pk, range(1)))


def test_an_error_in_the_scope_discards_the_stream_and_the_connection_still_works():
    district = DistrictFactory()
    with pytest.raises(RuntimeError), transaction.atomic(), copy_streaming():
        stream_rows(COURSE.table, COURSE.columns, _course_rows(district.pk, range(4)))
        raise RuntimeError("the writer failed")
    assert not Course.objects.filter(district=district).exists()


def test_a_row_the_database_refuses_fails_the_statement_after_it():
    district = DistrictFactory()
    with pytest.raises(DatabaseError), transaction.atomic(), copy_streaming():
        rows = _course_rows(district.pk, range(2))
        stream_rows(COURSE.table, COURSE.columns, rows + rows)  # the same key twice
        Course.objects.count()
    assert not Course.objects.filter(district=district).exists()


def test_a_pull_streams_each_table_once_and_counts_its_rows(sis, connection, settings):
    settings.SIS_PAGE_SIZE = 100  # enrollments come in many pages
    run, queries = pull_capturing(connection)
    copies = [q["sql"] for q in queries if q["sql"].startswith('COPY "rostering_enrollment"')]
    assert len(copies) == 1
    assert record(run, "enrollments").created == Enrollment.objects.count() > 100


class _EverythingNew:
    def unchanged(self, key, digest):
        return False

    def is_new(self, key):
        return True


def test_a_refused_stream_fails_its_file_only(sis, connection, monkeypatch):
    pull(connection)
    # The enrollments writer believes every row new: its stream repeats existing keys,
    # and the database refuses the COPY when it ends.
    load_known = RowWriter.known_load

    def known(writer):
        return _EverythingNew() if writer.spec is ENROLLMENT else load_known(writer)

    monkeypatch.setattr(RowWriter, "known_load", known)
    monkeypatch.setattr(files, "stored_digests", lambda **_: None)  # every row compared
    run = pull(connection)
    enrollments = record(run, "enrollments")
    assert enrollments.status == RunStatus.ERROR
    assert enrollments.message.startswith("The database refused the import (duplicate key")
    assert record(run, "classes").status != RunStatus.ERROR
    assert Enrollment.objects.count() == Enrollment.objects.values("sourced_id").distinct().count()


def test_people_drawn_ids_come_in_blocks_and_each_person_is_fresh_once():
    fresh = FreshPeople(enabled=True)
    assert fresh.takes("p1") and not fresh.takes("p1")
    with CaptureQueriesContext(db) as queries:
        first, second = fresh.draw(3), fresh.draw(2)
    assert len(queries) == 1 and len(set(first + second)) == 5
    assert not FreshPeople(enabled=False).takes("p2")


def test_a_person_in_two_role_files_is_created_once_then_updated(sis, connection, monkeypatch):
    seen_teachers = []
    iter_pages = OneRosterClient.iter_pages

    def pages(self, entity, *, since=None, **fingerprints):
        for page in iter_pages(self, entity, since=since, **fingerprints):
            if entity == Entity.TEACHERS:
                seen_teachers.extend(page.records[:1])
            yield page
        if entity == Entity.ADMINISTRATORS:  # the staff file reads teachers first
            yield SisPage(entity, seen_teachers[:1], total=1)

    monkeypatch.setattr(OneRosterClient, "iter_pages", pages)
    run = pull(connection)
    assert record(run, "staff").status == RunStatus.COMPLETED_WITH_ERROR  # its bad rows only
    teacher = Person.objects.get(sourced_id=seen_teachers[0].sourced_id)
    assert teacher.schools.exists()


def test_a_first_load_is_analyzed_so_the_next_pull_looks_rows_up_by_index(
    sis, connection, monkeypatch
):
    """The tables a file loaded a large share of are analyzed once it is committed (the
    next pull's look-ups by sourcedId were planned as scans without statistics); a pull
    that loads nothing new analyzes nothing."""
    monkeypatch.setattr(postgres, "ANALYZE_AFTER_ROWS", 50)  # the sandbox district is small

    def analyzed(queries) -> set[str]:
        return {q["sql"].split('"')[1] for q in queries if q["sql"].startswith("ANALYZE")}

    first = analyzed(pull_capturing(connection)[1])
    assert {Person._meta.db_table, Enrollment._meta.db_table} <= first
    assert analyzed(pull_capturing(connection)[1]) == set()

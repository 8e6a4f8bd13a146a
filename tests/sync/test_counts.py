"""Counts that explain themselves: each part of a file, and why rows were skipped."""

import pytest

from rostering.models import SisSchool, SyncSettings
from rostering.schools import sis_school_map
from rostering.sync.counts import (
    SKIP_EXISTING_ACCOUNT,
    SKIP_LINKED_NOT_IMPORTED,
    SKIP_REASONS,
    SKIP_SCHOOL_NOT_MAPPED,
    SKIP_TOBEDELETED,
    Counts,
)
from tests.sync.helpers import pull, record

pytestmark = pytest.mark.django_db


def test_the_students_file_counts_students_and_parent_contacts_apart(connection):
    students = record(pull(connection), "students")
    parts = students.part_counts
    assert set(parts) == {"students", "parent contacts"}
    assert parts["students"]["received"] + parts["parent contacts"]["received"] == students.received
    assert parts["students"]["created"] > 100 and parts["parent contacts"]["created"] > 100
    assert sum(p["skipped"] for p in parts.values()) == students.skipped


def test_skipped_rows_say_why(sis, connection):
    for sis_school in SisSchool.objects.filter(connection=connection).order_by("pk")[1:]:
        sis_school_map(sis_school=sis_school, school=None, actor=None)  # one left mapped
    run = pull(connection)
    students, enrollments = record(run, "students"), record(run, "enrollments")
    assert students.skipped_reasons[SKIP_SCHOOL_NOT_MAPPED] > 0
    assert sum(students.skipped_reasons.values()) == students.skipped
    assert enrollments.skipped_reasons[SKIP_SCHOOL_NOT_MAPPED] > 0
    assert set(enrollments.skipped_reasons) <= set(SKIP_REASONS)


def test_existing_accounts_left_alone_are_counted_as_such(sis, connection):
    pull(connection)
    SyncSettings.objects.filter(connection=connection).update(existing_accounts="skip")
    changed = sis.mutate(10)
    students = record(pull(connection), "students")
    assert students.skipped_reasons[SKIP_EXISTING_ACCOUNT] >= len(changed["grade_changed"])


def test_counts_add_up_with_their_reasons():
    a, b = Counts(received=3), Counts(received=2)
    a.skip(SKIP_TOBEDELETED)
    b.skip(SKIP_TOBEDELETED, 2)
    b.skip(SKIP_LINKED_NOT_IMPORTED)
    a.add(b)
    assert (a.received, a.skipped) == (5, 4)
    assert a.skipped_by == {SKIP_TOBEDELETED: 3, SKIP_LINKED_NOT_IMPORTED: 1}
    assert a.as_dict()["skipped_by"] == a.skipped_by

"""Links between roster rows have no database constraint (ENGINE_LINK in
models/classes.py): the import verifies them before a file commits, and deleting a
row through Django still deletes the rows that link to it."""

import pytest

from rostering.models import Enrollment, Guardian, Person, RunStatus, Section
from rostering.sync import enrollments, guardians
from tests.sync.helpers import pull, record

pytestmark = pytest.mark.django_db


def _with_a_vanished_row(module, monkeypatch, *, table: str):
    """The module's id_map, with one id of `table` pointing at no row (a row deleted
    between the lookup and the write)."""
    real = module.id_map

    def id_map(**kwargs):
        ids = real(**kwargs)
        if kwargs["table"] == table and ids:
            ids[next(iter(ids))] = 10**12
        return ids

    monkeypatch.setattr(module, "id_map", id_map)


def test_enrollment_naming_a_missing_class_rolls_the_file_back(sis, connection, monkeypatch):
    _with_a_vanished_row(enrollments, monkeypatch, table=Section._meta.db_table)
    run = pull(connection)
    enrolled = record(run, "enrollments")
    assert enrolled.status == RunStatus.ERROR
    assert "enrollment rows written by this import name 1 class id(s) that are not in" in (
        enrolled.message
    )
    assert not Enrollment.objects.exists()
    assert Section.objects.exists()  # the classes file before it landed


def test_contact_naming_a_missing_student_rolls_the_file_back(sis, connection, monkeypatch):
    _with_a_vanished_row(guardians, monkeypatch, table=Person._meta.db_table)
    run = pull(connection)
    students = record(run, "students")
    assert students.status == RunStatus.ERROR
    assert "guardian rows written by this import name 1 student id(s)" in students.message
    assert not Guardian.objects.exists()
    assert not Person.objects.filter(role="student").exists()
    assert Person.objects.filter(role="teacher").exists()


def test_a_clean_pull_passes_the_check_and_deleting_rows_takes_their_links(sis, connection):
    run = pull(connection)
    assert {r.status for r in run.records.all()} <= {
        RunStatus.COMPLETED,
        RunStatus.COMPLETED_WITH_ERROR,
    }
    assert Guardian.objects.exists()
    assert Enrollment.objects.filter(role="student").exists()
    Person.objects.filter(role="student").delete()  # through Django's cascade
    assert not Guardian.objects.exists()
    assert not Enrollment.objects.filter(role="student").exists()
    assert Enrollment.objects.filter(role="teacher").exists()
    Section.objects.all().delete()
    assert not Enrollment.objects.exists()

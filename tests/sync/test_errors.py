"""ERROR: the SIS could not be read. Nothing of that file is written, and the run says why."""

import pytest
from django.db import DatabaseError

from rostering.models import Enrollment, Guardian, Person, RunStatus, Section
from rostering.sync import files
from rostering.sync.classes import section_writer
from rostering.sync.files import DATABASE_FAILED
from sis.errors import BAD_CREDENTIALS_MESSAGE
from tests.sync.helpers import pull, record, statuses

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_pages_fast_failures(settings):
    settings.SIS_PAGE_SIZE = 50
    settings.SIS_READ_TIMEOUT = 1.0
    settings.SIS_MAX_RETRY_SECONDS = 2.0


def test_wrong_secret_is_error_and_writes_nothing(connection):
    connection.client_secret = "not-the-secret"
    connection.save()
    run = pull(connection)
    assert run.status == RunStatus.ERROR
    assert BAD_CREDENTIALS_MESSAGE.split(";")[0] in run.message
    assert "not-the-secret" not in run.message
    assert not Person.objects.exists()


def test_missing_permission_fails_that_file_only(sis, connection):
    sis.set_permission("master_schedule", False)
    run = pull(connection)
    assert run.status == RunStatus.ERROR
    assert statuses(run)["classes"] == RunStatus.ERROR
    assert "Master Schedule" in record(run, "classes").message
    assert statuses(run)["enrollments"] == RunStatus.ERROR
    assert "classes could not be" in record(run, "enrollments").message
    assert statuses(run)["students"] == RunStatus.COMPLETED_WITH_ERROR  # its bad rows only
    assert Person.objects.filter(role="student").exists()
    assert not Section.objects.exists() and not Enrollment.objects.exists()


# The true message of each fault (never "cannot connect … reachable from the internet").
BROKEN_PAGE_MESSAGES = {
    "malformed": "/students answered with malformed JSON (twice in a row)",
    "truncate": "The answer from /aeries/ims/oneroster/v1p1/students was cut off after ",
    "timeout": "did not answer in time (1 s)",
}


@pytest.mark.parametrize("kind", ["malformed", "truncate", "timeout"])
def test_broken_page_mid_file_writes_nothing_of_that_file(sis, connection, kind):
    sis.set_faults(page_faults=[{"kind": kind, "path": "students", "offset": 100, "times": None,
                                 "seconds": 5.0}])  # fmt: skip
    run = pull(connection)
    students = record(run, "students")
    assert students.status == RunStatus.ERROR, students.message
    assert BROKEN_PAGE_MESSAGES[kind] in students.message
    assert not students.message.startswith("Cannot connect")
    assert not Person.objects.filter(role="student").exists()  # pages 1-2 were not kept
    assert Person.objects.filter(role="teacher").exists()  # the staff file landed
    assert students.created == 0


@pytest.mark.parametrize("kind", ["malformed", "truncate"])
def test_a_page_broken_once_is_asked_again_and_costs_nothing(sis, connection, kind):
    sis.set_faults(page_faults=[{"kind": kind, "path": "students", "offset": 100}])
    run = pull(connection)
    students = record(run, "students")
    assert students.status == RunStatus.COMPLETED_WITH_ERROR  # the catalogue's bad rows only
    assert Person.objects.filter(role="student").count() > 150


def test_a_500_on_a_page_is_retried_like_the_other_server_errors(sis, connection):
    sis.set_faults(page_faults=[{"kind": "status", "path": "students", "offset": 50, "times": 2,
                                 "status": 500}])  # fmt: skip
    run = pull(connection)
    assert record(run, "students").status == RunStatus.COMPLETED_WITH_ERROR  # bad rows only
    assert Person.objects.filter(role="student").count() > 150


def test_server_errors_are_retried_then_succeed(sis, connection):
    sis.set_faults(page_faults=[{"kind": "status", "path": "students", "offset": 50, "times": 2,
                                 "status": 503}])  # fmt: skip
    run = pull(connection)
    assert record(run, "students").status == RunStatus.COMPLETED_WITH_ERROR  # bad rows only
    assert Person.objects.filter(role="student").count() > 150


def test_rate_limited_sis_is_honoured(sis, connection):
    sis.set_faults(rate_limit=20)
    run = pull(connection)
    assert run.status == RunStatus.COMPLETED_WITH_ERROR
    assert Person.objects.filter(role="student").count() > 150


def test_unreachable_sis_is_error(connection):
    connection.base_url = "http://127.0.0.1:9/aeries/"
    connection.save()
    run = pull(connection)
    assert run.status == RunStatus.ERROR
    assert run.message and not Person.objects.exists()


def test_unreadable_contacts_mid_file_leave_the_students_written(sis, connection):
    # Parent contacts are read from `users` (role='parent' first): the third page of
    # that pass breaks after two were read (and, on PostgreSQL, already written).
    sis.set_faults(page_faults=[{"kind": "malformed", "path": "users", "offset": 100,
                                 "times": None}])  # fmt: skip
    run = pull(connection)
    students = record(run, "students")
    assert students.status == RunStatus.COMPLETED_WITH_ERROR
    assert students.message.startswith("Parent contacts could not be read and were not imported")
    assert not Guardian.objects.exists()
    imported = Person.objects.filter(role="student").count()
    assert imported > 150
    assert students.created == imported  # the contacts' rows are not counted
    assert not students.issues.filter(code__startswith="contact").exists()
    assert statuses(run)["enrollments"] in (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR)


def test_database_refusing_a_file_fails_that_file_and_those_after_need_it(
    sis, connection, monkeypatch
):
    def refusing_writer(**kwargs):
        writer = section_writer(**kwargs)

        def apply_page(records, problems):
            raise DatabaseError("could not extend file: No space left on device")

        writer.apply_page = apply_page
        return writer

    monkeypatch.setattr(files, "section_writer", refusing_writer)
    run = pull(connection)
    classes = record(run, "classes")
    assert classes.status == RunStatus.ERROR
    assert classes.message == DATABASE_FAILED.format(
        error="could not extend file: No space left on device"
    )
    assert statuses(run)["enrollments"] == RunStatus.ERROR
    assert "classes could not be" in record(run, "enrollments").message
    assert Person.objects.filter(role="student").exists()  # the files before it landed
    assert not Section.objects.exists() and not Enrollment.objects.exists()
    assert run.status == RunStatus.ERROR

"""A first pull, a second pull with nothing changed, and the sandbox's bad rows."""

from collections import Counter

import pytest

from rostering.models import (
    Enrollment,
    Guardian,
    ImportIssue,
    Person,
    RunStatus,
    Section,
)
from tests.sync.helpers import pull, pull_capturing, record, roster_writes

pytestmark = pytest.mark.django_db


def _sandbox_people(sis, role: str) -> list:
    return [p for p in sis.district.people.values() if p.role == role]


def test_first_pull_creates_the_district(sis, connection):
    run = pull(connection)
    assert run.status == RunStatus.COMPLETED_WITH_ERROR  # the sandbox's bad rows
    students = _sandbox_people(sis, "student")
    active = [p for p in students if p.status == "active"]
    failed = {"100004", "100006"}  # grade "14", no given name
    imported = Person.objects.filter(role="student")
    assert imported.count() == len(active) - len(failed & {p.sourced_id for p in active})
    assert not imported.filter(sourced_id__in=failed).exists()
    assert Person.objects.filter(role="teacher").count() == len(_sandbox_people(sis, "teacher"))
    assert Person.objects.filter(role="administrator").exists()
    assert Section.objects.count() > 0 and Enrollment.objects.count() > 0
    assert Guardian.objects.count() > 0
    students_record = record(run, "students")
    assert students_record.created == imported.count() + Guardian.objects.count()
    assert students_record.failed == 2


def test_people_are_written_as_the_sis_has_them(sis, connection):
    pull(connection)
    student = Person.objects.get(sourced_id="100005")  # "Grade 3" is read as grade 03
    assert student.grades == ["03"]
    assert student.password.startswith("!")  # random and unusable: SSO accounts
    assert student.schools.count() == 1
    assert student.sis_school_ids == [student.schools.get().sis_schools.get().sourced_id]
    admin = Person.objects.filter(role="administrator").first()
    assert admin.schools.count() == 0  # district office staff: org "0"


def test_second_pull_with_no_change_writes_nothing(sis, connection):
    _, first = pull_capturing(connection)
    assert len(roster_writes(first)) > 10  # the detector sees real writes
    run, queries = pull_capturing(connection)
    assert roster_writes(queries) == []
    for rec in run.records.all():
        assert rec.created == rec.updated == rec.archived == rec.restored == 0, rec.kind
        assert rec.unchanged > 0, rec.kind


def test_bad_rows_become_issues_and_good_rows_land(sis, connection):
    run = pull(connection)
    issues = Counter(ImportIssue.objects.filter(record__run=run).values_list("code", "sourced_id"))
    expected = {
        ("missing_email", "100001"),  # imported, with a warning
        ("shared_email", "100003"),
        ("invalid_grade", "100004"),
        ("missing_name", "100006"),
        ("unknown_school", None),  # the aide whose org is 997
        ("unknown_class", None),
        ("unknown_user", None),
        ("contact_bad_email", None),
    }
    codes = {code for code, _ in issues}
    for code, sourced_id in expected:
        assert code in codes, code
        if sourced_id:
            assert (code, sourced_id) in issues
    assert Person.objects.filter(sourced_id__in=["100001", "100003"]).count() == 2
    bad_contact = ImportIssue.objects.get(code="contact_bad_email")
    assert Guardian.objects.get(sourced_id=bad_contact.sourced_id).email == ""
    issue = ImportIssue.objects.get(code="invalid_grade", sourced_id="100004")
    assert issue.fix_hint and issue.excerpt["sourced_id"] == "100004"
    assert issue.record.kind == "students" and issue.severity == "error"


def test_clean_district_completes_without_error(sandbox_sis_factory):
    from tests.sync.conftest import connect

    server = sandbox_sis_factory(students=120, seed=3, clean=True)
    run = pull(connect(server))
    assert run.status == RunStatus.COMPLETED, list(run.records.values_list("kind", "message"))
    assert not ImportIssue.objects.filter(severity="error").exists()


def test_class_with_an_unknown_course_lands_with_a_warning(sis, connection):
    pull(connection)
    issue = ImportIssue.objects.get(code="unknown_course")
    assert issue.severity == "warning" and issue.sourced_id == "990_9998"
    assert Section.objects.get(sourced_id="990_9998").course is None
    homerooms = Section.objects.filter(sourced_id__contains="_TN_")
    assert homerooms.exists()  # their TCH_ "course" is Aeries' design, not an issue
    assert not ImportIssue.objects.filter(sourced_id__in=homerooms.values("sourced_id")).exists()


def test_username_collision_is_resolved_deterministically_and_reported(sis, connection):
    from django.utils import timezone

    student = next(p for p in sis.district.people.values() if p.sourced_id == "100010")
    now = timezone.now()
    Person.objects.create(
        district=connection.district, sourced_id="someone-else", role="student",
        given_name="Other", family_name="Person", username=student.username,
        password="!", content_hash="x", created_at=now, updated_at=now,
    )  # fmt: skip
    run = pull(connection)
    imported = Person.objects.get(sourced_id="100010")
    assert imported.username == f"{student.username}.100010"
    issue = ImportIssue.objects.get(record__run=run, code="username_taken")
    assert issue.sourced_id == "100010" and "someone-else" in issue.message
    pull(connection)  # the same resolution on every run, and no new write
    assert Person.objects.get(sourced_id="100010").username == imported.username

"""The change log (rostering/sync/changes.py): what each import did to whom."""

import pytest

from rostering.models import Enrollment, Person, RosterChange, RosterStatus, SyncSettings
from rostering.sync.changes import row_diff
from rostering.sync.classes import COURSE
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db


def _update_and_archive(connection) -> None:
    SyncSettings.objects.filter(connection=connection).update(
        existing_accounts="update", archive_missing=True, archive_threshold_pct=50,
        update_threshold_pct=90,
    )  # fmt: skip


def test_a_first_import_names_itself_on_every_row_and_logs_no_change(connection):
    run = pull(connection)
    assert not RosterChange.objects.exists()
    assert set(Person.objects.values_list("created_run_id", flat=True)) == {run.pk}
    assert set(Enrollment.objects.values_list("created_run_id", flat=True)) == {run.pk}


def test_a_no_change_import_logs_nothing(connection):
    pull(connection)
    pull(connection)
    assert not RosterChange.objects.exists()


def test_updates_archives_and_newcomers_of_an_import_are_told(sis, connection):
    _update_and_archive(connection)
    first = pull(connection)
    changed = sis.mutate(12)
    second = pull(connection)

    for sid in changed["grade_changed"]:
        person = Person.objects.get(sourced_id=sid)
        change = RosterChange.objects.get(run=second, table="person", row_id=person.pk)
        assert change.action == RosterChange.Action.UPDATED
        assert set(change.before) == {"grades", "sis_modified_at"}  # the SIS stamps its change
        assert change.after["grades"] == person.grades
        assert change.record.kind == "students"
    for sid in changed["renamed"]:
        change = RosterChange.objects.get(run=second, table="person", sourced_id=sid)
        assert {"given_name", "family_name"} & set(change.before)
    for sid in changed["left"]:
        change = RosterChange.objects.get(run=second, table="person", sourced_id=sid)
        assert change.action == RosterChange.Action.ARCHIVED
        assert change.after == {
            "status": "archived",
            "archive_reason": "No longer in the SIS roster",
        }
    newcomers = Person.objects.filter(sourced_id__in=changed["new"])
    assert {p.created_run_id for p in newcomers} == {second.pk}
    assert (
        Person.objects.exclude(sourced_id__in=changed["new"])
        .filter(created_run_id=second.pk)
        .count()
        == 0
    )
    assert not RosterChange.objects.filter(run=first).exists()


def test_a_returning_person_is_restored_in_the_log(sis, connection):
    _update_and_archive(connection)
    pull(connection)
    student = Person.objects.filter(role="student").first()
    Person.objects.filter(pk=student.pk).update(status=RosterStatus.ARCHIVED)
    run = pull(connection)
    change = RosterChange.objects.get(run=run, row_id=student.pk)
    assert change.action == RosterChange.Action.RESTORED
    assert change.before["status"] == "archived" and change.after["status"] == "active"


def test_row_diff_compares_stored_values_as_either_database_returns_them():
    row = list(range(len(COURSE.columns)))
    stored = list(row)
    grades, title = COURSE.index("grades"), COURSE.index("title")
    row[grades], stored[grades] = ["05", "06"], '["05", "06"]'  # SQLite returns JSON as text
    row[title] = "Algebra II"
    stored[COURSE.index("updated_at")] = "older"  # bookkeeping is never compared
    assert row_diff(COURSE, stored, row) == ({"title": title}, {"title": "Algebra II"})


def test_approved_held_changes_are_logged_when_they_are_applied(sis, connection):
    from rostering.sync.held import held_changes_approve

    _update_and_archive(connection)
    SyncSettings.objects.filter(connection=connection).update(update_threshold_pct=1)
    pull(connection)
    changed = sis.mutate(40)
    run = pull(connection)
    students = run.records.get(kind="students")
    assert students.held_updates > 0
    regraded = Person.objects.get(sourced_id=changed["grade_changed"][0])
    assert not RosterChange.objects.filter(row_id=regraded.pk, action="updated").exists()
    held_changes_approve(record=students, actor=None)
    change = RosterChange.objects.get(row_id=regraded.pk, action="updated")
    assert change.run_id == run.pk and change.record_id == students.pk
    assert "grades" in change.before

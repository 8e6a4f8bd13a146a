"""SIS changes between pulls: updates, leavers, newcomers; skip vs update; role toggles."""

import pytest

from rostering.models import Enrollment, Person, RosterStatus, SyncSettings
from tests.sync.conftest import connect
from tests.sync.helpers import pull, pull_capturing, record, roster_writes

pytestmark = pytest.mark.django_db


def _archived_guardians() -> int:
    from rostering.models import Guardian

    return Guardian.objects.filter(status=RosterStatus.ARCHIVED).count()


def _settings(connection, **values):
    SyncSettings.objects.filter(connection=connection).update(**values)


def test_mutations_become_updates_archives_and_new_accounts(sis, connection):
    _settings(connection, existing_accounts="update", archive_missing=True)
    pull(connection)
    changed = sis.mutate(8)
    run, queries = pull_capturing(connection)
    students = record(run, "students")
    renamed = [s for s in changed["renamed"] if Person.objects.get(sourced_id=s).role == "student"]
    assert students.created >= len(changed["new"])  # newcomers and their guardians
    assert students.updated == len(renamed) + len(changed["grade_changed"])
    archived_people = Person.objects.filter(status=RosterStatus.ARCHIVED).count()
    assert archived_people == len(changed["left"])
    assert students.archived == archived_people + _archived_guardians()
    assert record(run, "staff").updated == len(changed["renamed"]) - len(renamed)
    for sid in changed["left"]:
        leaver = Person.objects.get(sourced_id=sid)
        assert leaver.status == RosterStatus.ARCHIVED and leaver.archived_at is not None
    for sid in changed["new"]:
        assert Person.objects.get(sourced_id=sid).status == RosterStatus.ACTIVE
    family = {p.sourced_id: p.family_name for p in sis.district.people.values()}
    for sid in changed["renamed"]:
        assert Person.objects.get(sourced_id=sid).family_name == family[sid]
    assert 0 < len(roster_writes(queries)) < 60  # a few batches, not a write per row


def test_skip_leaves_existing_accounts_alone(sis, connection):
    pull(connection)
    changed = sis.mutate(4)
    sid = changed["grade_changed"][0]
    before = Person.objects.get(sourced_id=sid).grades
    run = pull(connection)
    assert Person.objects.get(sourced_id=sid).grades == before
    assert record(run, "students").updated == 0
    assert record(run, "students").skipped >= 1
    _settings(connection, existing_accounts="update")
    run = pull(connection)
    assert Person.objects.get(sourced_id=sid).grades != before
    assert record(run, "students").updated >= 1


def test_leavers_are_archived_only_when_archiving_is_on(sis, connection):
    pull(connection)
    left = sis.mutate(3)["left"]
    pull(connection)
    assert Person.objects.get(sourced_id=left[0]).status == RosterStatus.ACTIVE
    _settings(connection, archive_missing=True)
    run = pull(connection)
    assert Person.objects.get(sourced_id=left[0]).status == RosterStatus.ARCHIVED
    assert Person.objects.filter(status=RosterStatus.ARCHIVED).count() == len(left)
    assert record(run, "students").archived == len(left) + _archived_guardians()


def test_a_returning_person_is_restored_not_duplicated(sis, connection):
    _settings(connection, archive_missing=True)
    pull(connection)
    person = Person.objects.filter(role="student", sourced_id__gt="100020").first()
    original_pk = person.pk
    Person.objects.filter(pk=person.pk).update(status=RosterStatus.ARCHIVED)
    run = pull(connection)
    person.refresh_from_db()
    assert person.pk == original_pk and person.status == RosterStatus.ACTIVE
    assert person.archived_at is None
    assert record(run, "students").restored == 1
    assert Person.objects.filter(sourced_id=person.sourced_id).count() == 1


def test_role_toggles(sis, db):
    connection = connect(sis, sync_teachers=False, sync_staff=False, sync_administrators=False,
                         guardians="off")  # fmt: skip
    run = pull(connection)
    assert set(run.records.values_list("kind", flat=True)) == {"students", "classes", "enrollments"}
    assert not Person.objects.exclude(role="student").exists()
    assert not Enrollment.objects.filter(role="teacher").exists()
    assert Enrollment.objects.filter(role="student").exists()
    assert record(run, "enrollments").failed <= 2  # only the sandbox's two bad enrollments


def test_primary_contacts_only(sis, db):
    connection = connect(sis, guardians=SyncSettings.Guardians.PRIMARY)
    pull(connection)
    from rostering.models import Guardian

    assert Guardian.objects.exists()
    assert not Guardian.objects.filter(primary=False).exists()

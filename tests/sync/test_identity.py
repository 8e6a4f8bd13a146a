"""One person, one account (rostering/sync/identity.py): when sourcedIds change, people
are matched on Aeries' own ids and relinked, not created again and archived."""

import pytest

from rostering.models import (
    Enrollment,
    HeldChange,
    Person,
    PersonAlias,
    RosterChange,
    RosterStatus,
    SyncSettings,
)
from rostering.sync.held import held_changes_approve
from tests.sync.conftest import connect
from tests.sync.helpers import pull, record

pytestmark = pytest.mark.django_db


def _archive_and_update(connection, **values) -> None:
    SyncSettings.objects.filter(connection=connection).update(
        existing_accounts="update", archive_missing=True, **values
    )


def _students() -> dict[str, int]:
    """Aeries Student ID -> account id."""
    return dict(Person.objects.filter(role="student").values_list("aeries_student_id", "pk"))


def test_a_district_whose_sourced_ids_all_change_keeps_every_account(sandbox_sis_factory):
    sis = sandbox_sis_factory(students=60, seed=7)
    connection = connect(sis)
    _archive_and_update(connection)
    pull(connection)
    before = _students()
    assert all(before) and Person.objects.filter(sourced_id="100020").exists()

    sis.set_behaviours(aeries_ids=True)  # STU_<Student ID> from now on
    run = pull(connection)
    students = record(run, "students")
    accounts = students.part_counts["students"]  # (parent contacts are links, not accounts)
    assert accounts["created"] == 0 and accounts["archived"] == 0
    assert accounts["held_archives"] == 0
    assert accounts["held_relinks"] == len(before)
    assert not Person.objects.filter(sourced_id__startswith="STU_").exists()  # nothing yet

    held_changes_approve(record=students, actor=None)
    assert _students() == before  # the same accounts
    assert Person.objects.get(pk=before["100020"]).sourced_id == "STU_100020"
    assert PersonAlias.objects.filter(sourced_id="100020", person_id=before["100020"]).exists()
    assert RosterChange.objects.filter(action="relinked", row_id=before["100020"]).exists()

    again = pull(connection)  # the next import finds nothing to do for them
    again_accounts = record(again, "students").part_counts["students"]
    assert again_accounts["created"] == 0 and again_accounts["held_relinks"] == 0
    active = Person.objects.filter(role="student", status=RosterStatus.ACTIVE)
    assert active.count() == len(before)


def test_relinks_apply_at_once_when_the_connection_says_so(sandbox_sis_factory):
    sis = sandbox_sis_factory(students=60, seed=7)
    connection = connect(sis)
    _archive_and_update(connection, relink_automatically=True)
    pull(connection)
    before = _students()
    sis.set_behaviours(aeries_ids=True)
    run = pull(connection)
    accounts = record(run, "students").part_counts["students"]
    assert accounts["relinked"] == len(before) and accounts["created"] == 0
    assert not HeldChange.objects.filter(kind="relink").exists()
    assert _students() == before
    person = Person.objects.get(pk=before["100020"])
    assert Enrollment.objects.filter(person=person, year_archive__isnull=True,
                                     status=RosterStatus.ACTIVE).exists()  # fmt: skip


def test_switching_the_connection_s_kind_re_keys_nobody(sandbox_sis_factory):
    sis = sandbox_sis_factory(students=60, seed=7, behaviours={"aeries_ids": True})
    connection = connect(sis)  # OneRoster: STU_<id>, TCH_<id>
    _archive_and_update(connection, relink_automatically=True)
    pull(connection)
    people = dict(Person.objects.values_list("pk", "role"))
    staff = dict(Person.objects.exclude(role="student").values_list("aeries_staff_id", "pk"))
    students = _students()

    connection.kind = "aeries_api"  # the native API: plain Student IDs
    connection.save()
    run = pull(connection)
    assert record(run, "students").part_counts["students"]["created"] == 0
    assert record(run, "staff").created == 0
    assert _students() == students
    assert (
        dict(Person.objects.exclude(role="student").values_list("aeries_staff_id", "pk")) == staff
    )
    assert (
        not Person.objects.filter(pk__in=people, status=RosterStatus.ARCHIVED)
        .exclude(sourced_id__in=["100007"])
        .exists()
    )  # nobody archived (but the catalogue's tobedeleted student)
    assert Person.objects.get(pk=students["100020"]).sourced_id == "100020"


def test_two_people_sharing_an_id_are_two_accounts(sandbox_sis_factory):
    sis = sandbox_sis_factory(students=60, seed=7)
    connection = connect(sis)
    _archive_and_update(connection, relink_automatically=True)
    pull(connection)
    with sis.store.lock:  # a second record with the same Aeries Student ID, both listed
        from dataclasses import replace

        twin = replace(sis.district.people["100020"], sourced_id="100020-B",
                       username="twin100020", email="twin@stu.example.org")  # fmt: skip
        sis.district.people[twin.sourced_id] = twin
        sis.store.build()
    run = pull(connection)
    assert Person.objects.filter(sourced_id__in=["100020", "100020-B"]).count() == 2
    assert record(run, "students").relinked == 0

"""One person, one account (rostering/sync/identity.py): when sourcedIds change, people
are matched on Aeries' own ids and relinked, not created again and archived."""

import pytest

from rostering.models import (
    Enrollment,
    Guardian,
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


def _accounts() -> dict[tuple[str, str], int]:
    """(role, Aeries id) -> account id, for everyone: the identity a kind switch keeps."""
    rows = Person.objects.values_list("role", "aeries_student_id", "aeries_staff_id", "pk")
    return {(role, student or staff): pk for role, student, staff, pk in rows}


def _created_archived(run) -> dict[str, tuple[int, int]]:
    """Accounts, classes and their links created and archived (or held for archiving) by
    a run."""
    staff, students, classes, enrollments = (
        record(run, kind) for kind in ("staff", "students", "classes", "enrollments")
    )
    accounts = students.part_counts["students"]
    contacts = students.part_counts["parent contacts"]
    return {
        "staff": (staff.created, staff.archived + staff.held_archives),
        "students": (accounts["created"], accounts["archived"] + accounts["held_archives"]),
        "parent contacts": (contacts["created"], contacts["archived"] + contacts["held_archives"]),
        "classes": (classes.created, classes.archived + classes.held_archives),
        "enrollments": (enrollments.created, enrollments.archived + enrollments.held_archives),
    }


def _links() -> dict[tuple, int]:
    """Each active enrollment (class, person, role) and parent contact (student, name) ->
    its row id: what a re-key keeps."""
    enrollments = Enrollment.objects.filter(status=RosterStatus.ACTIVE).values_list(
        "section_id", "person_id", "role", "pk"
    )
    contacts = Guardian.objects.filter(status=RosterStatus.ACTIVE).values_list(
        "student_id", "given_name", "family_name", "pk"
    )
    return {(*key,): pk for *key, pk in enrollments} | {
        ("contact", *key): pk for *key, pk in contacts
    }


@pytest.mark.parametrize("automatic", [True, False], ids=["relinked at once", "held, approved"])
def test_switching_the_connection_s_kind_and_back_re_keys_nobody(sandbox_sis_factory, automatic):
    sis = sandbox_sis_factory(students=60, seed=7, clean=True, behaviours={"aeries_ids": True})
    connection = connect(sis)  # OneRoster: STU_<id>, TCH_<id>, PAT_<n>
    _archive_and_update(connection, relink_automatically=automatic)
    pull(connection)
    accounts, links = _accounts(), _links()
    assert all(aeries_id for _role, aeries_id in accounts)  # everyone has Aeries' own id
    sourced_ids = dict(Person.objects.values_list("pk", "sourced_id"))
    enrollment_ids = dict(Enrollment.objects.values_list("pk", "sourced_id"))

    for kind in ("aeries_api", "oneroster"):  # the native API (plain Student IDs), and back
        connection.kind = kind
        connection.save()
        run = pull(connection)
        assert set(_created_archived(run).values()) == {(0, 0)}, (kind, _created_archived(run))
        relinks = record(run, "students").part_counts["students"]
        # there: matched on Aeries' ids; back: the former sourcedIds are known aliases
        expected = 60 if kind == "aeries_api" else 0
        assert relinks["relinked" if automatic else "held_relinks"] == expected, kind
        # enrollments and contacts under their new ids are the ones stored (re-keyed); a
        # held relink's keep theirs until the import after the approval
        assert record(run, "enrollments").relinked > 0, kind
        if automatic:
            assert record(run, "students").part_counts["parent contacts"]["relinked"] > 0
            assert "re-keyed" in record(run, "enrollments").message
        else:
            for file in run.records.filter(held_relinks__gt=0):
                held_changes_approve(record=file, actor=None)
            after = pull(connection)  # brings in the links under the approved sourcedIds
            assert set(_created_archived(after).values()) == {(0, 0)}, (kind, "after approval")
        assert _accounts() == accounts, kind  # the same accounts, nobody new
        assert _links() == links, kind  # the same enrollments and contacts, re-keyed
        assert not Person.objects.filter(status=RosterStatus.ARCHIVED).exists(), kind
        assert not Enrollment.objects.filter(status=RosterStatus.ARCHIVED).exists(), kind
        assert not Guardian.objects.filter(status=RosterStatus.ARCHIVED).exists(), kind
        assert not HeldChange.objects.filter(kind="archive").exists(), kind
        # the native API's sourcedId; going back, the OneRoster one is its known alias
        assert Person.objects.get(pk=accounts[("student", "100020")]).sourced_id == "100020"
    aliases = dict(PersonAlias.objects.values_list("sourced_id", "person_id"))
    assert all(aliases.get(sid, pk) == pk for pk, sid in sourced_ids.items())
    assert aliases["STU_100020"] == accounts[("student", "100020")]
    # back on OneRoster, the enrollments carry their OneRoster sourcedIds again
    assert dict(Enrollment.objects.values_list("pk", "sourced_id")) == enrollment_ids


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


def test_a_relinked_account_keeps_its_names_under_a_name_format(sandbox_sis_factory):
    """The template names new accounts; a relinked one is the same account, so it keeps
    its username and e-mail (a name off the template is held as a rename, never applied)."""
    from rostering.rules_settings import name_format_update

    sis = sandbox_sis_factory(students=60, seed=7)
    connection = connect(sis)
    _archive_and_update(connection, relink_automatically=True)
    name_format_update(
        connection=connection,
        actor=None,
        source="test",
        values={
            "student_username": "{first}.{last}",
            "student_email": "{username}@kids.example.org",
        },
    )
    pull(connection)
    numbered, custom = Person.objects.filter(role="student").order_by("sourced_id")[:2]
    numbered_name = f"{numbered.username}7"  # a collision's number: still the template's
    Person.objects.filter(pk=numbered.pk).update(
        username=numbered_name, email=f"{numbered_name}@kids.example.org"
    )
    Person.objects.filter(pk=custom.pk).update(username="their.own.name", email="own@x.org")

    sis.set_behaviours(aeries_ids=True)
    run = pull(connection)
    assert record(run, "students").part_counts["students"]["relinked"] > 0
    numbered.refresh_from_db()
    custom.refresh_from_db()
    assert numbered.sourced_id.startswith("STU_") and custom.sourced_id.startswith("STU_")
    assert (numbered.username, numbered.email) == (
        numbered_name,
        f"{numbered_name}@kids.example.org",
    )
    assert (custom.username, custom.email) == ("their.own.name", "own@x.org")

    after = pull(connection)  # the off-template name: a rename held, not applied
    renames = HeldChange.objects.filter(record__run=after, kind="rename")
    assert set(renames.values_list("sourced_id", flat=True)) == {custom.sourced_id}
    custom.refresh_from_db()
    assert custom.username == "their.own.name"

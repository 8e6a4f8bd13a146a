"""Rows re-keyed (rostering/sync/rekeys.py): what a full import lists under a new
sourcedId that is a row it no longer lists keeps its id and history, against the sandbox
over HTTP; undoing the import puts the old sourcedIds back."""

import pytest

from rostering.imports import sync_run_preview_changes
from rostering.models import (
    Enrollment,
    FieldPin,
    Guardian,
    Person,
    RosterChange,
    RosterStatus,
    Section,
    SyncSettings,
)
from rostering.pins import field_pin
from rostering.sync.held import held_changes_approve
from rostering.sync.rekeys import contact_rule, folded, keyed, pairs_matched
from rostering.undo import sync_run_undo
from tests.sync.conftest import connect
from tests.sync.helpers import pull, pull_capturing, record
from tests.sync.test_undo import _snapshot

pytestmark = pytest.mark.django_db


def _settings(connection, **values) -> None:
    SyncSettings.objects.filter(connection=connection).update(
        existing_accounts="update", archive_missing=True, **values
    )


def _contact(pk, student, given, family, email=""):
    return {"id": pk, "student_id": student, "given_name": given, "family_name": family,
            "email": email}  # fmt: skip


def test_a_key_only_one_old_and_one_new_row_share_pairs_them():
    keys = contact_rule(Guardian).keys
    old = [_contact(1, 7, "José", "Nuñez"), _contact(2, 7, "Ana", "Díaz", "a@x.org"),
           _contact(3, 7, "Ana", "Díaz", "b@x.org"), _contact(4, 8, "", "", "p@x.org"),
           _contact(5, 9, "Kim", "Lee"), _contact(6, 9, "Kim", "Lee")]  # fmt: skip
    new = [_contact(11, 7, " jose ", "NUNEZ"), _contact(12, 7, "Ana", "Diaz", "A@x.org"),
           _contact(13, 7, "Ana", "Diaz", "c@x.org"), _contact(14, 8, "", "", "p@x.org"),
           _contact(15, 9, "Kim", "Lee"), _contact(16, 10, "Sam", "Fox")]  # fmt: skip
    pairs = set(pairs_matched(keyed(old, keys), keyed(new, keys)))
    # a name folded alike; a shared name told apart by the e-mail; a nameless contact by
    # its e-mail; two old contacts of one name prove nothing, nor does another student
    assert pairs == {(1, 11), (2, 12), (4, 14)}
    assert folded("  Zoë  O'Brien ") == "zoe o'brien"


def _homerooms(connection) -> dict[str, int]:
    """Teacher number -> the id of its elementary class."""
    rows = Section.objects.filter(district=connection.district, status=RosterStatus.ACTIVE,
                                  class_type="scheduled", periods=["0"])  # fmt: skip
    return {class_code: pk for class_code, pk in rows.values_list("class_code", "pk")}


def test_classes_whose_ids_change_form_keep_their_rows_and_enrollments(sandbox_sis_factory):
    """Aeries' elementary class ids of 2019-20: 990_990421 became 990_TN_421."""
    sis = sandbox_sis_factory(students=60, seed=7, behaviours={"old_elementary_ids": True})
    connection = connect(sis)
    _settings(connection)
    pull(connection)
    homerooms = _homerooms(connection)
    assert homerooms and all(
        Section.objects.get(pk=pk).sourced_id == f"990_990{number}"
        for number, pk in homerooms.items()
    )
    pinned = Section.objects.get(pk=homerooms[min(homerooms)])
    field_pin(obj=pinned, field="title", value="Room 4 (Ms. Lee)", actor=None)
    enrollments = dict(Enrollment.objects.filter(section_id__in=homerooms.values())
                       .values_list("pk", "section_id"))  # fmt: skip
    before = _snapshot()

    sis.set_behaviours(old_elementary_ids=False)
    run = pull(connection)

    classes = record(run, "classes")
    assert (classes.created, classes.archived, classes.held_archives) == (0, 0, 0)
    assert classes.relinked == len(homerooms)
    assert "re-keyed" in classes.message
    assert _homerooms(connection) == homerooms  # the same rows, under their new ids
    assert all(Section.objects.get(pk=pk).sourced_id == f"990_TN_{number}"
               for number, pk in homerooms.items())  # fmt: skip
    linked = record(run, "enrollments")
    assert (linked.created, linked.archived, linked.held_archives) == (0, 0, 0)
    assert linked.relinked == len(enrollments)
    assert dict(Enrollment.objects.filter(pk__in=enrollments).values_list(
        "pk", "section_id")) == enrollments  # fmt: skip
    pinned.refresh_from_db()
    assert pinned.title == "Room 4 (Ms. Lee)"  # a manager's title survives the new id
    assert FieldPin.objects.get(row_id=pinned.pk).sourced_id == pinned.sourced_id
    change = RosterChange.objects.get(run=run, table="section", row_id=pinned.pk)
    assert change.action == RosterChange.Action.RELINKED
    assert (change.before["sourced_id"], change.after["sourced_id"]) == (
        f"990_990{pinned.class_code}",
        pinned.sourced_id,
    )
    again = pull(connection)  # nothing left to do
    assert record(again, "classes").created == record(again, "classes").relinked == 0
    assert record(again, "enrollments").relinked == 0

    sync_run_undo(run=again, actor=None)
    sync_run_undo(run=run, actor=None)  # the old ids back, the rows as they were
    assert _snapshot() == before


def _links(person: Person) -> dict[str, set]:
    enrollments = Enrollment.objects.filter(person=person, status=RosterStatus.ACTIVE)
    contacts = Guardian.objects.filter(student=person, status=RosterStatus.ACTIVE)
    return {
        "enrollments": set(enrollments.values_list("pk", "sourced_id")),
        "contacts": set(contacts.values_list("pk", "sourced_id")),
    }


def test_a_renumbered_student_keeps_his_enrollments_and_contacts_after_the_approval(sis):
    connection = connect(sis)
    _settings(connection)
    pull(connection)
    old, new = next(iter(sis.renumber(students=["100020"])["renumbered"].items()))
    account = Person.objects.get(sourced_id=old)
    links = _links(account)
    assert links["enrollments"] and links["contacts"]

    waiting = pull(connection)  # the relink waits: the account's links stay as they are
    assert _links(account) == links
    held_changes_approve(record=record(waiting, "students"), actor=None)
    run = pull(connection)  # the links the SIS lists under the new id are the same rows

    after = _links(account)
    assert {pk for pk, _ in after["enrollments"]} == {pk for pk, _ in links["enrollments"]}
    assert {pk for pk, _ in after["contacts"]} == {pk for pk, _ in links["contacts"]}
    assert all(sid.endswith(f"_{new}") for _, sid in after["enrollments"])
    assert all(f"_{new}_" in sid for _, sid in after["contacts"])
    enrollments, contacts = record(run, "enrollments"), record(run, "students")
    assert enrollments.relinked == len(links["enrollments"])
    assert (enrollments.created, enrollments.archived) == (0, 0)
    contacts_part = contacts.part_counts["parent contacts"]
    assert contacts_part["relinked"] == len(links["contacts"])
    assert (contacts_part["created"], contacts_part["archived"]) == (0, 0)


def test_undoing_a_kind_switch_puts_the_old_sourced_ids_back(sandbox_sis_factory):
    sis = sandbox_sis_factory(students=60, seed=7, clean=True, behaviours={"aeries_ids": True})
    connection = connect(sis)
    _settings(connection, relink_automatically=True)
    pull(connection)
    before = _snapshot()
    connection.kind = "aeries_api"
    connection.save()
    _report, files = sync_run_preview_changes(connection=connection, actor=None)
    previewed = {(f.kind, item.action, item.table) for f in files for item in f.lists}
    assert ("enrollments", "relinked", "enrollment") in previewed  # the preview says so
    assert not any(action in ("created", "archived") for _, action, _ in previewed)
    run = pull(connection)
    assert record(run, "enrollments").relinked and not record(run, "enrollments").created
    assert not Enrollment.objects.filter(sourced_id__contains="_STU_").exists()
    assert not Guardian.objects.filter(sourced_id__startswith="PAT_").exists()

    sync_run_undo(run=run, actor=None)

    assert _snapshot() == before


def _rekey_reads(queries) -> list[str]:
    """The reads of stored rows a re-key compares with (rows not created by the run)."""
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and "NOT (" in q["sql"]
            and '"created_run_id"' in q["sql"]]  # fmt: skip


def test_re_keys_read_nothing_on_a_first_import_or_one_that_creates_nothing(sis, connection):
    _settings(connection)
    assert not _rekey_reads(pull_capturing(connection)[1])  # the table held nothing before
    assert not _rekey_reads(pull_capturing(connection)[1])  # nothing created
    sis.mutate(8)  # newcomers: their enrollments and contacts are new rows
    reads = _rekey_reads(pull_capturing(connection)[1])
    # the stored rows of the newcomers alone (by person, by student), not whole tables
    assert len(reads) == 2 and all('"person_id" IN' in r or '"student_id" IN' in r for r in reads)

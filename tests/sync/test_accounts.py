"""Accounts a district can trust (issue 17), where its parts meet: pins through relinks and
merges, undoing an import that relinked or moved people, duplicates by birth date."""

import datetime

import pytest

from connections.models import Connection
from rostering.merge import person_duplicates, person_merge, person_merge_undo
from rostering.models import (
    FieldPin,
    Person,
    PersonAlias,
    PersonSchool,
    RosterStatus,
    SyncSettings,
)
from rostering.pins import field_pin, field_unpin
from rostering.sync.held import held_changes_approve
from rostering.undo import held_approval_undo, sync_run_undo
from tests.factories import PersonFactory
from tests.sync.conftest import connect
from tests.sync.helpers import pull, record

pytestmark = pytest.mark.django_db
BOOKKEEPING = {"updated_at"}


def _trusting(connection, **values) -> None:
    defaults = {"existing_accounts": "update", "archive_missing": True,
                "archive_threshold_pct": 100, "update_threshold_pct": 100}  # fmt: skip
    SyncSettings.objects.filter(connection=connection).update(**{**defaults, **values})


def _accounts() -> dict:
    """Every account as it is (bookkeeping times aside), its former ids, schools, pins."""
    fields = [f.attname for f in Person._meta.concrete_fields if f.attname not in BOOKKEEPING]
    return {
        "people": {r["id"]: r for r in Person.objects.values(*fields)},
        "aliases": set(PersonAlias.objects.values_list("sourced_id", "person_id", "reason")),
        "links": set(PersonSchool.objects.values_list("person_id", "school_id")),
        "pins": set(FieldPin.objects.values_list("table", "row_id", "sourced_id", "field")),
    }


@pytest.fixture
def sis(sandbox_sis_factory):
    return sandbox_sis_factory(students=60, seed=7)


@pytest.mark.parametrize("automatically", [True, False])
def test_a_pinned_field_survives_a_relink_and_the_imports_after_it(sis, automatically):
    connection = connect(sis)
    _trusting(connection, relink_automatically=automatically)
    pull(connection)
    person = Person.objects.get(sourced_id="100020")
    sis_name = person.family_name
    field_pin(obj=person, field="family_name", value="Pinned-Name", actor=None)

    sis.set_behaviours(aeries_ids=True)  # STU_100020 from now on
    run = pull(connection)
    if not automatically:
        held_changes_approve(record=record(run, "students"), actor=None)
    person.refresh_from_db()
    assert (person.sourced_id, person.family_name) == ("STU_100020", "Pinned-Name")
    assert FieldPin.objects.get().sourced_id == "STU_100020"

    again = pull(connection)
    person.refresh_from_db()
    assert person.family_name == "Pinned-Name"
    assert record(again, "students").pinned_differ == 1
    field_unpin(pin=FieldPin.objects.get(), actor=None)
    pull(connection)
    person.refresh_from_db()
    assert person.family_name == sis_name


def test_undoing_an_import_that_relinked_puts_every_account_back_as_it_was(sis):
    connection = connect(sis)
    _trusting(connection, relink_automatically=True)
    pull(connection)
    field_pin(obj=Person.objects.get(sourced_id="100020"), field="given_name", value="Pat",
              actor=None)  # fmt: skip
    before = _accounts()
    sis.set_behaviours(aeries_ids=True)
    run = pull(connection)
    assert record(run, "students").relinked > 50 and _accounts() != before

    sync_run_undo(run=run, actor=None)
    after = _accounts()
    assert after["people"] == before["people"]  # sourcedIds, values and hashes
    assert after["aliases"] == before["aliases"]  # the relinks' aliases are gone
    assert after["links"] == before["links"] and after["pins"] == before["pins"]


def test_undoing_an_approval_of_relinks_puts_the_accounts_back(sis):
    connection = connect(sis)
    _trusting(connection)
    pull(connection)
    before = _accounts()
    sis.set_behaviours(aeries_ids=True)
    students = record(pull(connection), "students")
    held_changes_approve(record=students, actor=None)
    assert Person.objects.filter(sourced_id__startswith="STU_").count() > 50

    held_approval_undo(record=students, actor=None)
    after = _accounts()
    assert after["people"] == before["people"] and after["aliases"] == before["aliases"]


def test_undoing_an_import_gives_moved_people_their_schools_back_exactly(sis):
    connection = connect(sis)
    _trusting(connection)
    pull(connection)
    before = _accounts()
    with sis.store.lock:  # a student moves from 990 to 992 (and their school links)
        moved = sis.district.people["100020"]
        old_code = moved.school_codes[0]
        moved.school_codes = ["992" if old_code != "992" else "990"]
        moved.date_last_modified = "2030-01-01T00:00:00Z"
        sis.store.people_put([moved])
        sis.store.bump()
    run = pull(connection)
    assert _accounts()["links"] != before["links"]

    sync_run_undo(run=run, actor=None)
    assert _accounts()["links"] == before["links"]


def test_a_merge_moves_the_merged_account_s_pins_and_its_undo_puts_them_back(sis, manager):
    connection = connect(sis)
    pull(connection)
    student = Person.objects.get(sourced_id="100020")
    older = PersonFactory(
        district=student.district, sourced_id="OLD-100020", role="student",
        given_name=student.given_name, family_name=student.family_name,
        aeries_student_id=student.aeries_student_id, grades=student.grades,
    )  # fmt: skip
    field_pin(obj=older, field="email", value="chosen@stu.example.org", actor=manager)
    field_pin(obj=older, field="given_name", value="Nick", actor=manager)
    before, older_pk = _accounts(), older.pk

    merge = person_merge(survivor=student, merged=older, actor=manager,
                         take_from_merged=("email",))  # fmt: skip
    kept = FieldPin.objects.get()  # the e-mail the survivor took stays pinned; the name goes
    assert (kept.field, kept.row_id, kept.sourced_id) == ("email", student.pk, "100020")
    pull(connection)  # the SIS's e-mail does not overwrite the pinned one
    student.refresh_from_db()
    assert student.email == "chosen@stu.example.org"

    person_merge_undo(merge=merge, actor=manager)
    after = _accounts()
    assert after["pins"] == before["pins"] and after["aliases"] == before["aliases"]
    assert after["people"][older_pk] == before["people"][older_pk]


def test_the_duplicate_check_uses_the_birth_date_the_native_api_gives(sis):
    connection = connect(sis, kind=Connection.Kind.AERIES_API)
    pull(connection)
    student = Person.objects.get(sourced_id="100020")
    born = sis.district.people["100020"].birth_date
    assert student.birth_date == datetime.date.fromisoformat(born)
    same = PersonFactory(
        district=student.district, sourced_id="S-OTHER", role="student",
        given_name=student.given_name, family_name=student.family_name,
        birth_date=student.birth_date, grades=["05"], status=RosterStatus.ACTIVE,
    )  # fmt: skip
    namesake = PersonFactory(
        district=student.district, sourced_id="S-NAMESAKE", role="student",
        given_name=student.given_name, family_name=student.family_name,
        birth_date=student.birth_date - datetime.timedelta(days=400), grades=student.grades,
    )  # fmt: skip
    groups = person_duplicates(district=student.district)
    by_birth = [g for g in groups if g.reason == "name and birth date"]
    assert [{p.pk for p in g.people} for g in by_birth] == [{student.pk, same.pk}]
    assert not any(namesake in g.people for g in groups)  # same name and grade, not one person


@pytest.mark.parametrize(
    ("value", "born"),
    [("2012-03-04T00:00:00", datetime.date(2012, 3, 4)), ("", None), (None, None),
     ("04/03/2012", None)],
)  # fmt: skip
def test_a_native_birth_date_is_kept_and_a_bad_one_costs_nothing(value, born):
    from sis.aeries_convert import student_from_native

    row = {"StudentID": 7, "SchoolCode": 994, "FirstName": "Ana", "LastName": "Lee",
           "Grade": 9, "Birthdate": value}  # fmt: skip
    assert student_from_native(row, agents=()).birth_date == born


def test_a_district_whose_every_sourced_id_changes_keeps_every_account(sis):
    """Students, teachers, staff and administrators: all under new ids (GUIDs)."""
    connection = connect(sis)
    _trusting(connection, archive_threshold_pct=10)
    pull(connection)
    before = dict(Person.objects.values_list("pk", "sourced_id"))
    sis.set_behaviours(guid_ids=True)
    run = pull(connection)
    files = [record(run, "students"), record(run, "staff")]
    accounts = [counts for r in files for part, counts in r.part_counts.items()
                if part != "parent contacts"]  # (contacts are links, not accounts)  # fmt: skip
    assert sum(c["created"] + c["archived"] + c["held_archives"] for c in accounts) == 0
    assert sum(r.held_relinks for r in files) == len(before)

    for file in files:
        held_changes_approve(record=file, actor=None)
    after = dict(Person.objects.values_list("pk", "sourced_id"))
    assert set(after) == set(before)  # the same accounts, under their new ids
    assert all(sid != before[pk] for pk, sid in after.items())
    again = pull(connection)
    counts = [c for kind in ("students", "staff")
              for part, c in record(again, kind).part_counts.items()
              if part != "parent contacts"]  # fmt: skip
    assert sum(c["created"] + c["archived"] + c["held_relinks"] for c in counts) == 0


@pytest.mark.parametrize("kind", [Connection.Kind.ONEROSTER, Connection.Kind.AERIES_API])
def test_students_given_new_student_ids_keep_their_accounts(sis, kind):
    connection = connect(sis, kind=kind)
    _trusting(connection, archive_threshold_pct=10)
    pull(connection)
    renumbered = sis.renumber(n=3)["renumbered"]
    accounts = {old: Person.objects.get(sourced_id=old).pk for old in renumbered}
    students = record(pull(connection), "students")
    assert students.held_relinks == 3 and students.part_counts["students"]["created"] == 0
    held_changes_approve(record=students, actor=None)
    for old, new in renumbered.items():
        person = Person.objects.get(pk=accounts[old])
        assert (person.sourced_id, person.status) == (new, RosterStatus.ACTIVE)
        assert PersonAlias.objects.filter(sourced_id=old, person=person).exists()


def test_while_a_relink_waits_the_account_keeps_its_classes_and_contacts(sis):
    from rostering.models import Enrollment, Guardian

    connection = connect(sis)
    _trusting(connection)
    first = pull(connection)
    old, new = next(iter(sis.renumber(students=["100020"])["renumbered"].items()))
    account = Person.objects.get(sourced_id=old)

    def live(model, column):
        rows = model.objects.filter(**{column: account}, status=RosterStatus.ACTIVE)
        return set(rows.values_list("sourced_id", flat=True))

    classes, contacts = live(Enrollment, "person"), live(Guardian, "student")
    assert classes and contacts
    run = pull(connection)  # the relink is held: the account's rows stay as they are
    assert live(Enrollment, "person") == classes and live(Guardian, "student") == contacts
    enrollments = record(run, "enrollments")
    assert enrollments.failed == record(first, "enrollments").failed  # the catalogue's own
    assert enrollments.skipped_reasons.get("relink_held") == len(classes)
    contacts_part = record(run, "students").part_counts["parent contacts"]
    assert contacts_part["failed"] == 0 and contacts_part["archived"] == 0

    held_changes_approve(record=record(run, "students"), actor=None)
    pull(connection)  # the next import writes the rows the SIS lists for the new id
    assert {sid.rsplit("_", 1)[-1] for sid in live(Enrollment, "person")} == {new}
    assert len(live(Enrollment, "person")) == len(classes)
    assert {sid.split("_")[1] for sid in live(Guardian, "student")} == {new}

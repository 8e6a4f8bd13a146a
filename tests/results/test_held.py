"""Approving and discarding what a safeguard held, against a real import of the sandbox."""

import re

import pytest

from audit.models import AuditEvent
from rostering.held_review import run_held_files
from rostering.models import (
    Enrollment,
    Guardian,
    HeldChange,
    ImportRecord,
    Person,
    PersonSchool,
    RosterStatus,
    RunStatus,
)
from rostering.sync.held import (
    HELD_CONFLICT,
    HELD_RUN_ACTIVE,
    HELD_SUPERSEDED,
    NOTHING_HELD,
    HeldChangesRefused,
    held_changes_approve,
    held_changes_discard,
    held_changes_outcome,
)
from rostering.sync.safeguard import ARCHIVE_REASON
from tests.factories import PersonFactory, SyncRunFactory
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
STUDENTS = ImportRecord.Kind.STUDENTS


def _held(record, **filters) -> list[HeldChange]:
    return list(record.held_changes.filter(**filters))


def _people(sourced_ids) -> dict[str, Person]:
    return {p.sourced_id: p for p in Person.objects.filter(sourced_id__in=sourced_ids)}


def test_the_import_held_updates_and_archives(held_import):
    record = held_import.record()
    assert record.status == RunStatus.COMPLETED_WITH_ERROR
    assert record.held_updates >= 6 and record.held_archives >= 6
    leavers = _people(held_import.mutation["left"])
    assert {p.status for p in leavers.values()} == {RosterStatus.ACTIVE}


def test_approve_applies_held_updates_and_archives(held_import, manager):
    record = held_import.record()
    before = record.counts()
    updates = _held(record, kind="update")
    archives = _held(record, kind="archive")
    wanted = {h.sourced_id: h.payload["row"] for h in updates}
    stored = _people(wanted)
    assert any(stored[sid].family_name != row["family_name"] for sid, row in wanted.items())

    applied = held_changes_approve(record=record, actor=manager)

    assert applied == len(updates) + len(archives)
    for sid, person in _people(wanted).items():
        row = wanted[sid]
        assert (person.family_name, person.grades) == (row["family_name"], row["grades"])
        assert PersonSchool.objects.filter(person=person).count() == len(
            HeldChange.objects.get(record=record, sourced_id=sid, kind="update").payload["schools"]
        )
    leavers = _people(held_import.mutation["left"]).values()
    assert {(p.status, p.archive_reason) for p in leavers} == {
        (RosterStatus.ARCHIVED, ARCHIVE_REASON)
    }
    archived_contacts = [h.payload["id"] for h in archives if h.table == "guardian"]
    assert set(
        Guardian.objects.filter(pk__in=archived_contacts).values_list("status", flat=True)
    ) <= {RosterStatus.ARCHIVED}
    record.refresh_from_db()
    assert record.updated == before["updated"] + len(updates)
    assert record.archived == before["archived"] + len(archives)
    assert record.held_updates == before["held_updates"]  # what the import held stays told
    assert held_changes_outcome(record=record) == {"applied": applied}


def test_after_approval_the_next_import_finds_nothing_to_change(held_import, manager):
    held_changes_approve(record=held_import.record(), actor=manager)
    held_changes_approve(record=held_import.record("enrollments"), actor=manager)
    students = pull(held_import.connection).records.get(kind=STUDENTS)
    assert (students.updated, students.archived, students.held_updates) == (0, 0, 0)
    assert students.held_archives == 0


def test_approve_archives_held_enrollments(held_import, manager):
    record = held_import.record(ImportRecord.Kind.ENROLLMENTS)
    ids = [h.payload["id"] for h in _held(record)]
    assert len(ids) == record.held_archives > 0
    assert held_changes_approve(record=record, actor=manager) == len(ids)
    statuses = set(Enrollment.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses == {RosterStatus.ARCHIVED}


def test_approve_is_audited(held_import, manager, district):
    record = held_import.record()
    before = record.counts()
    count = held_changes_approve(record=record, actor=manager, remote_addr="10.0.0.9")
    event = AuditEvent.objects.get(action=AuditEvent.Action.APPROVE)
    record.refresh_from_db()
    assert (event.actor, event.district, event.remote_addr) == (manager, district, "10.0.0.9")
    assert event.object_id == str(record.pk)
    assert event.changes == {
        "updated": [before["updated"], record.updated],
        "archived": [before["archived"], record.archived],
    }
    assert f"Applied {count} held changes" in event.message


def test_discard_leaves_the_data(held_import, manager):
    record = held_import.record()
    sourced_ids = [h.sourced_id for h in _held(record)]
    snapshot = {
        sid: (p.family_name, p.grades, p.status, p.updated_at)
        for sid, p in _people(sourced_ids).items()
    }
    count = held_changes_discard(record=record, actor=manager)

    assert count == len(sourced_ids)
    assert snapshot == {
        sid: (p.family_name, p.grades, p.status, p.updated_at)
        for sid, p in _people(sourced_ids).items()
    }
    assert held_changes_outcome(record=record) == {"discarded": count}
    event = AuditEvent.objects.get(object_id=str(record.pk), object_type="import result")
    assert event.actor == manager and "Discarded" in event.message
    assert event.action == AuditEvent.Action.DISCARD
    with pytest.raises(HeldChangesRefused):
        held_changes_approve(record=record, actor=manager)


def test_nothing_pending_is_refused(held_import, manager):
    record = held_import.record(ImportRecord.Kind.CLASSES)
    label = {"run": record.run_id, "kind": "classes"}
    with pytest.raises(HeldChangesRefused, match="no held changes"):
        held_changes_approve(record=record, actor=manager)
    with pytest.raises(HeldChangesRefused) as info:
        held_changes_discard(record=record, actor=manager)
    assert str(info.value) == NOTHING_HELD.format(**label)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.APPROVE).exists()


def test_a_newer_import_of_the_file_supersedes_held_changes(held_import, manager):
    old = held_import.record()
    newer = pull(held_import.connection).records.get(kind=STUDENTS)
    assert newer.held_updates == old.held_updates  # the new import held them again
    with pytest.raises(HeldChangesRefused) as info:
        held_changes_approve(record=old, actor=manager)
    assert str(info.value) == HELD_SUPERSEDED.format(
        newer=newer.run_id, run=old.run_id, kind="students"
    )
    assert held_changes_approve(record=newer, actor=manager) > 0
    assert held_changes_discard(record=old, actor=manager) > 0  # cleaning up is allowed


def test_approval_waits_for_a_running_import(held_import, manager):
    running = SyncRunFactory(connection=held_import.connection, status=RunStatus.RUNNING)
    record = held_import.record()
    with pytest.raises(HeldChangesRefused) as info:
        held_changes_approve(record=record, actor=manager)
    assert str(info.value) == HELD_RUN_ACTIVE.format(
        connection=held_import.connection, run=running.pk
    )
    assert _held(record, status="pending")


def test_a_conflict_applies_nothing(held_import, manager, district):
    record = held_import.record()
    change = record.held_changes.filter(kind="update").first()
    change.payload["row"]["username"] = "taken.meanwhile"
    change.save()
    PersonFactory(district=district, username="taken.meanwhile")
    leaver = held_import.mutation["left"][0]
    with pytest.raises(HeldChangesRefused) as info:
        held_changes_approve(record=record, actor=manager)
    assert str(info.value) == HELD_CONFLICT
    assert Person.objects.get(sourced_id=leaver).status == RosterStatus.ACTIVE
    assert not record.held_changes.exclude(status="pending").exists()


def test_held_files_name_rows_and_say_the_rule(held_import):
    files = {f.record.kind: f for f in run_held_files(run=held_import.run, rows_shown=3)}
    assert set(files) == {"students", "enrollments"}
    sets = {(s.table, s.kind): s for s in files["students"].sets}
    updates = sets[("person", "update")]
    assert updates.label.endswith("students to be updated") and updates.role == "student"
    assert len(updates.rows) == 3 and updates.more == updates.count - 3
    assert {c.field for r in updates.rows for c in r.changes} <= {
        "Family name", "Grades", "Username", "Email",
    }  # fmt: skip
    assert all(r.label.details.startswith("Student · Student ID ") for r in updates.rows)
    archived = sets[("person", "archive")]
    assert archived.count == len(held_import.mutation["left"])
    assert re.fullmatch(
        r"\d+(\.\d)?% of the active students \(\d+ of \d+\) would be archived; the limit is 0% "
        r"\(“Hold when more than this % of a role would be archived” in the connection's sync "
        r"settings\)\.",
        archived.rule,
    )
    enrollments = files["enrollments"].sets[0]
    assert enrollments.table == "enrollment" and enrollments.kind == "archive"
    for row in enrollments.rows:
        enrollment = Enrollment.objects.select_related("person", "section").get(
            district=held_import.connection.district, sourced_id=row.sourced_id
        )
        person, section = enrollment.person, enrollment.section
        title = section.title or f"class {section.class_code or section.sourced_id}"
        assert row.label.name == f"{person.given_name} {person.family_name} in {title}"

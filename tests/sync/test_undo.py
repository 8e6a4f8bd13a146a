"""Undoing an import or an approval (rostering/undo.py) against the sandbox."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from rostering.models import (
    Enrollment,
    Guardian,
    Person,
    PersonSchool,
    RosterStatus,
    Section,
    SyncSettings,
)
from rostering.sync.held import held_changes_approve
from rostering.undo import (
    UNDONE_REASON,
    UndoRefused,
    held_approval_undo,
    sync_run_undo,
    sync_run_undo_conflicts,
)
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
TABLES = (Person, Guardian, Section, Enrollment)
BOOKKEEPING = {"updated_at"}


def _settings(connection, **values):
    defaults = {"existing_accounts": "update", "archive_missing": True,
                "archive_threshold_pct": 50, "update_threshold_pct": 90}  # fmt: skip
    SyncSettings.objects.filter(connection=connection).update(**{**defaults, **values})


def _snapshot() -> dict:
    """Every roster row as it is (bookkeeping times aside), by table and id."""
    rows = {}
    for model in TABLES:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in BOOKKEEPING]
        rows[model.__name__] = {r["id"]: r for r in model.objects.values(*fields)}
    rows["links"] = set(PersonSchool.objects.values_list("person_id", "school_id"))
    return rows


def _regrade_again(sis, sourced_id: str) -> None:
    """The SIS changes a person once more (a later import will see it)."""
    with sis.store.lock:
        person = sis.district.people[sourced_id]
        person.grade = 1 if person.grade != 1 else 2
        person.date_last_modified = "2030-01-01T00:00:00Z"
        sis.store.people_put([person])
        sis.store.bump()


def test_undoing_an_import_restores_the_rows_as_they_were(sis, connection):
    _settings(connection)
    pull(connection)
    before = _snapshot()
    changed = sis.mutate(12)
    run = pull(connection)
    assert _snapshot() != before

    result = sync_run_undo(run=run, actor=None)
    after = _snapshot()
    for table in ("Person", "Guardian", "Section", "Enrollment"):
        for pk, row in before[table].items():
            assert after[table][pk] == row, (table, row["sourced_id"])
        for pk in set(after[table]) - set(before[table]):  # what the import created
            assert after[table][pk]["status"] == RosterStatus.ARCHIVED
    assert after["links"] >= before["links"]
    assert result.reverted["person"] >= len(changed["grade_changed"])
    assert result.restored["person"] == len(changed["left"])
    newcomer = Person.objects.get(sourced_id=changed["new"][0])
    assert newcomer.archive_reason == UNDONE_REASON.format(run=run.pk)
    run.refresh_from_db()
    assert run.undone_at is not None and run.undone_by == "admin"
    event = AuditEvent.objects.get(action=AuditEvent.Action.UNDO_IMPORT)
    assert f"Undid import #{run.pk}" in event.message

    with pytest.raises(UndoRefused, match="already undone"):
        sync_run_undo(run=run, actor=None)


def test_an_undo_is_refused_when_a_later_import_changed_the_same_rows(sis, connection):
    _settings(connection)
    pull(connection)
    changed = sis.mutate(12)
    second = pull(connection)
    _regrade_again(sis, changed["grade_changed"][0])
    third = pull(connection)
    conflicts = sync_run_undo_conflicts(run=second)
    assert [(c.sourced_id, c.run_id) for c in conflicts] == [
        (changed["grade_changed"][0], third.pk)
    ]
    snapshot = _snapshot()
    with pytest.raises(UndoRefused, match="changed again since") as refused:
        sync_run_undo(run=second, actor=None)
    assert refused.value.conflicts == conflicts
    assert _snapshot() == snapshot  # nothing was undone


def test_an_undo_is_refused_after_its_window(connection, settings):
    settings.IMPORT_UNDO_DAYS = 14
    run = pull(connection)
    with pytest.raises(UndoRefused, match="can be undone for 14 days"):
        sync_run_undo(run=run, actor=None, now=timezone.now() + datetime.timedelta(days=15))


def test_undoing_an_approval_reverts_only_what_it_applied(sis, connection):
    _settings(connection, update_threshold_pct=1)
    pull(connection)
    changed = sis.mutate(40)
    run = pull(connection)
    students = run.records.get(kind="students")
    regraded = Person.objects.get(sourced_id=changed["grade_changed"][0])
    old_grades = regraded.grades
    newcomer = Person.objects.get(sourced_id=changed["new"][0])  # created by the import
    held_changes_approve(record=students, actor=None)
    regraded.refresh_from_db()
    assert regraded.grades != old_grades

    result = held_approval_undo(record=students, actor=None)
    regraded.refresh_from_db()
    assert regraded.grades == old_grades and result.reverted["person"] >= 1
    newcomer.refresh_from_db()
    assert newcomer.status == RosterStatus.ACTIVE  # the import's own work stays


def test_undo_import_command(connection):
    run = pull(connection)
    out = io.StringIO()
    call_command("undo_import", str(run.pk), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["archived"]["person"] == Person.objects.count()
    assert not Person.objects.filter(status=RosterStatus.ACTIVE).exists()
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("undo_import", str(run.pk), stderr=err)
    assert exit_code.value.code == 1 and "already undone" in err.getvalue()


def test_the_run_page_s_undo_shows_the_plan_and_undoes(client, sis, connection):
    from django.urls import reverse

    from tests.factories import MembershipFactory

    _settings(connection)
    pull(connection)
    sis.mutate(8)
    run = pull(connection)
    url = reverse("admin:rostering_syncrun_undo", args=[run.pk])
    client.force_login(MembershipFactory(district=connection.district, role="reviewer").user)
    page = client.get(url).content.decode()
    assert "Updated (to revert)" in page and "Undo the whole import" not in page  # read-only
    assert client.post(url).status_code == 403
    client.force_login(MembershipFactory(district=connection.district, role="manager").user)
    assert "Undo the whole import" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    run.refresh_from_db()
    assert run.undone_at is not None
    change_page = client.get(reverse("admin:rostering_syncrun_change", args=[run.pk]))
    assert "Undone" in change_page.content.decode()

"""End-of-year rollover (rostering/rollover.py) against the sandbox over real HTTP:
archive, the sandbox's new school year, pull, undo."""

import datetime
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from rostering.imports import sync_run_start
from rostering.models import (
    AcademicSession,
    Course,
    Enrollment,
    Guardian,
    Person,
    RosterStatus,
    Section,
    SyncRun,
    SyncSettings,
    YearArchive,
)
from rostering.rollover import (
    ARCHIVE_IMPORT_ACTIVE,
    CONFIRM_MISMATCH,
    ArchiveRefused,
    imports_held,
    year_archive_run,
    year_archive_undo,
)
from rostering.rollover_preview import PEOPLE_ROLES, people_roles_for, year_archive_preview
from rostering.sync.runs import ConnectionBusy, sync_run_create
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
EVERYONE = people_roles_for(list(PEOPLE_ROLES))
TABLES = (Person, AcademicSession, Course, Section, Enrollment, Guardian)


def _archive(connection, **kwargs) -> YearArchive:
    district = connection.district
    return year_archive_run(district=district, actor=None, confirm=district.name, **kwargs)


def _snapshot() -> dict:
    return {model.__name__: sorted(model.objects.values_list(), key=str) for model in TABLES}


@pytest.fixture
def recipients(connection):
    SyncSettings.objects.filter(connection=connection).update(notify_emails="it@district.example")


def test_the_preview_counts_what_is_archived(connection):
    pull(connection)
    preview = year_archive_preview(district=connection.district, people_roles=EVERYONE)
    assert preview.label == "2026-2027"  # the sandbox's school-year session
    archive = _archive(connection, people_roles=EVERYONE)
    assert archive.counts == preview.counts
    archived = {
        "sections": Section.objects.filter(year_archive=archive).count(),
        "enrollments": Enrollment.objects.filter(year_archive=archive).count(),
        "guardians": Guardian.objects.filter(year_archive=archive).count(),
        "courses": Course.objects.filter(year_archive=archive).count(),
        "terms": AcademicSession.objects.filter(year_archive=archive).count(),
        "people": Person.objects.filter(year_archive=archive).count(),
    }
    assert archived == preview.counts and all(archived.values())
    assert sum(s.sections for s in preview.schools) == preview.counts["sections"]
    assert not Section.objects.filter(year_archive__isnull=True).exists()


def test_archive_then_a_new_school_year_pulls_fresh_and_keeps_last_year(sis, connection):
    pull(connection)
    last_year = {s.pk: (s.sourced_id, s.title, s.school_id) for s in Section.objects.all()}
    students = dict(Person.objects.filter(role="student").values_list("sourced_id", "pk"))
    archive = _archive(connection, people_roles=EVERYONE)
    summary = sis.rollover()
    run = pull(connection)
    assert run.status in ("completed", "completed_with_error")

    live = Section.objects.filter(year_archive__isnull=True)
    assert live.count() == len(sis.district.sections) and not live.filter(pk__in=last_year)
    kept = {s.pk: (s.sourced_id, s.title, s.school_id) for s in archived_sections(archive)}
    assert kept == last_year  # last year's classes, archived and unchanged
    reused = summary["reused_section_ids"][0]
    twins = Section.objects.filter(sourced_id=reused)
    assert sorted(t.year_archive_id is None for t in twins) == [False, True]
    assert Enrollment.objects.filter(year_archive__isnull=True).count() > 0
    assert not Enrollment.objects.filter(
        year_archive__isnull=True, section__year_archive__isnull=False
    ).exists()  # the new year's enrollments are in the new year's classes

    returning = [sid for sid in students if sid in sis.district.people
                 and sis.district.people[sid].status == "active"]  # fmt: skip
    for sid in returning[:50]:
        person = Person.objects.get(sourced_id=sid)
        assert person.pk == students[sid] and person.status == RosterStatus.ACTIVE
        assert person.year_archive_id is None
    for sid in summary["graduated"]:
        person = Person.objects.get(sourced_id=sid)
        assert person.status == RosterStatus.ARCHIVED and person.year_archive_id == archive.pk
    for sid in summary["arrived"]:
        assert Person.objects.get(sourced_id=sid).created_run_id == run.pk


def archived_sections(archive: YearArchive):
    return Section.objects.filter(year_archive=archive)


def test_undo_restores_the_exact_prior_state(connection):
    pull(connection)
    before = _snapshot()
    archive = _archive(connection, people_roles=EVERYONE)
    assert _snapshot() != before
    undone = year_archive_undo(archive=archive, actor=None)
    assert _snapshot() == before
    assert undone.status == YearArchive.Status.UNDONE and undone.not_restored == {}
    assert undone.undo_counts == archive.counts


def test_undo_after_the_new_year_was_pulled_restores_what_it_can(sis, connection):
    pull(connection)
    archive = _archive(connection)
    summary = sis.rollover()
    pull(connection)
    undone = year_archive_undo(archive=archive, actor=None)
    reused = undone.not_restored["sections"]
    assert reused["count"] == len(summary["reused_section_ids"])
    assert set(reused["sample"]) <= set(summary["reused_section_ids"])
    left = Section.objects.filter(year_archive=archive)
    assert set(left.values_list("sourced_id", flat=True)) == set(summary["reused_section_ids"])
    assert undone.undo_counts["sections"] > 0  # last year's other sections are live again


def test_an_archive_is_refused_during_an_import_and_an_import_during_an_archive(connection):
    pull(connection)
    queued = sync_run_create(connection=connection, actor=None, trigger="manual", mode="full")
    with pytest.raises(ArchiveRefused) as refused:
        _archive(connection)
    assert str(refused.value) == ARCHIVE_IMPORT_ACTIVE.format(connection=connection, run=queued.pk)
    assert not YearArchive.objects.exists()
    SyncRun.objects.filter(pk=queued.pk).update(status="completed")

    with imports_held(connection.district, "2026-2027"), pytest.raises(ConnectionBusy):
        sync_run_start(connection=connection, actor=None, trigger="manual")
    assert sync_run_start(connection=connection, actor=None, trigger="manual")  # free again


def test_the_confirmation_must_be_the_district_s_name(connection):
    pull(connection)
    with pytest.raises(ArchiveRefused, match="Type the district's name"):
        year_archive_run(district=connection.district, actor=None, confirm="yes")
    assert CONFIRM_MISMATCH.format(district=connection.district.name)
    assert not Section.objects.filter(year_archive__isnull=False).exists()


def test_undo_is_refused_after_its_window(connection, settings):
    settings.YEAR_ARCHIVE_UNDO_DAYS = 14
    pull(connection)
    archive = _archive(connection)
    later = timezone.now() + datetime.timedelta(days=14, minutes=1)
    with pytest.raises(ArchiveRefused, match="can be undone for 14 days only"):
        year_archive_undo(archive=archive, actor=None, now=later)


def test_archive_and_undo_are_audited_and_mailed(
    connection, recipients, manager, django_capture_on_commit_callbacks
):
    pull(connection)
    district = connection.district
    with django_capture_on_commit_callbacks(execute=True):
        archive = year_archive_run(district=district, actor=manager, confirm=district.name)
        year_archive_undo(archive=archive, actor=manager)
    events = AuditEvent.objects.filter(action__in=["archive", "archive_undo"]).order_by("pk")
    assert [e.action for e in events] == ["archive", "archive_undo"]
    assert events[0].changes["sections"] == [0, archive.counts["sections"]]
    assert "2026-2027" in events[0].message and events[0].actor == manager
    subjects = [
        m.subject for m in mail.outbox if "School year" in m.subject or "Archive" in m.subject
    ]
    assert subjects == [
        f"[Autoroster] School year 2026-2027 archived — {district.name}",
        f"[Autoroster] Archive of school year 2026-2027 undone — {district.name}",
    ]
    assert mail.outbox[-1].to == ["it@district.example"]


def _command(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("archive_year", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_archive_year_command(connection):
    pull(connection)
    code, out, _ = _command(str(connection.pk), "--people", "--dry-run", "--json")
    preview = json.loads(out)
    assert code == 0 and preview["dry_run"] is True and preview["label"] == "2026-2027"
    assert set(preview["archived"]) == {"people", "sections", "enrollments", "guardians",
                                        "courses", "terms"}  # fmt: skip
    assert not YearArchive.objects.exists()

    code, out, _ = _command(connection.name, "--people", "--label", "2026-27", "--json")
    done = json.loads(out)
    assert code == 0 and preview.pop("warnings") == []
    assert done == {**preview, "label": "2026-27", "dry_run": False}

    code, out, _ = _command(str(connection.pk), "--undo", "--json")
    undone = json.loads(out)
    assert code == 0 and undone["restored"] == done["archived"]

    code, _, err = _command(str(connection.pk), "--undo")
    assert code == 1 and "no end-of-year archive to undo" in err

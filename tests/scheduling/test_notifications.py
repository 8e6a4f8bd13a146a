"""E-mail summaries: subject flags, counts per file, first issues, link to the run."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from rostering.models import ImportIssue, ImportRecord, RunStatus, SyncSettings
from rostering.notifications import (
    EMAIL_ISSUES_LIMIT,
    SUBJECT,
    SUBJECT_HELD_MANY,
    SUBJECT_HELD_ONE,
    sync_run_notify,
)
from tests.factories import ConnectionFactory, DistrictFactory, SyncRunFactory

SITE = "https://autoroster.example"


@pytest.fixture
def run(db, settings):
    settings.SITE_URL = SITE + "/"
    connection = ConnectionFactory(district=DistrictFactory(name="Roosevelt USD"))
    SyncSettings.objects.create(
        connection=connection, notify_emails="a@district.example, b@district.example"
    )
    return SyncRunFactory(connection=connection, status=RunStatus.COMPLETED)


def _record(run, kind, status, **counts):
    return ImportRecord.objects.create(run=run, kind=kind, status=status, **counts)


def test_completed_summary_has_counts_and_link(run):
    _record(run, "staff", RunStatus.COMPLETED, received=30, created=29, unchanged=1)
    _record(run, "students", RunStatus.COMPLETED, received=819, created=811, skipped=8)
    assert sync_run_notify(run=run) == 1
    message = mail.outbox[0]
    assert message.to == ["a@district.example", "b@district.example"]
    assert message.subject == SUBJECT.format(
        status="Completed", district="Roosevelt USD", run=run.pk
    )
    link = SITE + reverse("admin:rostering_syncrun_change", args=[run.pk])
    assert link in message.body
    assert "- Staff: Completed — received 30, created 29, updated 0, unchanged 1" in message.body
    assert "- Students: Completed — received 819, created 811" in message.body
    html = message.alternatives[0].content
    assert f'href="{link}"' in html and "<td>819</td>" in html


def test_error_and_held_changes_are_flagged_in_the_subject(run):
    run.status, run.message = RunStatus.ERROR, "Aeries refused the Consumer ID (401)."
    run.save()
    _record(run, "students", RunStatus.ERROR, message="Aeries refused the Consumer ID (401).")
    _record(run, "staff", RunStatus.COMPLETED_WITH_ERROR, held_archives=3)
    sync_run_notify(run=run)
    subject = mail.outbox[0].subject
    assert subject.startswith("[Autoroster] ERROR — Roosevelt USD import #")
    assert subject.endswith(SUBJECT_HELD_MANY.format(count=3))
    assert "Aeries refused the Consumer ID (401)." in mail.outbox[0].body
    assert "3 changes held by a safeguard need a manager's approval" in mail.outbox[0].body


def test_one_held_change_reads_singular(run):
    run.status = RunStatus.COMPLETED_WITH_ERROR
    run.save()
    _record(run, "students", RunStatus.COMPLETED_WITH_ERROR, held_updates=1)
    sync_run_notify(run=run)
    subject = mail.outbox[0].subject
    assert subject.startswith("[Autoroster] Completed with ERROR — ")
    assert subject.endswith(SUBJECT_HELD_ONE)


def test_first_issues_only(run):
    record = _record(run, "students", RunStatus.COMPLETED_WITH_ERROR, failed=25)
    ImportIssue.objects.bulk_create(
        ImportIssue(
            record=record,
            code="missing_name",
            severity="error",
            sourced_id=f"stu-{n:03d}",
            field="givenName",
            message=f"Student stu-{n:03d} has no first name.",
        )
        for n in range(25)
    )
    sync_run_notify(run=run)
    body = mail.outbox[0].body
    assert f"First {EMAIL_ISSUES_LIMIT} of 25 issues (errors first)" in body
    assert (
        "- [Students] Error missing_name: stu-019, field givenName: "
        "Student stu-019 has no first name." in body
    )
    assert "stu-020" not in body
    assert "… and 5 more on the run's page." in body


@pytest.mark.parametrize("status", [RunStatus.SKIPPED, RunStatus.RUNNING])
def test_skipped_and_unfinished_runs_are_not_mailed(run, status):
    run.status = status
    run.save()
    assert sync_run_notify(run=run) == 0 and mail.outbox == []


def test_no_recipients_no_mail(run):
    SyncSettings.objects.filter(connection=run.connection).update(notify_emails="")
    assert sync_run_notify(run=run) == 0 and mail.outbox == []


def test_a_mail_server_failure_does_not_raise(run, settings):
    settings.EMAIL_BACKEND = "tests.scheduling.test_notifications.BrokenBackend"
    assert sync_run_notify(run=run) == 0


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("connection refused")


def test_summary_names_the_person_with_the_fix_and_explains_the_counts(run):
    run.district.timezone = "America/Los_Angeles"
    run.district.save()
    run.started_at = run.finished_at = timezone.make_aware(datetime.datetime(2026, 9, 1, 2, 30))
    run.save()
    record = _record(
        run, "students", RunStatus.COMPLETED_WITH_ERROR, received=12, created=9, skipped=2,
        failed=1, skipped_reasons={"school_not_mapped": 2},
        part_counts={"students": {"received": 8}, "parent contacts": {"received": 4}},
    )  # fmt: skip
    ImportIssue.objects.create(
        record=record, code="invalid_grade", severity="error", sourced_id="STU_100004",
        field="grades", message="Grade '14' is not a grade level (KG, 01-12, TK, PK ...).",
        fix_hint="Correct the student's grade in Aeries.",
        excerpt={"given_name": "Ana", "family_name": "Lopez", "role": "student",
                 "grades": ["14"], "school_sourced_ids": ["994"]},
    )  # fmt: skip
    sync_run_notify(run=run)
    body = mail.outbox[0].body
    assert "Started Mon Aug 31, 19:30 (America/Los_Angeles)" in body  # local time
    assert "Ana Lopez (Student · Student ID 100004 · sourcedId STU_100004 · Grade 14 · 994)" in body
    assert "  Fix: Correct the student's grade in Aeries." in body
    assert "    Students: received 8," in body and "    Parent contacts: received 4," in body
    assert "    skipped: 2 school not mapped" in body
    html = mail.outbox[0].alternatives[0].content
    assert "Correct the student&#x27;s grade in Aeries." in html and "Ana Lopez" in html

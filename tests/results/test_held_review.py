"""Review held changes: the run page's banner and Held column, one page over every file
of the run, CSV, Approve all / Approve file / Discard, and a discard that is not held
again — against real imports of the sandbox SIS."""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from rostering.admin.held import APPLIED, DISCARDED
from rostering.held_review import CSV_HEADER
from rostering.models import HeldChange, ImportRecord, Person, RosterStatus, SyncSettings
from rostering.notifications import sync_run_notify
from rostering.sync.held import HELD_SUPERSEDED, held_changes_discard
from rostering.sync.safeguard import CARRIED_FROM, SKIP_DISCARDED
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
STUDENTS, ENROLLMENTS = ImportRecord.Kind.STUDENTS, ImportRecord.Kind.ENROLLMENTS


def review_url(run) -> str:
    return reverse("admin:rostering_syncrun_held", args=[run.pk])


def decide_url(run, decision: str) -> str:
    return reverse(f"admin:rostering_syncrun_held_{decision}", args=[run.pk])


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def pending(run) -> int:
    return HeldChange.objects.filter(record__run=run, status="pending").count()


def test_the_run_page_shows_the_banner_and_the_held_column(client, manager, held_import):
    run = held_import.run
    client.force_login(manager)
    html = client.get(reverse("admin:rostering_syncrun_change", args=[run.pk])).content.decode()
    assert 'id="held-banner"' in html and review_url(run) in html
    assert f"{pending(run)} changes held by a safeguard wait for a manager's approval" in html
    assert "<th scope='col'>Held</th>" in html and "<th scope='col'>Restored</th>" in html
    listed = client.get(reverse("admin:rostering_syncrun_changelist")).content.decode()
    assert f"{pending(run)} to review" in listed


def test_one_page_covers_every_file_with_names_and_the_rule(client, reviewer, held_import):
    run = held_import.run
    client.force_login(reviewer)
    page = client.get(review_url(run))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="file-students"' in html and 'id="file-enrollments"' in html
    assert "of the active students" in html and "the limit is 0%" in html
    leaver = Person.objects.get(sourced_id=held_import.mutation["left"][0])
    assert f"{leaver.given_name} {leaver.family_name}" in html
    assert "Student ID" in html and " in " in html  # enrollments: who is in which class
    assert "held-approve" not in html and "Approve all" not in html  # a reviewer decides nothing
    assert "A district manager of" in html


def test_csv_lists_every_held_change_by_name(client, reviewer, held_import):
    run = held_import.run
    client.force_login(reviewer)
    response = client.get(reverse("admin:rostering_syncrun_held_csv", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0]) == CSV_HEADER and len(rows) - 1 == pending(run)
    by_id = {row[4]: row for row in rows[1:]}
    leaver = Person.objects.get(sourced_id=held_import.mutation["left"][0])
    assert by_id[leaver.sourced_id][6] == f"{leaver.given_name} {leaver.family_name}"
    assert any("Family name: " in row[8] or "Grades: " in row[8] for row in rows[1:])
    assert f"held-changes-import-{run.pk}-" in response["Content-Disposition"]


def test_approve_all_applies_every_file(client, manager, held_import):
    run = held_import.run
    count = pending(run)
    client.force_login(manager)
    response = client.post(decide_url(run, "approve"))
    assert response.status_code == 302 and response.url == review_url(run)
    assert texts(response) == [APPLIED.format(count=count, s="s")]
    assert pending(run) == 0
    leaver = Person.objects.get(sourced_id=held_import.mutation["left"][0])
    assert leaver.status == RosterStatus.ARCHIVED
    approvals = AuditEvent.objects.filter(action=AuditEvent.Action.APPROVE, actor=manager)
    assert approvals.count() == 2  # one per file: students and enrollments
    html = client.get(review_url(run)).content.decode()
    assert "approved and applied" in html and "Approve all" not in html


def test_approve_file_leaves_the_other_files_waiting(client, manager, held_import):
    run, students = held_import.run, held_import.record(STUDENTS)
    client.force_login(manager)
    client.post(decide_url(run, "approve"), {"record": students.pk})
    assert not students.held_changes.filter(status="pending").exists()
    assert held_import.record(ENROLLMENTS).held_changes.filter(status="pending").exists()


def test_a_refusal_is_shown_as_an_error(client, manager, held_import):
    old = held_import.record(STUDENTS)
    newer = pull(held_import.connection)
    client.force_login(manager)
    response = client.post(decide_url(held_import.run, "approve"), {"record": old.pk})
    assert texts(response) == [
        HELD_SUPERSEDED.format(newer=newer.pk, run=old.run_id, kind="students")
    ]
    html = client.get(review_url(held_import.run)).content.decode()
    assert f"Import #{newer.pk} read this file again" in html


def test_only_the_districts_managers_decide(client, reviewer, other_manager, held_import):
    run = held_import.run
    before = pending(run)
    client.force_login(reviewer)
    assert client.post(decide_url(run, "approve")).status_code == 403
    assert client.post(decide_url(run, "discard")).status_code == 403
    client.force_login(other_manager)
    assert client.post(decide_url(run, "approve")).status_code == 404
    assert client.get(review_url(run)).status_code == 404
    assert pending(run) == before


def test_decisions_need_post_and_csrf(client, manager, held_import):
    from django.test import Client

    run = held_import.run
    client.force_login(manager)
    assert client.get(decide_url(run, "approve")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post(decide_url(run, "approve")).status_code == 403
    assert pending(run) > 0


def test_a_discard_is_not_held_again_while_the_sis_says_the_same(client, manager, held_import):
    run = held_import.run
    discarded = HeldChange.objects.filter(record__run=run, record__kind=STUDENTS).count()
    client.force_login(manager)
    response = client.post(decide_url(run, "discard"))
    assert texts(response) == [DISCARDED.format(count=discarded_count(run), s="s")]

    for _ in range(2):  # the discard is remembered import after import
        students = pull(held_import.connection).records.get(kind=STUDENTS)
        assert (students.held_updates, students.held_archives) == (0, 0)
        assert students.skipped_reasons[SKIP_DISCARDED] == discarded
        kept = students.held_changes.filter(status="discarded", payload__has_key=CARRIED_FROM)
        assert kept.count() == discarded
    leaver = Person.objects.get(sourced_id=held_import.mutation["left"][0])
    assert leaver.status == RosterStatus.ACTIVE  # neither archived nor held again


def discarded_count(run) -> int:
    return HeldChange.objects.filter(record__run=run, status="discarded").count()


def test_a_discarded_change_the_sis_changes_further_is_held_again(held_import, manager):
    record = held_import.record(STUDENTS)
    held_changes_discard(record=record, actor=manager)
    # The SIS changes 6 of the discarded people further (the safeguard's minimum is 5).
    updated = list(record.held_changes.filter(kind="update")[:6])
    server = held_import.server
    with server.store.lock:
        people = [server.district.people[c.sourced_id] for c in updated]
        for person in people:
            person.family_name += "-Further"
        server.store.people_put(people)
        server.store.bump()
    students = pull(held_import.connection).records.get(kind=STUDENTS)
    again = set(students.held_changes.filter(status="pending").values_list("sourced_id", flat=True))
    assert again == {c.sourced_id for c in updated}  # the rest stays discarded


def test_the_email_links_to_the_review_page(held_import, settings):
    settings.SITE_URL = "https://autoroster.example"
    SyncSettings.objects.filter(connection=held_import.connection).update(
        notify_emails="it@district.example"
    )
    mail.outbox.clear()
    sync_run_notify(run=held_import.run)
    body = mail.outbox[0].body
    link = "https://autoroster.example" + review_url(held_import.run)
    assert f"Review them (approve or discard): {link}" in body
    assert f'href="{link}"' in mail.outbox[0].alternatives[0].content

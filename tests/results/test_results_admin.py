"""Import results: colored records with Descriptions, the record page's held changes
panel (managers decide, reviewers look), and the troubleshooting page."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import AuditEvent
from rostering.admin.results import HELD_APPLIED, HELD_LEFT, descriptions_url
from rostering.models import HeldChange, Person, RosterStatus, RunStatus
from rostering.sync.held import HELD_SUPERSEDED
from rostering.sync.issues import ISSUE_KINDS
from rostering.troubleshooting import record_error_causes
from tests.factories import (
    ConnectionFactory,
    ImportIssueFactory,
    ImportRecordFactory,
    SyncRunFactory,
    UserFactory,
)
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
LIST = "admin:rostering_importrecord_changelist"


def change_url(record) -> str:
    return reverse("admin:rostering_importrecord_change", args=[record.pk])


def approve_url(record) -> str:
    return reverse("admin:rostering_importrecord_approve", args=[record.pk])


def discard_url(record) -> str:
    return reverse("admin:rostering_importrecord_discard", args=[record.pk])


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def records(connection):
    run = SyncRunFactory(connection=connection, status=RunStatus.ERROR)
    return {
        status: ImportRecordFactory(run=run, kind=kind, status=status)
        for kind, status in (
            ("staff", RunStatus.COMPLETED),
            ("students", RunStatus.COMPLETED_WITH_ERROR),
            ("classes", RunStatus.ERROR),
        )
    }


def test_list_shows_colored_statuses_descriptions_and_troubleshooting(client, reviewer, records):
    records[RunStatus.ERROR].message = "Aeries denied access to classes (HTTP 403)."
    records[RunStatus.ERROR].save()
    client.force_login(reviewer)
    page = client.get(reverse(LIST))
    assert page.status_code == 200
    html = page.content.decode()
    for css, label in (
        ("completed", "Completed"),
        ("completed-with-error", "Completed with ERROR"),
        ("error", "ERROR"),
    ):
        assert f'<span class="status-badge status-{css}">{label}</span>' in html
    for record in records.values():
        assert f'href="{descriptions_url(record.pk)}"' in html
    assert reverse("admin:rostering_importrecord_troubleshooting") in html
    assert ".status-badge.status-completed" in html  # the badge styles are included
    assert "Aeries denied access to classes (HTTP 403)." in html  # why a file is ERROR


def test_descriptions_link_lists_that_records_issues(client, reviewer, records):
    record = records[RunStatus.COMPLETED_WITH_ERROR]
    mine = ImportIssueFactory(record=record, sourced_id="100123")
    ImportIssueFactory(record=records[RunStatus.COMPLETED], sourced_id="200456")
    client.force_login(reviewer)
    page = client.get(descriptions_url(record.pk))
    assert [i.pk for i in page.context["cl"].result_list] == [mine.pk]
    assert f"Descriptions of the students file of import #{record.run_id}" in page.content.decode()
    assert mine.fix_hint in page.content.decode()


def test_list_counts_and_held_state(client, reviewer, connection):
    record = ImportRecordFactory(
        run__connection=connection, held_updates=12, held_archives=3, failed=4
    )
    HeldChange.objects.create(record=record, kind="update", table="person", sourced_id="1")
    client.force_login(reviewer)
    html = client.get(reverse(LIST)).content.decode()
    assert "15 held, to approve" in html
    assert '<span class="count count-received">10 received</span>' in html
    assert '<span class="count count-failed">4 failed</span>' in html
    assert ", took 1:15" in html  # 75 seconds


def test_list_queries_are_bounded(client, reviewer, connection, django_assert_max_num_queries):
    for _ in range(30):
        record = ImportRecordFactory(run__connection=connection)
        ImportIssueFactory(record=record)
    client.force_login(reviewer)
    with django_assert_max_num_queries(10):
        assert client.get(reverse(LIST)).status_code == 200


def test_record_page_shows_counts_issues_and_held_panel_to_a_reviewer(
    client, reviewer, held_import
):
    record = held_import.record()
    client.force_login(reviewer)
    page = client.get(change_url(record))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Held changes waiting for approval" in html
    assert "accounts to be updated" in html and "accounts to be archived" in html
    assert "Family name" in html or "Grades" in html
    assert "held-approve-form" not in html and "A district manager can approve" in html
    first = record.issues.first()
    assert first.message in html


def test_manager_sees_approve_and_discard(client, manager, held_import):
    client.force_login(manager)
    html = client.get(change_url(held_import.record())).content.decode()
    assert 'id="held-approve-form"' in html and 'id="held-discard-form"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_manager_approves_from_the_record_page(client, manager, held_import):
    record = held_import.record()
    count = record.held_changes.count()
    client.force_login(manager)
    response = client.post(approve_url(record))
    assert response.status_code == 302 and response.url == change_url(record)
    assert texts(response) == [HELD_APPLIED.format(count=count)]
    leaver = Person.objects.get(sourced_id=held_import.mutation["left"][0])
    assert leaver.status == RosterStatus.ARCHIVED
    assert AuditEvent.objects.filter(action=AuditEvent.Action.APPROVE, actor=manager).exists()
    html = client.get(change_url(record)).content.decode()
    assert "approved and applied" in html and "held-approve-form" not in html


def test_manager_discards_from_the_record_page(client, manager, held_import):
    record = held_import.record()
    count = record.held_changes.count()
    client.force_login(manager)
    response = client.post(discard_url(record))
    assert texts(response) == [HELD_LEFT.format(count=count)]
    assert not record.held_changes.filter(status="pending").exists()


def test_refusal_is_shown_as_an_error(client, manager, held_import):
    old = held_import.record()
    newer = pull(held_import.connection).records.get(kind="students")
    client.force_login(manager)
    response = client.post(approve_url(old))
    assert texts(response) == [
        HELD_SUPERSEDED.format(newer=newer.run_id, run=old.run_id, kind="students")
    ]


def test_reviewer_cannot_approve(client, reviewer, held_import):
    record = held_import.record()
    client.force_login(reviewer)
    assert client.post(approve_url(record)).status_code == 403
    assert client.post(discard_url(record)).status_code == 403
    assert record.held_changes.filter(status="pending").count() == record.held_changes.count()


def test_other_districts_manager_gets_404(client, other_manager, held_import):
    client.force_login(other_manager)
    record = held_import.record()
    assert client.post(approve_url(record)).status_code == 404
    assert client.get(change_url(record)).status_code == 404
    assert not record.held_changes.exclude(status="pending").exists()


def test_approve_needs_post_and_csrf(client, manager, held_import):
    from django.test import Client

    record = held_import.record()
    client.force_login(manager)
    assert client.get(approve_url(record)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post(approve_url(record)).status_code == 403
    assert not record.held_changes.exclude(status="pending").exists()


def test_troubleshooting_lists_every_issue_code_and_error_cause(client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("admin:rostering_importrecord_troubleshooting"))
    assert page.status_code == 200
    html = page.content.decode()
    for code, kind in ISSUE_KINDS.items():
        assert f'id="code-{code}"' in html
        assert kind.fix.replace("'", "&#x27;") in html
    for cause in record_error_causes():
        assert f'id="{cause.anchor}"' in html
    for words in ("Bad credentials", "Missing permission", "Wrong URL", "Time-outs", "held"):
        assert words in html


def test_troubleshooting_needs_a_district(client, db):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:rostering_importrecord_troubleshooting"))
    assert response.status_code == 403


def test_other_districts_records_are_not_listed(client, reviewer, records, other_district):
    theirs = ImportRecordFactory(run__connection=ConnectionFactory(district=other_district))
    client.force_login(reviewer)
    listed = {r.pk for r in client.get(reverse(LIST)).context["cl"].result_list}
    assert listed == {r.pk for r in records.values()} and theirs.pk not in listed


def test_superseded_held_changes_offer_only_discard(client, manager, held_import):
    old = held_import.record()
    newer = pull(held_import.connection).records.get(kind="students")
    client.force_login(manager)
    html = client.get(change_url(old)).content.decode()
    assert f"Import #{newer.run_id} read this file again" in html
    assert 'form="held-approve-form"' not in html and 'form="held-discard-form"' in html
    html = client.get(change_url(newer)).content.decode()
    assert 'form="held-approve-form"' in html and "read this file again" not in html

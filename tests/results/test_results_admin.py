"""Import results: colored records with Descriptions, the record page's held changes
the way to its held changes, counts that explain themselves, and the troubleshooting page."""

import pytest
from django.urls import reverse

from rostering.admin.count_links import held_review_url
from rostering.admin.results import NO_ISSUES, NO_ROWS_READ, descriptions_url
from rostering.models import HeldChange, RunStatus
from rostering.sync.issues import ISSUE_KINDS
from rostering.troubleshooting import record_error_causes
from tests.factories import (
    ConnectionFactory,
    ImportIssueFactory,
    ImportRecordFactory,
    SyncRunFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
LIST = "admin:rostering_importrecord_changelist"


def change_url(record) -> str:
    return reverse("admin:rostering_importrecord_change", args=[record.pk])


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
    assert "autoroster/console.css" in html  # the badge styles are included
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
    assert "15 held, to review" in html and held_review_url(record.run_id, "students") in html
    assert "10 received · " in html
    failed = reverse("admin:rostering_importissue_changelist") + f"?record={record.pk}"
    assert f'<a href="{failed}&amp;severity__exact=error">4 failed</a>' in html
    assert "took 1 min 15 s" in html  # 75 seconds


def test_list_queries_are_bounded(client, reviewer, connection, django_assert_max_num_queries):
    for _ in range(30):
        record = ImportRecordFactory(run__connection=connection)
        ImportIssueFactory(record=record)
    client.force_login(reviewer)
    with django_assert_max_num_queries(10):
        assert client.get(reverse(LIST)).status_code == 200


def test_record_page_shows_counts_issues_and_the_way_to_held_changes(client, reviewer, held_import):
    record = held_import.record()
    client.force_login(reviewer)
    page = client.get(change_url(record))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Review held changes" in html and held_review_url(record.run_id, "students") in html
    first = record.issues.first()
    assert first.message in html


def test_record_page_counts_students_and_parent_contacts_apart(client, reviewer, held_import):
    record = held_import.record()
    parts = record.part_counts
    assert set(parts) == {"students", "parent contacts"}
    client.force_login(reviewer)
    html = client.get(change_url(record)).content.decode()
    assert "<th scope='row'>Parent contacts</th>" in html
    listed = client.get(reverse(LIST)).content.decode()
    words = f"{record.received:,} received ({parts['students']['received']:,} students, "
    assert words in listed


def test_record_page_breaks_skipped_down(client, reviewer, connection):
    record = ImportRecordFactory(
        run__connection=connection, skipped=7,
        skipped_reasons={"school_not_mapped": 5, "tobedeleted": 2},
    )  # fmt: skip
    client.force_login(reviewer)
    html = client.get(change_url(record)).content.decode()
    assert '<div id="skipped">' in html
    assert "<strong>5</strong> school not mapped" in html
    assert "<strong>2</strong> marked tobedeleted in the SIS" in html


def test_an_error_file_that_read_nothing_says_so(client, reviewer, connection):
    record = ImportRecordFactory(
        run__connection=connection, status=RunStatus.ERROR, received=0, created=0,
        message="Aeries refused the Consumer ID (401).",
    )  # fmt: skip
    client.force_login(reviewer)
    html = client.get(change_url(record)).content.decode()
    assert NO_ROWS_READ in html and NO_ISSUES not in html


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

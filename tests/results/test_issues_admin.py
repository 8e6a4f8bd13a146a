"""Descriptions: the issues list, search by sourcedId, and the CSV export (scoped)."""

import csv
import io

import pytest
from django.urls import reverse

from rostering.admin.issues import CSV_HEADER, CSV_STATUS
from rostering.models import ImportIssue
from tests.factories import ConnectionFactory, ImportIssueFactory, ImportRecordFactory

pytestmark = pytest.mark.django_db
LIST = "admin:rostering_importissue_changelist"


def export(client, query: str = "") -> list[list[str]]:
    response = client.get(reverse("admin:rostering_importissue_export") + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def issues(connection, other_district):
    record = ImportRecordFactory(run__connection=connection, status="completed_with_error")
    staff = ImportRecordFactory(run=record.run, kind="staff", status="completed_with_error")
    theirs = ImportRecordFactory(run__connection=ConnectionFactory(district=other_district))
    return {
        "student": ImportIssueFactory(record=record, sourced_id="100001"),
        "warning": ImportIssueFactory(
            record=record,
            sourced_id="100002",
            code="missing_email",
            severity="warning",
            field="email",
            message="No e-mail address: the account can sign in only by username.",
        ),
        "staff": ImportIssueFactory(record=staff, sourced_id="TCH_1", code="missing_name"),
        "theirs": ImportIssueFactory(record=theirs, sourced_id="999999"),
    }


def test_csv_has_the_usual_columns_and_only_the_users_district(client, reviewer, issues):
    client.force_login(reviewer)
    rows = export(client)
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[0][:4] == ["SourcedId", "Field", "Status", "Error Message"]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {"100001", "100002", "TCH_1"}
    first = issues["student"]
    assert by_id["100001"] == [
        "100001",
        "email",
        CSV_STATUS[ImportIssue.Severity.ERROR],
        first.message,
        "100001",  # the Student ID (the excerpt names no one: the factory's issue)
        "100001",
        "",
        "",
        "",
        "bad_email",
        "Error",
        first.fix_hint,
        "Students",
        str(first.record.run_id),
    ]
    assert by_id["100002"][2] == "Imported with warning"


def test_csv_follows_the_lists_filters_and_search(client, reviewer, issues):
    client.force_login(reviewer)
    record = issues["student"].record
    assert {r[0] for r in export(client, f"?record={record.pk}")[1:]} == {"100001", "100002"}
    assert [r[0] for r in export(client, "?severity__exact=warning")[1:]] == ["100002"]
    assert [r[0] for r in export(client, "?q=TCH_1")[1:]] == ["TCH_1"]
    theirs = issues["theirs"].record
    assert export(client, f"?record={theirs.pk}")[1:] == []


def test_csv_cells_never_run_as_formulas(client, reviewer, connection):
    ImportIssueFactory(record__run__connection=connection, sourced_id="=HYPERLINK(1)")
    client.force_login(reviewer)
    assert export(client)[1][0] == "'=HYPERLINK(1)"


def test_export_button_carries_the_current_filters(client, reviewer, issues):
    client.force_login(reviewer)
    record = issues["student"].record
    html = client.get(reverse(LIST) + f"?record={record.pk}").content.decode()
    assert reverse("admin:rostering_importissue_export") + f"?record={record.pk}" in html


def test_list_shows_fix_hints_and_searches_by_sourced_id(client, reviewer, issues):
    client.force_login(reviewer)
    page = client.get(reverse(LIST), {"q": "100002"})
    assert [i.pk for i in page.context["cl"].result_list] == [issues["warning"].pk]
    assert issues["warning"].fix_hint in page.content.decode()


def test_another_districts_record_filter_shows_nothing(client, reviewer, issues):
    client.force_login(reviewer)
    page = client.get(reverse(LIST), {"record": issues["theirs"].record_id})
    assert list(page.context["cl"].result_list) == []
    assert "Descriptions of" not in page.content.decode()


def test_issue_list_queries_are_bounded(
    client, reviewer, connection, django_assert_max_num_queries
):
    record = ImportRecordFactory(run__connection=connection)
    ImportIssueFactory.create_batch(60, record=record)
    client.force_login(reviewer)
    with django_assert_max_num_queries(10):
        assert client.get(reverse(LIST), {"record": record.pk}).status_code == 200

"""The console as its three kinds of users take it, in headless Chromium at 1366x900,
against the sandbox SIS over real HTTP; each main screen is saved to docs/screenshots/
(see docs/guide.md) and every page must answer without a server error and show its
tables whole.

- A district manager adds a connection with a wrong secret, tests it, fixes it, tests
  it again, maps schools, previews, pulls, reads the results, pulls after the SIS
  changed, reviews the held changes and approves them, reads a person's history and
  the audit trail.
- A staff reviewer reads results, descriptions, downloads the CSV and troubleshooting,
  and finds no secret and no way to change anything.
- Vendor support starts from every district's sync health and sorts it.
"""

import csv
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone

from rostering.demo import DEMO_SCHOOLS
from rostering.models import HeldChange, Membership, Person, RunStatus
from tests.browser_flows.journey import journey
from tests.factories import (
    ConnectionFactory,
    DistrictFactory,
    ImportRecordFactory,
    MembershipFactory,
    SchoolFactory,
    SyncRunFactory,
    UserFactory,
)
from tests.sync.conftest import connect
from tests.sync.helpers import pull

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WRONG_SECRET = "not-the-secret-aeries-shows"
# Every list of the menu: each must fit 1366 px (checked on every visit).
MEMBER_LISTS = [
    "/admin/connections/connection/", "/admin/rostering/importrecord/",
    "/admin/rostering/person/", "/admin/rostering/guardian/", "/admin/rostering/section/",
    "/admin/rostering/enrollment/", "/admin/rostering/course/", "/admin/audit/auditevent/",
    "/admin/rostering/district/", "/admin/rostering/yeararchive/",
]  # fmt: skip
SUPPORT_LISTS = [
    *MEMBER_LISTS,
    "/admin/rostering/sisschool/", "/admin/rostering/importissue/", "/admin/rostering/syncrun/",
    "/admin/rostering/rosterchange/", "/admin/rostering/schedulepause/",
    "/admin/rostering/academicsession/", "/admin/rostering/school/",
    "/admin/rostering/membership/", "/admin/auth/user/",
]  # fmt: skip


@pytest.fixture
def tasks_inline(monkeypatch):
    """django-q2 runs a queued task at once, in the request that queued it."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture(autouse=True)
def _sandbox_urls_allowed(settings):
    settings.ALLOW_INSECURE_SIS_URLS = True


def _fill_connection(j, server, secret: str) -> None:
    """The Add form as the Aeries guides have people fill it: the login page's address
    pasted as the Aeries URL, the Consumer ID and a Consumer Secret Key."""
    page = j.page
    page.fill("#id_name", "Aeries OneRoster")
    page.select_option("#id_kind", "oneroster")
    page.fill("#id_base_url", server.base_url + "Login.aspx")
    page.fill("#id_client_id", server.client_id)
    page.fill("#id_new_client_secret", secret)
    page.select_option("#id_sync_settings-0-guardians", "primary")
    page.select_option("#id_sync_settings-0-existing_accounts", "update")
    page.check("#id_sync_settings-0-archive_missing")
    page.fill("#id_sync_settings-0-archive_threshold_pct", "1")


def _test_typed(j, expected: str) -> None:
    """Test connection on the form: the verdict shows below the credentials, no reload."""
    from playwright.sync_api import expect

    result = j.page.locator("#test-typed-result .test-verdict")
    j.page.locator("#test-typed-button").click()
    expect(result).not_to_have_text("Testing…")
    expect(result).to_contain_text(expected)


def _open_connection(j) -> None:
    j.visit("/admin/connections/connection/")
    j.shot("manager-04b-connections-list")
    j.page.locator("#result_list").get_by_role("link", name=re.compile("^Aeries OneRoster")).click()


def test_manager_journey(live_server, chromium, sandbox_sis_factory, tasks_inline):
    from playwright.sync_api import expect, sync_playwright

    server = sandbox_sis_factory(students=200, seed=5)
    district = DistrictFactory(name="Sierra Foothills USD", timezone="America/Los_Angeles")
    for name in DEMO_SCHOOLS:
        SchoolFactory(district=district, name=name)
    MembershipFactory(district=district, role=Membership.Role.MANAGER, user__username="manager1")
    with sync_playwright() as playwright, journey(playwright, chromium, live_server.url) as j:
        page = j.page
        j.login("manager1")
        expect(page.locator("#sync-health")).to_contain_text("No connection yet")
        j.shot("manager-01-home-first-visit")
        page.get_by_role("link", name="Add the district's Aeries connection").click()
        _fill_connection(j, server, WRONG_SECRET)
        _test_typed(j, "Connection failing. Tested the values on the form (not saved yet).")
        expect(page.locator("#test-typed-result")).to_contain_text("Consumer ID")
        expect(page.locator("#test-typed-save")).to_be_hidden()
        expect(page.locator("#id_base_url")).to_have_value(server.base_url)  # Login.aspx cut
        j.shot("manager-02-test-connection-failing")
        page.fill("#id_new_client_secret", server.client_secret)
        _test_typed(j, "Connection healthy. Tested the values on the form")
        expect(page.locator("#test-typed-result")).to_contain_text("✓ students: OK")
        expect(page.locator("#id_name")).to_have_value("Aeries OneRoster")  # nothing lost
        j.shot("manager-03-test-connection-healthy")
        page.locator("#test-typed-save").click()  # the pass offers to save
        expect(page.locator(".messagelist")).to_contain_text("was added successfully")
        expect(page.locator(".messagelist")).to_contain_text("connection healthy")
        expect(page.locator(".field-last_test_report")).to_contain_text("✓ students: OK")
        expect(page.locator("#sync_settings-group .inline-related > h3").first).to_be_hidden()
        j.shot("manager-03b-connection-saved")

        page.get_by_role("link", name=re.compile("Map schools")).click()
        page.get_by_role("button", name="Update list").click()  # fetch them from Aeries
        expect(page.locator("#content")).to_contain_text("Roosevelt High School")
        j.shot("manager-04-map-schools")
        _open_connection(j)

        page.get_by_role("button", name="Preview changes").click()
        expect(page.locator("h1")).to_contain_text("Preview of an import")
        expect(page.locator("#preview-students")).to_contain_text("would be created")
        j.shot("manager-05-preview-changes")

        page.get_by_role("button", name="Pull now").click()
        expect(page.locator("h1")).to_contain_text("Import #")
        expect(page.locator("#run-progress")).to_contain_text("Completed with ERROR")
        j.shot("manager-06-run-page")
        page.get_by_role("link", name="Import results", exact=True).first.click()
        expect(page.locator("#result_list tbody tr")).to_have_count(4)
        j.shot("manager-07-import-results")
        page.locator("#result_list tbody tr", has_text="Students").get_by_role(
            "link", name=re.compile("Descriptions")
        ).click()
        expect(page.locator("#result_list")).to_contain_text("Student ID")
        j.shot("manager-08-descriptions")

        mutation = server.mutate(40)  # renames, grade changes, leavers, newcomers
        j.visit("/admin/")
        j.shot("manager-09-home-sync-health")
        page.locator("#sync-health").get_by_role("link", name="Aeries OneRoster").click()
        page.get_by_role("button", name="Pull", exact=True).click()
        expect(page.locator("#held-banner")).to_contain_text("held by a safeguard")
        j.shot("manager-10-run-with-held-changes")
        page.locator("#held-banner").get_by_role("link", name="Review held changes").click()
        expect(page.locator("#file-students")).to_contain_text("would be archived")
        expect(page.locator("#file-enrollments")).to_contain_text(" in ")
        j.shot("manager-11-review-held-changes")
        page.get_by_role("button", name=re.compile("Approve all")).click()
        expect(page.locator(".messagelist")).to_contain_text("Applied")
        expect(page.locator("#content-main")).to_contain_text("approved and applied")
        j.shot("manager-12-held-changes-approved")

        j.visit(f"/admin/rostering/person/?q={mutation['renamed'][0]}")
        page.locator("#result_list tbody tr th a").first.click()
        expect(page.locator(".field-history")).to_contain_text("Account changed")
        expect(page.locator(".field-sign_in")).to_contain_text("single sign-on")
        j.shot("manager-13-person-history")
        j.visit("/admin/audit/auditevent/")
        expect(page.locator("#result_list")).to_contain_text("Approved held changes")
        j.shot("manager-14-audit-trail")
        for path in MEMBER_LISTS:
            j.visit(path)
    leaver = Person.objects.get(district=district, sourced_id=mutation["left"][0])
    assert leaver.status == "archived"
    assert not HeldChange.objects.filter(status="pending").exists()


@pytest.fixture
def reviewed(sandbox_sis_factory, db):
    """A district with a connection, a finished import with row problems, a reviewer."""
    server = sandbox_sis_factory(students=200, seed=3)
    district = DistrictFactory(name="Foothill Unified")
    connection = connect(server, district=district, guardians="primary")
    run = pull(connection)
    MembershipFactory(district=district, role=Membership.Role.REVIEWER, user__username="reader")
    return connection, run


def test_reviewer_journey(live_server, chromium, reviewed):
    from playwright.sync_api import expect, sync_playwright

    connection, run = reviewed
    secret = str(connection.client_secret)
    with sync_playwright() as playwright, journey(playwright, chromium, live_server.url) as j:
        page = j.page
        j.login("reader")
        expect(page.locator("#sync-health")).to_contain_text(connection.name)
        expect(page.locator("#sync-health button")).to_have_count(0)  # no Pull
        j.shot("reviewer-01-home")
        j.visit("/admin/rostering/importrecord/")
        j.shot("reviewer-02-import-results")
        page.locator("#result_list tbody tr", has_text="Students").get_by_role(
            "link", name="Students"
        ).click()
        expect(page.locator("#skipped")).to_contain_text("Skipped: why")
        j.shot("reviewer-03-record-counts")
        page.get_by_role("link", name="Descriptions").first.click()
        j.shot("reviewer-04-descriptions")
        with page.expect_download() as download:
            page.get_by_role("link", name="Export CSV").click()
        csv_text = Path(download.value.path()).read_text(encoding="utf-8")
        assert csv_text.startswith("SourcedId,Field,Status,Error Message,Student ID / Staff ID")
        rows = list(csv.DictReader(io.StringIO(csv_text)))
        bad_grade = next(row for row in rows if row["Field"] == "grades")
        assert bad_grade["Name"] and bad_grade["Role"] and bad_grade["Grade"] == "14", bad_grade
        page.get_by_role("link", name="Troubleshooting").first.click()
        expect(page.locator("#skipped")).to_contain_text("School not mapped")
        j.shot("reviewer-05-troubleshooting")
        j.visit(f"/admin/connections/connection/{connection.pk}/change/")
        html = page.content()
        assert secret not in html, html[max(html.find(secret) - 300, 0) : html.find(secret) + 80]
        assert page.locator("#id_new_client_secret").count() == 0
        buttons = page.locator("#content input[type=submit], #content button[type=submit]")
        assert buttons.count() == 0, buttons.first.evaluate("b => b.outerHTML")
        j.shot("reviewer-06-connection-read-only")
        j.visit(f"/admin/rostering/syncrun/{run.pk}/change/")
        j.shot("reviewer-07-run-page")
        for path in MEMBER_LISTS:
            j.visit(path)


@pytest.fixture
def fleet(db, sandbox_sis_factory):
    """Vendor support, five districts: one imported from the sandbox (its lists full of
    real rows), one healthy, one failing, one with held changes, one without connection."""
    UserFactory(username="support1", is_superuser=True)
    server = sandbox_sis_factory(students=60, seed=7)
    pull(connect(server, district=DistrictFactory(name="Elm Grove USD"), guardians="all"))
    healthy = ConnectionFactory(district=DistrictFactory(name="Alder Unified"), name="Aeries")
    SyncRunFactory(connection=healthy, status=RunStatus.COMPLETED, finished_at=timezone.now())
    failing = ConnectionFactory(district=DistrictFactory(name="Birch Valley USD"), name="Aeries")
    failing.last_test_ok = False
    failing.save()
    SyncRunFactory(connection=failing, status=RunStatus.ERROR, message="HTTP 401")
    held = ConnectionFactory(district=DistrictFactory(name="Cedar Joint USD"), name="Aeries")
    record = ImportRecordFactory(
        run__connection=held, run__status=RunStatus.COMPLETED_WITH_ERROR, held_archives=6
    )
    for n in range(6):
        HeldChange.objects.create(
            record=record, kind="archive", table="person", sourced_id=f"{n}", payload={"id": n}
        )
    DistrictFactory(name="Dogwood (no connection yet)")


def test_support_journey(live_server, chromium, fleet):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright, journey(playwright, chromium, live_server.url) as j:
        page = j.page
        j.login("support1")
        table = page.locator("#fleet-table")
        expect(table.locator("tbody tr")).to_have_count(5)
        expect(table.locator("tr.needs-help")).to_have_count(2)
        expect(table.locator("tbody tr", has_text="Alder Unified")).to_contain_text("1 min ago")
        j.shot("support-01-fleet-home")
        page.locator("#fleet-table th", has_text="Failing connections").click()
        expect(table.locator("tbody tr").first).to_contain_text("Birch Valley USD")
        page.locator("#fleet-table th", has_text="Held changes waiting").click()
        expect(table.locator("tbody tr").first).to_contain_text("Cedar Joint USD")
        j.shot("support-02-fleet-sorted-by-held")
        j.visit("/admin/rostering/person/")
        expect(page.locator("#changelist-filter")).to_contain_text("district")
        j.visit("/admin/connections/connection/")
        j.shot("support-03-connections")
        for path in SUPPORT_LISTS:
            j.visit(path)

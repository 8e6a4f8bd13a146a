"""A staff reviewer, in headless Chromium: Import results → Descriptions → the fix hint."""

import pytest

from rostering.models import Membership, RunStatus
from tests.browser import CHROMIUM_ARGS, admin_login
from tests.factories import (
    ConnectionFactory,
    DistrictFactory,
    ImportIssueFactory,
    ImportRecordFactory,
    MembershipFactory,
)

FIX_HINT = "Correct the e-mail address in Aeries (Student Data or Staff Data)."

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_reviewer_opens_descriptions_and_reads_the_fix(live_server, chromium):
    from playwright.sync_api import expect, sync_playwright

    district = DistrictFactory(name="Browser District")
    MembershipFactory(district=district, role=Membership.Role.REVIEWER, user__username="reviewer1")
    record = ImportRecordFactory(
        run__connection=ConnectionFactory(district=district, name="Aeries"),
        status=RunStatus.COMPLETED_WITH_ERROR,
        failed=1,
    )
    ImportIssueFactory(record=record, sourced_id="100777", fix_hint=FIX_HINT)
    # Every database write happens before Playwright runs its event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page()
            admin_login(page, live_server.url, "reviewer1")
            page.click("#content-main a[href$='/rostering/importrecord/']")
            row = page.locator("#result_list tbody tr").first
            expect(row.locator(".status-badge")).to_have_text("Completed with ERROR")
            row.get_by_role("link", name="Descriptions").click()
            expect(page.locator("h1")).to_contain_text("Descriptions of the students file")
            expect(page.locator("td.field-aeries_id")).to_have_text("100777")
            expect(page.locator("td.field-description .fix-hint")).to_contain_text(FIX_HINT)
        finally:
            browser.close()

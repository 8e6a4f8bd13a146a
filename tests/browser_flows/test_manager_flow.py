"""A district manager, in headless Chromium, against the sandbox SIS over real HTTP:
connection page → Test connection → Map schools → Pull → run page → Import results."""

import pytest

from rostering.models import Membership, Person
from tests.browser import CHROMIUM_ARGS, admin_login
from tests.factories import MembershipFactory
from tests.sync.conftest import connect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tasks_inline(monkeypatch):
    """django-q2 runs a queued task at once, in the request that queued it."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def test_manager_tests_maps_pulls_and_reads_results(
    live_server,
    chromium,
    sandbox_sis,
    settings,
    tasks_inline,
):
    from playwright.sync_api import expect, sync_playwright

    settings.ALLOW_INSECURE_SIS_URLS = True
    connection = connect(sandbox_sis)
    MembershipFactory(
        district=connection.district, role=Membership.Role.MANAGER, user__username="manager1"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            admin_login(page, live_server.url, "manager1")
            page.goto(f"{live_server.url}/admin/connections/connection/{connection.pk}/change/")
            expect(page.locator(".aeries-help")).to_contain_text("Security > API Security")
            page.get_by_role("button", name="Test connection").click()
            expect(page.locator(".messagelist")).to_contain_text("connection healthy")
            expect(page.locator(".field-last_test_report")).to_contain_text("✓ students: OK")
            page.get_by_role("link", name="Map schools").click()
            expect(page.locator("#content")).to_contain_text("Roosevelt High School")
            page.go_back()
            page.get_by_role("button", name="Pull").first.click()
            expect(page.locator("h1")).to_contain_text("Import #")
            expect(page.locator("#content")).to_contain_text("Completed with ERROR")
            page.goto(f"{live_server.url}/admin/rostering/importrecord/")
            expect(page.locator("#result_list tbody tr")).to_have_count(4)
            page.locator("#result_list tbody tr", has_text="Students").get_by_role(
                "link", name="Descriptions"
            ).click()
            expect(page.locator("#result_list")).to_contain_text("100004")
        finally:
            browser.close()
    assert Person.objects.filter(district=connection.district, role="student").exists()

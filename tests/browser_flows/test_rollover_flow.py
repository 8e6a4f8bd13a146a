"""A district manager rolls the district over in headless Chromium: the preview, the
confirmation by name, the archive's page, the pause suggestion and the undo."""

from pathlib import Path

import pytest

from rostering.models import Membership, SchedulePause, Section, SyncSettings, YearArchive
from tests.browser import CHROMIUM_ARGS, admin_login
from tests.factories import MembershipFactory
from tests.sync.conftest import connect
from tests.sync.helpers import pull

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_manager_previews_archives_pauses_and_undoes(live_server, chromium, sandbox_sis, settings):
    from playwright.sync_api import expect, sync_playwright

    settings.ALLOW_INSECURE_SIS_URLS = True
    connection = connect(sandbox_sis)
    SyncSettings.objects.filter(connection=connection).update(daily_import=True)
    pull(connection)
    district = connection.district
    MembershipFactory(district=district, role=Membership.Role.MANAGER, user__username="manager1")
    sections = Section.objects.count()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            errors = []
            page.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
            admin_login(page, live_server.url, "manager1")
            page.goto(f"{live_server.url}/admin/rostering/district/{district.pk}/change/")
            page.get_by_role("link", name="End-of-year rollover").click()
            expect(page.locator(".counts")).to_contain_text(f"{sections:,} sections")
            page.get_by_label("Students").check()
            page.get_by_role("button", name="Update the preview").click()
            expect(page.locator(".counts")).not_to_contain_text("none chosen")
            page.screenshot(path=str(SCREENSHOTS / "rollover-preview.png"), full_page=True)

            page.get_by_label("Type the district's name to confirm").fill("Wrong name")
            page.get_by_role("button", name="Archive 2026-2027").click()
            expect(page.locator(".errorlist")).to_contain_text("Type the district's name")
            page.get_by_label("Type the district's name to confirm").fill(district.name)
            page.get_by_role("button", name="Archive 2026-2027").click()
            expect(page.locator(".messagelist")).to_contain_text("Archived school year 2026-2027")
            page.screenshot(path=str(SCREENSHOTS / "rollover-archived.png"), full_page=True)

            page.get_by_role("button", name="Pause daily imports").click()
            expect(page.locator(".messagelist")).to_contain_text("are paused until")
            page.get_by_role("button", name="Undo the 2026-2027 archive").click()
            expect(page.locator(".messagelist")).to_contain_text("archive was undone")
            expect(page.locator("#content")).to_contain_text("Restored:")
            assert errors == []
        finally:
            browser.close()
    archive = YearArchive.objects.get()
    assert archive.status == YearArchive.Status.UNDONE and archive.counts["people"] > 0
    assert Section.objects.filter(year_archive__isnull=True).count() == sections
    assert SchedulePause.objects.filter(connection=connection).exists()

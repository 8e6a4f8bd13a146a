"""A district manager edits a sync rule with its preview, then changes the name format and
approves the renames it holds, in headless Chromium (screenshots in docs/screenshots/)."""

import re
from pathlib import Path

import pytest

from rostering.models import Membership, Person, SyncRules, SyncSettings
from tests.browser import CHROMIUM_ARGS, admin_login
from tests.factories import MembershipFactory
from tests.sync.conftest import connect
from tests.sync.helpers import pull

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.fixture
def tasks_inline(monkeypatch):
    """django-q2 runs a queued task at once, in the request that queued it."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def test_manager_previews_a_rule_then_approves_held_renames(
    live_server, chromium, sandbox_sis, settings, tasks_inline
):
    from playwright.sync_api import expect, sync_playwright

    settings.ALLOW_INSECURE_SIS_URLS = True
    connection = connect(sandbox_sis, existing_accounts="update")
    SyncSettings.objects.filter(connection=connection).update(archive_missing=True)
    pull(connection)
    MembershipFactory(district=connection.district, role=Membership.Role.MANAGER,
                      user__username="manager1")  # fmt: skip
    change = f"{live_server.url}/admin/connections/connection/{connection.pk}/change/"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            errors = []
            page.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
            admin_login(page, live_server.url, "manager1")

            # A rule: a typo first (refused with the CEDS codes), then a preview, then Save.
            page.goto(change)
            page.get_by_role("link", name="Sync rules").click()
            page.get_by_label("Not these grade levels").fill("PK, TK, Kinder")
            page.get_by_role("button", name="Preview changes").click()
            expect(page.locator(".errorlist")).to_contain_text("'Kinder' is not a grade level")
            page.get_by_label("Not these grade levels").fill("PK, TK, KG")
            page.get_by_label("Not these subjects").fill("Physical Education")
            page.get_by_role("button", name="Preview changes").click()
            expect(page.locator("#rules-preview")).to_contain_text("Nothing was saved or written.")
            expect(page.locator("#rules-preview")).to_contain_text("(grade levels)")
            expect(page.locator("#rules-preview")).to_contain_text("(subjects)")
            _shot(page, "sync-rules-preview.png")
            page.get_by_role("button", name="Save these rules").click()
            expect(page.locator(".messagelist")).to_contain_text("Sync rules of")
            expect(page.locator(".rules-summary")).to_contain_text("Grade levels: not PK, TK, KG")

            # A name format: preview the first 20 names, save.
            page.get_by_role("link", name="Name formats").click()
            page.get_by_label("Student usernames").fill("{first}.{last}")
            page.get_by_label("Student e-mails").fill("{username}@students.example.org")
            page.get_by_role("button", name="Preview names").click()
            expect(page.locator("#names-preview")).to_contain_text("zoe.obriennunez")
            expect(page.locator("table.name-rows tbody tr")).to_have_count(20)
            _shot(page, "name-formats-preview.png")
            page.get_by_role("button", name="Save name formats").click()
            expect(page.locator(".messagelist")).to_contain_text("would be renamed")

            # The next import holds the renames; the manager reviews and approves them.
            page.get_by_role("button", name="Pull", exact=True).click()
            expect(page.locator(".messagelist")).to_contain_text("queued")
            run = re.search(r"Import #(\d+)", page.locator(".messagelist").inner_text()).group(1)
            page.goto(f"{live_server.url}/admin/rostering/syncrun/{run}/held/")
            expect(page.locator("#content")).to_contain_text("to be renamed")
            expect(page.locator("#content")).to_contain_text("name format")
            _shot(page, "name-formats-held-renames.png")
            page.on("dialog", lambda dialog: dialog.accept())  # the confirm() of decisions
            page.get_by_role("button", name=re.compile("Approve all")).click()
            expect(page.locator(".messagelist")).to_contain_text("Applied")
            _shot(page, "name-formats-renames-approved.png")
            assert errors == []
        finally:
            browser.close()
    assert SyncRules.objects.get(connection=connection).grades_exclude == ["PK", "TK", "KG"]
    students = Person.objects.filter(district=connection.district, role="student",
                                     status="active")  # fmt: skip
    dotted = students.filter(username__contains=".", email__endswith="@students.example.org")
    assert dotted.count() >= students.count() - 5  # a few have no first or last name

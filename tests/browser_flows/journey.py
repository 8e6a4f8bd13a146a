"""A person's way through the console in headless Chromium at 1366x900: every page must
answer without a server error and show its tables whole (nothing clipped or scrolled
sideways); each main screen is saved as a screenshot for docs/guide.md.

Screenshots go to docs/screenshots/ (BROWSER_SCREENSHOTS names another folder; an
empty value keeps none).
"""

import os
from contextlib import contextmanager, suppress
from pathlib import Path

from django.core.exceptions import SynchronousOnlyOperation
from django.db import connections

from tests.browser import CHROMIUM_ARGS, admin_login

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1366, "height": 900}
SERVER_ERROR = "{status} {method} {url}"
# Every table (and the boxes that scroll a table) must fit the window.
CLIPPED_JS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.')
     : '');
  if (document.documentElement.scrollWidth > width + 1) {
    found.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
  }
  for (const el of document.querySelectorAll('table, .results, .counts-scroll')) {
    if (!el.offsetParent) continue;  // hidden (a collapsed fieldset)
    if (el.scrollWidth > el.clientWidth + 1) {
      const heads = [...el.querySelectorAll('thead th')].map((th) =>
        `${th.textContent.trim() || th.className}=${Math.round(th.getBoundingClientRect().width)}`);
      found.push(`${name(el)} is clipped: ${el.scrollWidth}px of content in ${el.clientWidth}px ` +
        `(columns: ${heads.join(', ')})`);
    }
    const right = el.getBoundingClientRect().right;
    if (right > width + 1) found.push(`${name(el)} runs off the window (${Math.round(right)}px)`);
  }
  return found;
}"""


def screenshots_dir() -> Path | None:
    value = os.environ.get("BROWSER_SCREENSHOTS", str(ROOT / "docs" / "screenshots"))
    if not value:
        return None
    folder = Path(value)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Journey:
    """One signed-in person's pages, checked as they go."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url
        self.errors: list[str] = []
        self.shots = screenshots_dir()
        page.on("response", self._response)

    def _response(self, response) -> None:
        if response.status >= 500:
            request = response.request
            self.errors.append(
                SERVER_ERROR.format(status=response.status, method=request.method, url=request.url)
            )

    def login(self, username: str, password: str = "pw") -> None:
        admin_login(self.page, self.base_url, username, password)
        self.check()

    def visit(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.check()

    def check(self) -> None:
        """No server error so far, and nothing clipped on the page shown."""
        self.page.wait_for_load_state("load")
        assert not self.errors, self.errors
        clipped = self.page.evaluate(CLIPPED_JS)
        if clipped and self.shots is not None:
            self.page.screenshot(path=str(self.shots.parent / "clipped.png"), full_page=True)
        assert not clipped, f"{self.page.url}: {clipped}"

    def shot(self, name: str) -> None:
        """Checks the page, then saves it (the whole page) as docs/screenshots/<name>.png."""
        self.check()
        if self.shots is not None:
            self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


@contextmanager
def journey(playwright, chromium: str, base_url: str):
    browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    try:
        page = browser.new_page(viewport=VIEWPORT)
        page.on("dialog", lambda dialog: dialog.accept())  # the confirm() of decisions
        yield Journey(page, base_url)
    finally:
        browser.close()
        # A test that reads the database between clicks does so under Playwright's event
        # loop, where Django opens a connection of its own: close it, or PostgreSQL cannot
        # drop the test database at the end ("being accessed by other users"). Where Django
        # refuses (no DJANGO_ALLOW_ASYNC_UNSAFE), no query could have opened one either.
        with suppress(SynchronousOnlyOperation):
            connections.close_all()

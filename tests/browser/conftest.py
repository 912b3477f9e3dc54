"""A real Chromium, driven through Playwright, against pytest-django's live server.

The browser is Debian's `chromium` (`make install-dev` installs it, and the CJK fonts,
when missing); `playwright install` cannot download browsers here. The live server
runs in a thread of this process and shares its database, so tests create their
users, departments and session with the ORM and then work through the pages only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "pw"  # tests.factories.make_user's default
TIMEOUT_MS = 10_000  # a local page that takes longer is a failure, not something to wait for


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium package. "
            "Run `make install-dev` (it runs `apt-get install -y chromium` when it is missing).",
            pytrace=False,
        )


class Browsing:
    """Pages for several people side by side, each in a browser context of their own
    (own cookies), in one Chromium that starts at the first sign-in."""

    def __init__(self, base_url: str, stack: ExitStack):
        self.base_url, self.stack = base_url, stack
        self.browser: Browser | None = None
        self.contexts: list[BrowserContext] = []

    def new_page(self, viewport: dict[str, int] = DESKTOP, storage_state: Any = None) -> Page:
        if self.browser is None:
            playwright = self.stack.enter_context(sync_playwright())
            self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            self.stack.callback(self.browser.close)
        phone = viewport["width"] < 640
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=viewport,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=2 if phone else 1,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            storage_state=storage_state,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context.new_page()

    def __call__(self, username: str, *, viewport: dict[str, int] = DESKTOP, password: str = PASSWORD) -> Page:
        """A page signed in as `username` through the login form."""
        page = self.new_page(viewport)
        page.goto("/accounts/login/")
        # The header's language switch is a form with a submit button of its own.
        form = login_form(page)
        form.locator("#id_username").fill(username)
        form.locator("#id_password").fill(password)
        form.get_by_role("button", name="登录").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        # Signed in: the header names the person (tests/pages/test_sign_in.py checks which name).
        expect(page.locator(".site-header .whoami")).not_to_be_empty()
        return page

    def same_person(self, page: Page, *, viewport: dict[str, int]) -> Page:
        """A new page for whoever is signed in on `page` (same cookies), at another size."""
        return self.new_page(viewport, storage_state=page.context.storage_state())


@pytest.fixture
def sign_in(live_server) -> Iterator[Browsing]:
    """sign_in("alice") -> a page signed in as alice.

    Chromium starts at the first sign-in and stops when the test ends, so set up the
    database (users, departments, items) before signing anyone in. Not one browser for
    the whole session: while Playwright's sync API is alive it marks this thread as
    running an asyncio loop, so Django (asgiref) hands the ORM a second connection here,
    and pytest-django's serialized rollback, run on that connection, silently stops
    restoring the migrations' rows (categories, role groups) for the tests that follow.
    An ORM call while the browser runs fails with SynchronousOnlyOperation instead.
    """
    require_chromium()
    with ExitStack() as stack:
        browsing = Browsing(live_server.url, stack)
        yield browsing
        for context in browsing.contexts:
            context.close()


@pytest.fixture
def cjk_fonts() -> None:
    """Screenshots are for people to look at: without a CJK font every label is a box."""
    fc_list = shutil.which("fc-list")
    fonts = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True).stdout if fc_list else ""
    if "Noto Sans CJK" not in fonts:
        pytest.fail(
            "No Noto Sans CJK font (fonts-noto-cjk) is installed, so the screenshots would show boxes "
            "instead of Chinese. Run `make install-dev`.",
            pytrace=False,
        )


# Helpers the tests share ---------------------------------------------------------
def login_form(page: Page) -> Locator:
    return page.locator("form").filter(has=page.locator("#id_username"))


def main_form(page: Page) -> Locator:
    """The page's own form (the header holds the language and sign-out forms)."""
    return page.locator("main form")


def status_of(page: Page) -> Locator:
    """The status label in the page head: the proposal's on its page, the assignment's on its."""
    return page.locator(".page-head .status")


def fill_fields(form: Locator, fields: dict[str, str | list[str]]) -> None:
    """Text goes into inputs and text areas; a select or a set of radio buttons takes the
    option with that label;
    a list checks the check boxes with those labels (multiple choices render as boxes)."""
    for name, value in fields.items():
        if isinstance(value, list):
            for label in value:
                form.get_by_label(label, exact=True).check()
            continue
        field = form.locator(f'[name="{name}"]')
        if field.first.get_attribute("type") == "radio":
            form.get_by_label(value, exact=True).check()
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


def submit(page: Page, form: Locator, button: Locator | None = None) -> None:
    """Submit a form and insist the server took it (a redirect after the POST); when it
    refuses, fail with the error the page shows instead of waiting for a message."""
    action = form.get_attribute("action") or urlsplit(page.url).path  # no action: posts to itself
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(action)) as response:
        (button or form.locator('button[type="submit"]')).click()
    if response.value.status != 302:
        page.wait_for_load_state()
        errors = page.locator(".alert.error, .errorlist").all_inner_texts()
        pytest.fail(f"POST {action} answered {response.value.status}: {errors}", pytrace=False)


def perform(page: Page, name: str, label: str, fields: dict[str, str | list[str]] | None = None) -> None:
    """Run transition `name` from the item's page, as its "可执行的操作" section offers it:
    a bare button, or (when it has fields) a form inside a <details> to open first."""
    form = page.locator(f'form[action$="/transitions/{name}/"]')
    if fields:
        details = page.locator("details.action").filter(has=form)
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        fill_fields(form, fields)
    submit(page, form)
    expect(page.locator(".messages")).to_contain_text(f"已完成操作：{label}。")


def offered(page: Page) -> list[str]:
    """The transitions the page offers this user, by name."""
    actions = page.locator('form[action*="/transitions/"]').evaluate_all("fs => fs.map(f => f.action)")
    return sorted(re.search(r"/transitions/(\w+)/$", a).group(1) for a in actions)


def fits_phone(page: Page) -> None:
    """Nothing on the page makes a phone scroll sideways, once it has settled (its fonts
    loaded and laid out). Measured at once after a navigation on a loaded machine, a page
    that fits was seen 8px too wide, with nothing sticking out a moment later; a page that
    stays too wide for 5 seconds fails, naming what sticks out."""
    width_js = "() => document.documentElement.scrollWidth"
    try:
        page.wait_for_function(
            "async (w) => { await document.fonts.ready; return document.documentElement.scrollWidth <= w; }",
            arg=PHONE["width"],
            timeout=5000,
        )
        return
    except PlaywrightTimeoutError:
        width = page.evaluate(width_js)
    if width > PHONE["width"]:
        # Name the elements that stick out, so a failure says what to fix.
        wide = page.evaluate(
            """(w) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w)
                .slice(-5)
                .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${(e.textContent || '').trim().slice(0, 60)}`)""",
            PHONE["width"],
        )
        raise AssertionError(f"{page.url} scrolls sideways on a phone: {width}px wide; " + " | ".join(wide))

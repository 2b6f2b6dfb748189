"""Browser fixtures: one headless Chromium per session, a fresh 1366×768 page per test.

The pages are served by pytest-django's ``live_server`` (a real threaded server on the
transactional test database), so what the browser shows comes from the same rows the
tests create and read back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from pytest_django.live_server_helper import LiveServer

from leadflow.tenants.models import Role, Tenant
from leadflow.tenants.services import user_create

# Playwright's sync API keeps an asyncio event loop on the test thread, and Django refuses
# ORM calls from a thread with a running loop (SynchronousOnlyOperation). The tests' ORM
# calls are ordinary synchronous code, so the guard does not apply.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1366, 768
PASSWORD = "pw"

# Open every minute of every day, so "currently available" does not depend on the clock
# (together with the ``midday`` fixture, which keeps us away from the 23:59 edge).
OPEN_ALL_WEEK: dict[str, dict[str, str] | None] = {
    day: {"start": "00:00", "end": "23:59"}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


class _SharedChromium:
    """One Playwright driver and one Chromium per test process.

    Other apps' conftests import these fixtures, and pytest then sees one session fixture
    per importing conftest. A second ``sync_playwright()`` inside the first one's event loop
    fails, so every copy shares this instance; the last one to finish closes it.
    """

    def __init__(self) -> None:
        self.users = 0
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None

    def acquire(self) -> tuple[Playwright, Browser]:
        if self.playwright is None or self.browser is None:
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
            )
        self.users += 1
        return self.playwright, self.browser

    def release(self) -> None:
        self.users -= 1
        if self.users > 0:
            return
        if self.browser is not None:
            self.browser.close()
        if self.playwright is not None:
            self.playwright.stop()
        self.playwright = self.browser = None


_chromium = _SharedChromium()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    instance, _ = _chromium.acquire()
    yield instance
    _chromium.release()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    _, chromium = _chromium.acquire()
    yield chromium
    _chromium.release()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page in its own browser context (no cookies shared between tests)."""
    context = browser.new_context(
        viewport={"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT},
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def midday() -> Iterator[datetime]:
    """Today at 12:00 UTC, with the clock ticking on from there.

    Every lead zone the tests use is then well inside an all-week 00:00–23:59 window, and
    the date stays close to the real one so session cookies are not born expired.
    """
    moment = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest.fixture
def admin_user(tenant: Tenant) -> str:
    user_create(tenant=tenant, username="boss", password=PASSWORD, role=Role.ADMIN)
    return "boss"


@pytest.fixture
def agent_user(tenant: Tenant) -> str:
    user_create(tenant=tenant, username="agent007", password=PASSWORD, role=Role.AGENT)
    return "agent007"


@pytest.fixture
def log_in(page: Page, live_server: LiveServer) -> Callable[[str], Page]:
    """Give the page a logged-in session without going through the login form.

    The session is created by Django's own test client and handed to the browser as its
    cookie; the login form itself has a test of its own.
    """

    def _log_in(username: str) -> Page:
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        session_cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME, "value": session_cookie.value,
            "url": live_server.url,
        }])
        return page

    return _log_in

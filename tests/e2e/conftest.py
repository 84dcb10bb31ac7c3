"""Browser tests: a real Chromium against ``live_server``, driven through Playwright's sync API.

Nothing is downloaded: the browser is the system's ``/usr/bin/chromium``. Without it these
tests are skipped (and say why); wherever it is installed, as in CI, they run.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

# Playwright's sync API keeps an event loop in the main thread; Django's ORM refuses to run
# while one is running unless told otherwise. It must stay set for the whole session: the
# browser lives until the session ends, and database teardown happens while it is alive.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# pytest-django's live_server listens on "localhost" unless told otherwise; page loads from
# 127.0.0.1 measured about a third faster here.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "demo-pass-2026"  # demo.data.DEMO_PASSWORD
TIMEOUT_MS = 10_000


def shot(page, name: str) -> Path:
    """Save a full-page screenshot to ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(transactional_db, django_db_serialized_rollback, live_server) -> Iterator[str]:
    """The demo municipality served by ``live_server``; returns its base URL.

    ``transactional_db`` empties every table after the test, including the service
    catalogue written by a data migration: serialized rollback puts it back for the tests
    that follow.
    """
    # Public pages are cached under a generation counter kept in the database; emptying the
    # database starts the counter again, so an earlier test's pages must not be served.
    cache.clear()
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)
    yield live_server.url
    cache.clear()
    _delete_published_policies()


def _delete_published_policies() -> None:
    """Let ``transactional_db`` empty the tables after the test.

    Published policy versions are protected by a database trigger (R3, ADR 0004). On
    PostgreSQL the flush uses TRUNCATE, which row triggers do not see; on SQLite it deletes
    row by row and the trigger aborts it. So on SQLite: lift the delete trigger, remove the
    rows, and put the trigger back exactly as the migration wrote it.
    """
    if connection.vendor != "sqlite":
        return
    triggers = importlib.import_module("policies.migrations.0002_published_policy_triggers")
    with connection.cursor() as cursor:
        for sql in triggers.SQLITE_DROP:
            cursor.execute(sql)
        cursor.execute(f"DELETE FROM {triggers.TABLE}")
        for sql in triggers.SQLITE_CREATE:
            cursor.execute(sql)


@pytest.fixture
def new_page(browser, demo_site) -> Iterator[Callable[[], object]]:
    """Open a page in a fresh browser context (its own cookies): one per person."""
    contexts = []

    def open_page():
        context = browser.new_context(
            base_url=demo_site,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page for someone who is not logged in (a citizen)."""
    return new_page()


def log_in(page, username: str, *, screenshot: str | None = None) -> None:
    """Log in through the real login form and land on the dashboard."""
    from playwright.sync_api import expect

    page.goto("/staff/login/")
    expect(page.get_by_role("heading", name="職員ログイン")).to_be_visible()
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    if screenshot:
        shot(page, screenshot)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="ダッシュボード")).to_be_visible()


@pytest.fixture
def staff(new_page) -> Callable[[str], object]:
    """``staff("head")``: a page in that person's own browser context, logged in."""

    def open_as(username: str, *, screenshot: str | None = None):
        page = new_page()
        log_in(page, username, screenshot=screenshot)
        return page

    return open_as

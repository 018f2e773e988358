"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's
live server. Nothing is downloaded: without /usr/bin/chromium the tests skip (fail under CI)."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require_service

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _chromium_available() -> bool:
    return Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements-dev.txt
        require_service(False, "the playwright package is not installed")
    manager = sync_playwright().start()
    # The sync API keeps an asyncio loop running in this thread for as long as it is
    # started, and Django refuses ORM calls from a thread with a running loop. The
    # tests' own ORM calls are plain synchronous code, so that check is switched off
    # for exactly the lifetime of the loop.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield manager
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(request):
    if not _chromium_available():
        require_service(False, f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    playwright = request.getfixturevalue("_playwright")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser):
    """Open browser contexts (options as for `browser.new_context`), closed after the test.
    An uncaught JavaScript error on any of their pages fails the test."""
    contexts = []
    errors = []

    def make(**options):
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "en-US")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(error)))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def page(new_context):
    return new_context().new_page()

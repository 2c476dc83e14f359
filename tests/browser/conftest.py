"""Browser tests: the built PWA (pwa/dist) in Debian's Chromium against the real app.

The suite runs on SQLite only: one live server (werkzeug in a thread, on 127.0.0.1 and a free
port) for the whole session, on a fresh database built by the real migrations. The sync rules
themselves are covered on SQLite and PostgreSQL by tests/server; here each test makes its own
cast (branches, people, cards, a live event: `make_cast`) so tests never see each other's data.

Chromium is /usr/bin/chromium (`make test` installs Debian's package when it is missing); it is
driven by Playwright for Python and never downloaded (`playwright install` is not used). Each
test launches its own browser, because the fake camera's video (`--use-file-for-fake-video-capture`)
is fixed per launch: `launch(video)` takes a .y4m made by tests/browser/y4m.py.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from sync import clock
from tests.browser import live
from tests.browser.y4m import blank_video, qr_video

CONTEXT_OPTIONS = {"viewport": live.PHONE, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
                   "device_scale_factor": 1}


def pytest_collection_modifyitems(config, items):
    reason = None
    if not (live.DIST / "index.html").is_file():
        reason = "pwa/dist is missing: build the PWA first (`cd pwa && npm run build`, or `make test`)"
    elif not Path(live.CHROMIUM).exists():
        reason = f"Chromium not found at {live.CHROMIUM} (`apt-get install chromium`, or `make test`)"
    if reason:
        for item in items:
            if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def live_server(_sqlite_template, tmp_path_factory):
    """The app on a real port, serving pwa/dist at / and the API at /api/v1."""
    workdir = tmp_path_factory.mktemp("live")
    url = live.copy_template(_sqlite_template, workdir)
    saved = os.environ.get("ZHIBU_INSTANCE_PATH")
    try:
        with live.LiveServer(url, workdir / "instance") as server:
            yield server
    finally:
        if saved is None:
            os.environ.pop("ZHIBU_INSTANCE_PATH", None)
        else:
            os.environ["ZHIBU_INSTANCE_PATH"] = saved


@pytest.fixture
def cast(live_server):
    return live.make_cast(live_server.app)


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    driver = manager.start()
    yield driver
    driver.stop()


def set_phone_clock(context) -> None:
    """The phone reads the same time as the server: when a test or ZHIBU_TODAY moved the server's
    clock (sync/clock.py), Playwright's clock starts the page's Date there and lets it run."""
    if clock.is_shifted():
        context.clock.install(time=clock.now())


class Phones:
    """Launches browsers (one per fake video) and phone-sized contexts; closes all of them, and
    fails the test on any uncaught error in a page."""

    def __init__(self, driver, tmp_path: Path):
        self.driver = driver
        self.tmp_path = tmp_path
        self._browsers = []
        self._contexts = []
        self.page_errors: list[str] = []
        self._n = 0

    def video(self, text: str | None, name: str | None = None) -> Path:
        """A fake-camera video of the QR of `text` (a white wall when None), written now."""
        self._n += 1
        path = self.tmp_path / (name or f"camera{self._n}.y4m")
        return qr_video(path, text) if text else blank_video(path)

    def browser(self, video: Path | None = None):
        browser = self.driver.chromium.launch(**live.launch_options(video or self.video(None)))
        self._browsers.append(browser)
        return browser

    def _watch(self, page):
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))
        # The server's Content-Security-Policy must never block any part of the app.
        page.on("console", lambda msg: self.page_errors.append(f"{page.url}: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        return page

    def phone(self, video: Path | None = None, browser=None, **options):
        """A new page in a fresh phone-sized context (of `browser`, or of a browser launched now)."""
        context = (browser or self.browser(video)).new_context(**{**CONTEXT_OPTIONS, **options})
        set_phone_clock(context)
        self._contexts.append(context)
        context.on("page", self._watch)
        return context.new_page()

    def persistent(self, user_data_dir: Path, video: Path | None = None, **options):
        """A browser with a profile on disk (IndexedDB and the service worker survive closing it)."""
        context = self.driver.chromium.launch_persistent_context(
            user_data_dir, **live.launch_options(video or self.video(None)), **{**CONTEXT_OPTIONS, **options})
        set_phone_clock(context)
        self._contexts.append(context)
        context.on("page", self._watch)
        for page in context.pages:
            self._watch(page)
        page = context.pages[0] if context.pages else context.new_page()
        return context, page

    def close(self):
        for context in reversed(self._contexts):
            with contextlib.suppress(Exception):  # already closed by the test
                context.close()
        for browser in reversed(self._browsers):
            browser.close()


@pytest.fixture
def phones(playwright_driver, tmp_path):
    phones = Phones(playwright_driver, tmp_path)
    yield phones
    phones.close()
    assert not phones.page_errors, "uncaught errors in the app:\n" + "\n".join(phones.page_errors)


@pytest.fixture
def screenshot_dir(tmp_path):
    """docs/screenshots when ZHIBU_SCREENSHOTS=1 (to refresh the README's pictures), else a temp folder."""
    if os.environ.get("ZHIBU_SCREENSHOTS") == "1":
        target = live.ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        return target
    target = tmp_path / "screenshots"
    target.mkdir()
    return target


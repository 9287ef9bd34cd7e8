"""Browser fixtures: the app on a loopback port, Debian's headless chromium driven by Playwright, screenshots."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from tests.support.world import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (scripts/system-packages.sh); never `playwright install`
# The machine has no internet: without these flags chromium waits on update, sync and QUIC connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser carries the `browser` marker (`pytest -m "not browser"` skips them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(app, world) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The test app (its own database and media store, the world seeded) served on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless chromium for the whole session."""
    assert CHROMIUM.exists(), "install Debian's chromium: scripts/system-packages.sh"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """new_page(locale=..., viewport=...) -> a page in a fresh browser profile (its own cookies) on the live server."""
    contexts: list[BrowserContext] = []
    csp_violations: list[str] = []  # the pages must run no inline script or style the policy refuses

    def make(*, locale: str = "zh-CN", viewport: dict[str, int] | None = None) -> Page:
        context = chromium.new_context(base_url=live_server, locale=locale, viewport=viewport or DESKTOP)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not csp_violations


@pytest.fixture
def signed_in(new_page: Callable[..., Page]) -> Callable[..., Page]:
    """signed_in("county_a") -> a page where that user signed in through the login form."""

    def sign_in(username: str, **kw: object) -> Page:
        page = new_page(**kw)
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, page.inner_text("main")
        return page

    return sign_in


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """screenshot(page, "review-queue") writes var/screenshots/review-queue.png (full page) for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take

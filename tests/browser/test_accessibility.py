"""The families' pages pass axe-core (its default rules) in Chinese and English, on a phone and a desktop.

axe-core is vendored in tests/browser/vendor/axe-core (a test tool, never served by the app). It goes into the
page with `add_init_script`, which chromium runs through DevTools before the page's own scripts, so the pages'
Content-Security-Policy (no inline scripts) applies unchanged: nothing is relaxed for the audit.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import DESKTOP, PHONE
from tests.support.watchable_world import make_watchable, publish_monday_and_write_pages

pytestmark = pytest.mark.ffmpeg  # the on_air world's recordings are probed clips; the watch page's are rendered
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
def family_pages(app, sessions, settings, on_air) -> list[str]:  # type: ignore[no-untyped-def]
    """Every kind of family page, written as families get them: one lesson watchable on demand."""
    math12 = on_air.recordings["math12"]
    make_watchable(sessions, settings.media_dir, math12)
    publish_monday_and_write_pages(app, sessions)
    return ["/", "/guide/", "/guide/grade3", "/library/grade3", "/library/grade3/math", f"/watch/{math12}",
            "/live/grade3"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core with its default rules on the loaded page; its violations."""
    page.wait_for_function("() => window.axe !== undefined")
    result: dict[str, Any] = page.evaluate("() => axe.run(document)")
    return list(result["violations"])


def described(path: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        targets = [json.dumps(node["target"], ensure_ascii=False) for node in violation["nodes"]]
        lines.append(f"{path}: {violation['id']} ({violation['impact']}) {violation['help']} "
                     f"[{violation['helpUrl']}] on {', '.join(targets)}")
    return lines


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_family_pages_have_no_axe_violations(family_pages: list[str], new_page: Callable[..., Page],
                                                 viewport: dict[str, int]) -> None:
    found: list[str] = []
    for language, query in (("zh-CN", ""), ("en", "?lang=en")):
        page = new_page(locale=language, viewport=viewport)
        page.add_init_script(path=str(AXE))
        for path in family_pages:
            response = page.goto(path + query)
            assert response is not None and response.ok, f"{path}{query}: HTTP {response and response.status}"
            found += described(path + query, axe_violations(page))
    assert not found, "axe-core violations:\n" + "\n".join(found)

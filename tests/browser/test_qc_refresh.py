"""While technical QC is pending, the recording page says where its job stands in the media queue and how long QC
takes, and the panel refreshes itself (static/qc_refresh.js, under the CSP) until the report is in (issue 14)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_review_walk import submitted_by_api
from tests.support.qc import qc_passed

pytestmark = pytest.mark.ffmpeg


def test_the_pending_qc_panel_refreshes_itself_until_the_report_is_in(app, world, clips, signed_in, sessions):
    recording_id = submitted_by_api(app, world, clips)
    county = signed_in("county_a")
    errors: list[str] = []
    county.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    county.goto(f"/recordings/{recording_id}")
    pending = county.locator(f"section#qc-{recording_id}")
    expect(pending).to_have_attribute("data-qc", "pending")
    expect(pending.locator(".qc-position")).to_have_text("在媒体队列中排第 1 位。")
    expect(pending.locator(".qc-estimate")).to_have_text("开始后，质检约需 0:01（分:秒）。")

    qc_passed(sessions, recording_id)  # what the ingest job reports, while the page stays open
    expect(county.locator(f"section#qc-{recording_id}")).to_have_attribute("data-qc", "pass", timeout=20_000)
    expect(county.locator("table.qc-checks")).to_be_visible()
    assert errors == []  # nothing refused by the Content-Security-Policy

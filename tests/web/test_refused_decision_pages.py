"""The recording page shown again after a refused decision: still the whole page, QC panel included."""

from __future__ import annotations

import re

import pytest

from scheduler.services.ingest import ingest_now
from tests.web.test_pages import Browser, submitted_recording


@pytest.mark.ffmpeg
def test_the_page_shown_after_a_conflicting_decision_still_shows_the_qc_report(app, world, clips, sessions, settings):
    recording_id = submitted_recording(app, world, clips)
    ingest_now(sessions, settings.media_dir, recording_id)
    late = Browser(app.test_client(), "county_a2")
    seen = late.page(f"/recordings/{recording_id}")
    assert Browser(app.test_client(), "county_a").decide(recording_id, "approve").status_code == 303

    refused = late.decide(recording_id, "approve", seen=seen)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "其他审核人已对此录像作出决定" in page
    assert re.search(r'<section class="qc" id="qc-\d+" data-qc="(pass|warn|fail)">', page)  # the report, not "queued"
    assert 'class="qc-checks"' in page and "综合响度" in page

"""The QC panel as reviewers read it (issue 14): a still picture under the warning is grey and said to be short, the
loudness chart starts where the meter has a reading, and what the transcode corrects is information."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from fractions import Fraction

import pytest

from media.analysis import LoudnessPoint, Measurements, TimeRange
from media.probe import MediaProbe
from media.qc import QcThresholds, Status, build_report
from scheduler.services.ingest import store_result
from scheduler.store.models import Recording
from tests.support.qc import qc_passed
from tests.web.test_pages import Browser, submitted_recording

pytestmark = pytest.mark.ffmpeg  # the upload is probed


def still_mono_quiet_report(frames: int):  # type: ignore[no-untyped-def]
    """A 9 s still picture (a slide), mono sound 6 LU under the target, the short-term meter filling for 3 s."""
    probe = MediaProbe("mp4", "h264", "aac", 1280, 720, Fraction(25), 9.0, frames, 48000, 1, False, False)
    series = tuple(LoudnessPoint(float(s), -30.0, -120.7 if s < 3 else -30.0) for s in range(1, 10))
    measured = Measurements(integrated_lufs=-30.0, loudness_range_lu=1.0, true_peak_dbtp=-12.0, series=series,
                            black=(), silence=(), freeze=(TimeRange(0.0, 9.0),))
    return build_report(probe, measured, QcThresholds())


def test_short_still_picture_loudness_before_a_reading_and_corrections(app, client, world, clips, sessions):
    recording_id = submitted_recording(app, world, clips)
    with sessions() as session:
        recording = session.get(Recording, recording_id)
        checksum, frames = recording.checksum, recording.duration_frames
    report = still_mono_quiet_report(frames)
    assert report.status is Status.PASS  # what the transcode corrects does not make a warning
    store_result(sessions(), recording_id, checksum, report, {}, 0.0, at=datetime.now(UTC))

    page = Browser(app.test_client(), "county_a").page(f"/recordings/{recording_id}")
    freeze = re.search(r'<tr class="check-freeze verdict-pass">(.*?)</tr>', page, re.DOTALL)
    assert freeze and "画面静止最长 9.0 秒，未达 10 秒警告线" in freeze.group(1), freeze
    assert "无长时间" not in freeze.group(1)
    assert re.search(r'class="mark mark-freeze mark-minor" x="0.0" y="[\d.]+" width="600.0"', page)
    assert "灰色：已发现，但短于该项检查的警告线" in page

    short_term = re.search(r'class="short-term" points="([^"]+)"', page).group(1).split()
    floor = f"{26 + 180:.1f}"  # -60 LUFS: where a missing reading used to be drawn
    assert [p.split(",")[1] for p in short_term if p.split(",")[1] == floor] == []
    assert len(short_term) == 7  # 3 s to 9 s: the meter's first full window on
    assert len(re.search(r'class="momentary" points="([^"]+)"', page).group(1).split()) == 9

    for check in ("loudness", "audio_format"):
        row = re.search(rf'<tr class="check-{check} verdict-(\w+)">.*?qc-status qc-\w+">([^<]+)<', page, re.DOTALL)
        assert row and row.groups() == ("info", "已校正"), (check, row and row.groups())
    assert 'class="qc-status qc-pass">合格' in page

    english = Browser(app.test_client(), "county_a").page(f"/recordings/{recording_id}?lang=en")
    assert "still picture up to 9.0 s, under the 10 s that warns" in english and ">Corrected<" in english


def test_a_pending_panel_says_its_place_in_the_queue_and_refreshes_until_the_report_is_in(app, client, world, clips,
                                                                                          sessions):
    first = submitted_recording(app, world, clips)
    second = submitted_recording(app, world, clips)  # queued after the first, at the same priority
    reviewer = Browser(app.test_client(), "county_a")
    page = reviewer.page(f"/recordings/{second}")
    panel = re.search(rf'<section class="qc" id="qc-{second}" data-qc="pending" data-refresh="5">(.*?)</section>',
                      page, re.DOTALL)
    assert panel and "在媒体队列中排第 2 位。" in panel.group(1) and "开始后，质检约需 0:01（分:秒）。" in panel.group(1)
    assert "本栏会自动刷新" in panel.group(1) and "/static/qc_refresh.js" in page
    assert "Place in the media queue: 1." in reviewer.page(f"/recordings/{first}?lang=en")

    qc_passed(sessions, second)
    page = reviewer.page(f"/recordings/{second}")
    assert f'id="qc-{second}" data-qc="pass">' in page and "qc_refresh.js" not in page

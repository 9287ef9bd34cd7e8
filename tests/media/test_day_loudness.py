"""Loudness on air: every programme of a day file and every cable rendition at the target, peaks under the ceiling.

Measured by ffmpeg's ebur128 (its summary read here), not by our own analysis code.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from media.dayrender import DayRenderItem, ItemKind, render_day
from media.profiles import GY_T_282
from media.renditions import RenditionSet, make_renditions
from media.samples import ClipSpec, tiny_clip, write_sequence
from tests.media.conftest import SMALL_CABLE

pytestmark = pytest.mark.ffmpeg


def programme_loudness(path: Path, first_frame: int = 0, frames: int | None = None) -> tuple[float, float]:
    """ffmpeg's ebur128 on one programme of a file: (integrated LUFS, true peak dBTP) from its summary."""
    end = f":end={(first_frame + frames) / 25}" if frames is not None else ""
    span = f"atrim=start={first_frame / 25}{end},ebur128=peak=true"
    argv = ["ffmpeg", "-nostdin", "-nostats", "-i", str(path), "-map", "0:a:0", "-af", span, "-f", "null", "-"]
    summary = subprocess.run(argv, capture_output=True, text=True, check=True).stderr.rsplit("Summary:", 1)[1]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))


@pytest.fixture(scope="module")
def off_target(media_store: Path) -> Path:
    """Clips far from -24 LUFS: a quiet and a loud filler, and a quiet recording with one sharp peak."""
    tiny_clip(media_store / "quiet_tone_4s.mp4", seconds=4, size="320x180", video_source="color=c=green", gain_db=-8)
    tiny_clip(media_store / "loud_tone_4s.mp4", seconds=4, size="320x180", video_source="color=c=red", gain_db=7)
    quiet = ClipSpec(seconds=5, size="320x180", gain_db=-11.4)  # about -33 LUFS
    peak = replace(quiet, seconds=0.04, gain_db=17.5)  # one frame of it, 29 dB louder: peaks near -3 dBTP
    write_sequence(media_store / "quiet_with_a_peak_10s.mp4", [quiet, peak, replace(quiet, seconds=4.96)])
    return media_store


def test_every_programme_of_the_day_is_levelled_to_the_target(off_target: Path) -> None:
    """Fillers and a recording not yet ingested (re-encoded raw) each measure -24 +/-1 LUFS, peaks <= -2 dBTP."""
    items = [
        DayRenderItem(Path("quiet_tone_4s.mp4"), 0, 150, ItemKind.FILLER),  # -29.8 LUFS, looped
        DayRenderItem(Path("loud_tone_4s.mp4"), 150, 150, ItemKind.FILLER),  # -14.8 LUFS
        DayRenderItem(Path("quiet_with_a_peak_10s.mp4"), 300, 250, ItemKind.FILLER),  # gain alone would pass -2 dBTP
    ]
    day = render_day(items, 550, off_target / "levelled.ts", off_target, profile=SMALL_CABLE)
    for item in items:
        integrated, peak = programme_loudness(day.path, item.start_frame, item.frames)
        assert abs(integrated - GY_T_282.integrated_lufs) <= 1.0, (item.path, integrated)
        assert peak <= GY_T_282.true_peak_dbtp, (item.path, peak)


def test_a_quiet_recording_with_sharp_peaks_is_limited_and_its_report_says_so(off_target: Path) -> None:
    """Gain alone would stop at the peaks (-27.0 LUFS, -3.2 dBTP: +0.9 dB, -26.1 LUFS); the limiter reaches -24."""
    cable_only = RenditionSet(cable=SMALL_CABLE, hls=None, mp4=None, poster=None)
    run = make_renditions(Path("quiet_with_a_peak_10s.mp4"), off_target, off_target / "limited", renditions=cable_only)
    integrated, peak = programme_loudness(run.target_dir / "cable.ts")
    assert abs(integrated - GY_T_282.integrated_lufs) <= 1.0 and peak <= GY_T_282.true_peak_dbtp, (integrated, peak)
    assert run.report is not None
    limiter = run.report.check("limiter")
    assert limiter.status == "warn" and limiter.figures["limited_db"] == run.limited_db > 1.0
    assert limiter.message.startswith(
        f"limited: peaks held under the true-peak ceiling by up to {run.limited_db:.1f} dB"
    )

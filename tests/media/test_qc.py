"""QC on generated clips with planted faults: one analysis run finds them, a clean clip passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from media.qc import QcReport, Status, run_qc

pytestmark = pytest.mark.ffmpeg


def test_clean_clip_passes_every_check(media_store: Path) -> None:
    report = run_qc(Path("clean_720p_4s.mp4"), media_store)
    assert report.status is Status.PASS, [(c.name, c.message) for c in report.checks if c.status != "pass"]
    assert report.check("loudness").figures["integrated_lufs"] == pytest.approx(-24.0, abs=0.5)
    assert report.duration_frames == 100


def test_planted_black_gap_fails_with_its_time_range(media_store: Path) -> None:
    report = run_qc(Path("black_gap_3s.mp4"), media_store)
    black = report.check("black")
    assert (report.status, black.status) == (Status.FAIL, Status.FAIL)
    [gap] = black.ranges
    assert (gap.start, gap.end) == (pytest.approx(2.0, abs=0.05), pytest.approx(5.0, abs=0.05))
    assert report.check("silence").status is Status.PASS


def test_planted_silence_warns_with_its_time_range(media_store: Path) -> None:
    report = run_qc(Path("silence_3s.mp4"), media_store)
    silence = report.check("silence")
    assert silence.status is Status.WARN
    [quiet] = silence.ranges
    assert (quiet.start, quiet.end) == (pytest.approx(2.0, abs=0.05), pytest.approx(5.0, abs=0.05))
    assert report.check("black").status is Status.PASS


def test_whole_file_silent_fails(media_store: Path) -> None:
    report = run_qc(Path("silent_3s.mp4"), media_store)
    assert report.check("silence").status is Status.FAIL
    assert report.check("silence").message == "the whole file is silent"


def test_wrong_loudness_is_information_with_the_measured_figures(media_store: Path) -> None:
    report = run_qc(Path("loud_minus10_2s.mp4"), media_store)
    loudness = report.check("loudness")
    assert loudness.status is Status.INFO  # the renditions are normalised to the target
    assert loudness.figures["integrated_lufs"] == pytest.approx(-10.0, abs=0.5)
    assert report.check("true_peak").figures["true_peak_dbtp"] == pytest.approx(-9.0, abs=0.5)


def test_report_survives_json_and_carries_a_loudness_series(media_store: Path) -> None:
    report = run_qc(Path("clean_720p_4s.mp4"), media_store)
    stored = json.loads(json.dumps(report.to_dict()))
    again = QcReport.from_dict(stored)
    assert again == report
    assert [c["message"] for c in stored["checks"]] == [c.message for c in report.checks]  # the API's sentence
    loudness = stored["checks"][0]["finding"]
    assert loudness["key"] == "loudness" and f"{float(loudness['values']['lufs']):.1f}" == loudness["values"]["lufs"]
    for check in stored["checks"]:  # a report stored before findings were kept still reads
        del check["finding"]
    assert [c.message for c in QcReport.from_dict(stored).checks] == [c.message for c in report.checks]
    assert [point.seconds for point in report.loudness_series] == [1.0, 2.0, 3.0, 4.0]
    assert all(point.momentary == pytest.approx(-24.0, abs=1.0) for point in report.loudness_series)


def test_conformance_comes_from_the_probe(media_store: Path) -> None:
    report = run_qc(Path("black_gap_3s.mp4"), media_store)
    assert report.check("resolution").status is Status.WARN  # 320x180 is below 720 lines
    assert report.check("resolution").figures == {"width": 320, "height": 180}
    assert report.check("duration").figures["frames"] == 175
    assert report.check("frame_rate").status is Status.PASS

"""The `media` commands on files outside any store, and the runner's progress, time and size limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from media.errors import FfmpegTimedOut, OutputTooLarge
from media.runner import FfmpegTool, Watch
from media.samples import ClipSpec, clip_argv
from web.cli.media_tools import media_group

pytestmark = pytest.mark.ffmpeg


def test_qc_prints_a_failing_report_and_exits_zero(media_store: Path, tmp_path: Path) -> None:
    outside = tmp_path / "课堂 录像.mp4"  # anywhere the operator points, any name
    outside.write_bytes((media_store / "black_gap_3s.mp4").read_bytes())
    result = CliRunner().invoke(media_group, ["qc", str(outside), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "fail"
    assert next(c for c in report["checks"] if c["name"] == "black")["ranges"] == [[2.0, 5.0]]
    text = CliRunner().invoke(media_group, ["qc", str(outside)])
    assert text.exit_code == 0 and "QC FAIL" in text.stdout and "2.00-5.00 s" in text.stdout


def test_transcode_writes_the_profile_to_the_output(media_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "lesson.mp4"
    result = CliRunner().invoke(media_group, ["transcode", str(media_store / "loud_minus10_2s.mp4"), "--profile", "mp4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[4:8] == b"ftyp" and "wrote" in result.stdout
    again = CliRunner().invoke(media_group, ["transcode", str(media_store / "loud_minus10_2s.mp4"), "--profile", "mp4", "-o", str(out)])
    assert again.exit_code == 1 and "refusing to overwrite" in again.output


def test_progress_reaches_100_in_order(tmp_path: Path) -> None:
    seen: list[float] = []
    argv = clip_argv(tmp_path / "tone_3s.mp4", ClipSpec(seconds=3))
    FfmpegTool().run(argv, watch=Watch(seen.append, duration_seconds=3.0))
    assert seen[-1] == 100.0 and seen == sorted(seen) and len(seen) >= 2


def test_output_size_limit_kills_the_run(tmp_path: Path) -> None:
    target = tmp_path / "big_60s.ts"
    argv = clip_argv(target, ClipSpec(seconds=60, size="640x360"))
    with pytest.raises(OutputTooLarge) as caught:
        FfmpegTool().run(argv, watch=Watch(max_output_bytes=200_000, outputs=(target,)))
    assert caught.value.limit_bytes == 200_000


def test_time_limit_kills_a_watched_run(tmp_path: Path) -> None:
    argv = clip_argv(tmp_path / "long_600s.ts", ClipSpec(seconds=600, size="640x360"))
    with pytest.raises(FfmpegTimedOut):
        FfmpegTool().run(argv, timeout=0.5, watch=Watch())

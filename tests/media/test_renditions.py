"""Renditions from one decode: the real cable profile, the HLS ladder, atomic output and idempotent re-runs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from media.errors import FfmpegFailed, OutsideMediaStore
from media.profiles import CABLE
from media.renditions import RenditionRun, RenditionSet, make_renditions
from media.runner import Watch
from tests.media.conftest import SMALL_SET

pytestmark = pytest.mark.ffmpeg


def ffprobe(path: Path, *entries: str) -> dict[str, Any]:
    """ffprobe's JSON for a file we made (the test's independent view)."""
    argv = ["ffprobe", "-v", "error", "-of", "json", *entries, str(path)]
    return json.loads(subprocess.run(argv, capture_output=True, check=True).stdout)


def integrated_loudness(path: Path) -> float:
    """An independent ebur128 measurement of a file's integrated loudness."""
    argv = ["ffmpeg", "-nostdin", "-i", str(path), "-map", "0:a:0", "-af", "ebur128", "-f", "null", "-"]
    stderr = subprocess.run(argv, capture_output=True, text=True, check=True).stderr
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", stderr)[-1])


@pytest.fixture(scope="module")
def small_ingest(media_store: Path) -> RenditionRun:
    target = media_store / "renditions" / "loud"
    return make_renditions(Path("loud_minus10_2s.mp4"), media_store, target, renditions=SMALL_SET)


def test_real_cable_profile_is_cbr_mpegts_1080p25_mp2_at_minus_24(media_store: Path) -> None:
    cable_only = RenditionSet(hls=None, mp4=None, poster=None)
    target = media_store / "renditions" / "cable_real"
    make_renditions(Path("loud_minus10_2s.mp4"), media_store, target, renditions=cable_only, qc=False)
    ts = target / "cable.ts"
    data = ffprobe(ts, "-show_format", "-show_streams", "-show_programs")
    video, audio = (next(s for s in data["streams"] if s["codec_type"] == kind) for kind in ("video", "audio"))
    assert data["format"]["format_name"] == "mpegts"
    assert (video["codec_name"], video["profile"], video["width"], video["height"]) == ("h264", "High", 1920, 1080)
    assert (video["r_frame_rate"], video["avg_frame_rate"], video["field_order"]) == ("25/1", "25/1", "progressive")
    assert (audio["codec_name"], audio["sample_rate"], audio["channels"], audio["bit_rate"]) == ("mp2", "48000", 2, "256000")
    # CBR: the muxer pads to -muxrate, so the file's rate is the muxrate.
    assert int(data["format"]["bit_rate"]) == pytest.approx(CABLE.muxrate_kbps * 1000, rel=0.02)
    assert integrated_loudness(ts) == pytest.approx(-24.0, abs=1.0)
    assert data["programs"][0]["tags"] == {"service_name": "空中课堂", "service_provider": "airclass"}


def test_hls_master_lists_three_variants_and_segments_start_on_keyframes(small_ingest: RenditionRun) -> None:
    hls = small_ingest.target_dir / "hls"
    master = (hls / "master.m3u8").read_text()
    variants = re.findall(r"#EXT-X-STREAM-INF:(.*)\n(.*\.m3u8)", master)
    assert [name for _, name in variants] == ["1080p.m3u8", "720p.m3u8", "360p.m3u8"]
    for attributes, name in variants:
        assert re.search(r"\bBANDWIDTH=\d+", attributes) and 'CODECS="avc1.64' in attributes
        assert re.search(r"RESOLUTION=\d+x\d+", attributes)
        playlist = (hls / name).read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and "#EXT-X-ENDLIST" in playlist
        segments = [line for line in playlist.splitlines() if line.endswith(".ts")]
        assert len(segments) == 2  # 2 s in 1 s segments
        for segment in segments:
            packets = ffprobe(hls / segment, "-select_streams", "v", "-show_entries", "packet=flags",
                              "-read_intervals", "%+#1")["packets"]
            assert packets[0]["flags"].startswith("K"), segment


def test_download_mp4_is_faststart_and_poster_is_a_jpeg(small_ingest: RenditionRun) -> None:
    head = (small_ingest.target_dir / "download.mp4").read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head
    assert (small_ingest.target_dir / "poster.jpg").read_bytes()[:3] == b"\xff\xd8\xff"


def test_small_cable_rendition_is_normalised_from_minus_10(small_ingest: RenditionRun) -> None:
    assert small_ingest.gain_db == pytest.approx(-14.0, abs=0.5)
    assert integrated_loudness(small_ingest.target_dir / "cable.ts") == pytest.approx(-24.0, abs=1.0)
    assert small_ingest.report is not None and small_ingest.report.check("black").status == "pass"


def test_rerun_with_matching_outputs_does_nothing(media_store: Path, small_ingest: RenditionRun) -> None:
    before = {p: p.stat().st_mtime_ns for p in small_ingest.target_dir.rglob("*")}
    again = make_renditions(Path("loud_minus10_2s.mp4"), media_store, small_ingest.target_dir, renditions=SMALL_SET)
    assert again.skipped
    assert {p: p.stat().st_mtime_ns for p in small_ingest.target_dir.rglob("*")} == before


def ffmpeg_children() -> list[int]:
    """Process ids of this test process's ffmpeg children (Linux /proc). A thread (another test's timer) or a
    child that ends while we look has no ffmpeg to report."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:
            continue
        for pid in children:
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "ffmpeg":
                    found.append(int(pid))
            except FileNotFoundError:
                continue
    return found


def test_killed_ffmpeg_leaves_no_output_and_a_retry_completes(media_store: Path) -> None:
    target = media_store / "renditions" / "killed"

    def kill_ffmpeg(percent: float) -> None:
        for pid in ffmpeg_children():
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(FfmpegFailed):
        make_renditions(Path("red_3s.mp4"), media_store, target, renditions=SMALL_SET, watch=Watch(kill_ffmpeg))
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".killed")] == []
    done = make_renditions(Path("red_3s.mp4"), media_store, target, renditions=SMALL_SET)
    assert not done.skipped and (target / "cable.ts").is_file() and (target / "hls" / "master.m3u8").is_file()


def test_worker_dying_mid_transcode_leaves_no_output(media_store: Path) -> None:
    target = media_store / "renditions" / "crashed"

    def crash(percent: float) -> None:
        raise KeyboardInterrupt  # what a worker being stopped looks like from inside the job

    with pytest.raises(KeyboardInterrupt):
        make_renditions(Path("blue_3s.mp4"), media_store, target, renditions=SMALL_SET, watch=Watch(crash))
    assert not target.exists() and ffmpeg_children() == []
    assert not make_renditions(Path("blue_3s.mp4"), media_store, target, renditions=SMALL_SET).skipped


def test_top_hls_variant_is_cut_from_the_download_mp4_without_a_second_encode() -> None:
    assert SMALL_SET.shares_top_rung


def test_outputs_outside_the_store_are_refused(media_store: Path, tmp_path: Path) -> None:
    with pytest.raises(OutsideMediaStore):
        make_renditions(Path("red_3s.mp4"), media_store, tmp_path / "elsewhere", renditions=SMALL_SET)
    assert not (tmp_path / "elsewhere").exists()

"""Real ffprobe on tiny generated clips and on hostile files disguised as videos."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest

from media.errors import FfmpegFailed, OutsideMediaStore, UnsupportedMedia
from media.probe import probe_upload
from media.runner import FfmpegTool, ffprobe_argv
from media.samples import generate_all, sample_paths, tiny_clip

pytestmark = pytest.mark.ffmpeg


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A media store holding tiny clips and hostile files, named by what they contain."""
    root = tmp_path_factory.mktemp("store")
    for suffix in ("mp4", "mkv", "ts", "mxf"):
        tiny_clip(root / f"tone_2s_25fps.{suffix}", seconds=2)
    tiny_clip(root / "video_only_1s.mp4", audio=False)
    real = (root / "tone_2s_25fps.mp4").read_bytes()
    (root / "truncated_3kb.mp4").write_bytes(real[:3072])
    playlist = "#EXTM3U\n#EXTINF:2.0,\ntone_2s_25fps.ts\n#EXT-X-ENDLIST\n"
    (root / "hls_playlist.mp4").write_text(playlist)
    (root / "ffconcat_list.mp4").write_text("ffconcat version 1.0\nfile tone_2s_25fps.mp4\n")
    (root / "smil_playlist.mp4").write_text('<?xml version="1.0"?>\n<smil><body/></smil>\n')
    (root / "random_bytes.mp4").write_bytes(random.Random(3).randbytes(64 * 1024))
    return root


def test_mp4_probe_counts_whole_frames(store: Path) -> None:
    probe = probe_upload(Path("tone_2s_25fps.mp4"), store)
    assert (probe.container, probe.video_codec, probe.audio_codec) == ("mp4", "h264", "aac")
    assert (probe.width, probe.height, probe.frame_rate) == (160, 90, Fraction(25))
    assert probe.duration_frames == 50
    assert probe.duration_seconds == pytest.approx(2.0, abs=0.05)
    assert (probe.audio_sample_rate, probe.audio_channels) == (48000, 2)
    assert (probe.interlaced, probe.variable_frame_rate) == (False, False)


@pytest.mark.parametrize(
    ("name", "container"),
    [
        ("tone_2s_25fps.mkv", "matroska"),
        ("tone_2s_25fps.ts", "mpegts"),
        ("tone_2s_25fps.mxf", "mxf"),
    ],
)
def test_other_accepted_containers(store: Path, name: str, container: str) -> None:
    probe = probe_upload(store / name, store)
    assert (probe.container, probe.duration_frames, probe.width) == (container, 50, 160)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("video_only_1s.mp4", "the file has no audio stream"),
        ("hls_playlist.mp4", "the file is an HLS playlist, not a video"),
        ("ffconcat_list.mp4", "the file is an ffconcat list, not a video"),
        ("smil_playlist.mp4", "the file is a SMIL playlist (XML), not a video"),
        ("random_bytes.mp4", "the file is not in a recognised video container"),
        ("truncated_3kb.mp4", "ffprobe could not read the file as a video: "),
    ],
)
def test_files_that_are_not_videos_are_refused(store: Path, name: str, reason: str) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        probe_upload(Path(name), store)
    assert caught.value.reason.startswith(reason)
    assert str(store) not in caught.value.reason


@pytest.mark.parametrize("name", ["hls_playlist.mp4", "ffconcat_list.mp4"])
def test_forced_demuxer_never_follows_a_playlist(store: Path, name: str) -> None:
    with pytest.raises(FfmpegFailed):
        FfmpegTool().probe((store / name).resolve(), "mov")
    with pytest.raises(FfmpegFailed):
        FfmpegTool().probe((store / name).resolve(), "mpegts")


def test_files_outside_the_store_are_refused(store: Path, tmp_path: Path) -> None:
    outside = tiny_clip(tmp_path / "tone_1s.mp4")
    with pytest.raises(OutsideMediaStore):
        probe_upload(outside, store)
    link = store / "link_outside.mp4"
    link.symlink_to(outside)
    try:
        with pytest.raises(OutsideMediaStore):
            probe_upload(Path(link.name), store)
    finally:
        link.unlink()


def test_probe_argv_runs_as_built(store: Path) -> None:
    argv = ffprobe_argv((store / "tone_2s_25fps.ts").resolve(), "mpegts")
    assert '"format_name": "mpegts"' in FfmpegTool().run(argv).stdout


def test_quick_samples_are_accepted_and_kept(tmp_path: Path) -> None:
    samples = generate_all(tmp_path, quick=True)
    assert samples == sample_paths(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        path.name for path in samples.values()
    )
    for path in samples.values():
        probe = probe_upload(path, tmp_path)
        assert (probe.width, probe.height, probe.duration_frames) == (320, 180, 50)
    written_at = {name: path.stat().st_mtime_ns for name, path in samples.items()}
    generate_all(tmp_path, quick=True)
    assert {name: path.stat().st_mtime_ns for name, path in samples.items()} == written_at

"""Unit tests of the media door: argv, the store guard, sniffing and probe parsing (no ffmpeg)."""

from __future__ import annotations

import hashlib
import itertools
import random
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from media.atomic_write import atomic_output
from media.checksum import sha256_file
from media.errors import (
    FfmpegFailed,
    FfmpegTimedOut,
    MediaNotFound,
    OutsideMediaStore,
    UnsupportedMedia,
)
from media.probe import media_probe_from_json, probe_upload, sniff_container, whole_frames
from media.runner import (
    FakeMediaTool,
    FfmpegTool,
    canned_probe,
    ffmpeg_argv,
    ffprobe_argv,
    store_input,
)
from media.samples import ClipSpec, clip_argv
from media.store_paths import resolve_in_store

MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(4000)
MKV_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + bytes(4000)
TS_HEAD = (b"\x47\x40\x00\x10" + bytes(184)) * 3
MXF_HEAD = b"\x06\x0e\x2b\x34\x02\x05\x01\x01\x0d\x01\x02\x01\x01\x02\x04\x00" + bytes(4000)


def pairs(argv: list[str]) -> list[tuple[str, str]]:
    """Return each argument with the one after it."""
    return list(itertools.pairwise(argv))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An empty media store beside an 'outside' directory."""
    root = tmp_path / "store"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    return root


def test_probe_argv_forces_the_demuxer_and_file_protocol() -> None:
    argv = ffprobe_argv(Path("/store/lesson.mp4"), "mov")
    assert argv[0] == "ffprobe"
    assert ("-protocol_whitelist", "file") in pairs(argv)
    assert ("-f", "mov") in pairs(argv)
    assert ("-enable_drefs", "0") in pairs(argv)
    assert argv.index("-f") < argv.index("file:/store/lesson.mp4") == len(argv) - 1


def test_path_starting_with_a_dash_stays_a_file_argument(store: Path) -> None:
    clip = store / "-i.mp4"
    clip.write_bytes(MP4_HEAD)
    argv = ffprobe_argv(resolve_in_store(Path("-i.mp4"), store), "mov")
    assert argv[-1] == f"file:{store.resolve()}/-i.mp4"


def test_relative_media_paths_are_refused() -> None:
    with pytest.raises(ValueError):
        ffprobe_argv(Path("lesson.mp4"), "mov")


@pytest.mark.parametrize(
    ("head", "demuxer", "container"),
    [
        (MP4_HEAD, "mov", "mp4"),
        (MKV_HEAD, "matroska", "matroska"),
        (TS_HEAD, "mpegts", "mpegts"),
        (MXF_HEAD, "mxf", "mxf"),
    ],
)
def test_probe_upload_forces_the_sniffed_demuxer(
    store: Path, head: bytes, demuxer: str, container: str
) -> None:
    (store / "upload.bin").write_bytes(head)
    tool = FakeMediaTool(default_probe=canned_probe(container=container, duration=2.0))
    probe = probe_upload(Path("upload.bin"), store, tool)
    assert tool.probed == [((store / "upload.bin").resolve(), demuxer)]
    assert (probe.container, probe.duration_frames) == (container, 50)


def test_real_tool_runs_an_argument_list_without_a_shell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        seen.update(argv=argv, **kwargs)
        return subprocess.CompletedProcess(argv, 0, b'{"format": {}, "streams": []}', b"")

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert FfmpegTool(ffprobe="/usr/bin/ffprobe").probe(Path("/s/a.mp4"), "mov") == {
        "format": {},
        "streams": [],
    }
    assert isinstance(seen["argv"], list) and seen["argv"][0] == "/usr/bin/ffprobe"
    assert not seen.get("shell")
    assert seen["stdin"] == subprocess.DEVNULL
    assert seen["timeout"] == 120.0


def test_failed_run_carries_the_stderr_tail(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = "\n".join(f"line {n}" for n in range(30)).encode()
    monkeypatch.setattr(
        subprocess, "run", lambda argv, **_: subprocess.CompletedProcess(argv, 1, b"", stderr)
    )
    with pytest.raises(FfmpegFailed) as caught:
        FfmpegTool().run(ffprobe_argv(Path("/s/a.mp4"), "mov"))
    assert caught.value.returncode == 1
    assert caught.value.stderr_tail.splitlines() == [f"line {n}" for n in range(10, 30)]


def test_slow_run_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def too_slow(argv: list[str], **kwargs: Any) -> None:
        raise subprocess.TimeoutExpired(argv, kwargs["timeout"], stderr=b"still reading")

    monkeypatch.setattr(subprocess, "run", too_slow)
    with pytest.raises(FfmpegTimedOut) as caught:
        FfmpegTool(probe_timeout=5).probe(Path("/s/a.mp4"), "mov")
    assert (caught.value.timeout_seconds, caught.value.stderr_tail) == (5, "still reading")


@pytest.mark.parametrize(
    "argv",
    [["sh", "-c", "ffmpeg -i x"], ["ffmpeg", "-i", "file:/s/a.mp4", "out.mp4"], []],
)
def test_run_refuses_argv_not_built_here(argv: list[str]) -> None:
    with pytest.raises(ValueError):
        FakeMediaTool().run(argv)


def test_ffmpeg_inputs_from_the_store_are_locked_down(store: Path) -> None:
    (store / "a.mkv").write_bytes(MKV_HEAD)
    source = store_input(Path("a.mkv"), store, "matroska")
    argv = ffmpeg_argv(source.output("file:/tmp/out.mp4", f="mp4"))
    assert argv[:3] == ["ffmpeg", "-nostdin", "-hide_banner"]
    assert ("-protocol_whitelist", "file") in pairs(argv)
    assert ("-f", "matroska") in pairs(argv)
    assert ("-i", f"file:{(store / 'a.mkv').resolve()}") in pairs(argv)


def test_clip_argv_names_its_output_format(tmp_path: Path) -> None:
    argv = clip_argv(tmp_path / "tone_1s.ts", ClipSpec(title="三年级"), font=None)
    assert ("-f", "mpegts") in pairs(argv) and ("-ar", "48000") in pairs(argv)
    assert argv[-1] == f"file:{tmp_path}/tone_1s.ts"


def test_store_guard_refuses_paths_outside(store: Path) -> None:
    outside = store.parent / "outside" / "lesson.mp4"
    outside.write_bytes(MP4_HEAD)
    for path in (outside, Path("../outside/lesson.mp4")):
        with pytest.raises(OutsideMediaStore):
            resolve_in_store(path, store)


def test_store_guard_refuses_symlinks_escaping_the_store(store: Path) -> None:
    outside = store.parent / "outside" / "lesson.mp4"
    outside.write_bytes(MP4_HEAD)
    (store / "escape.mp4").symlink_to(outside)
    (store / "real.mp4").write_bytes(MP4_HEAD)
    (store / "alias.mp4").symlink_to(store / "real.mp4")
    with pytest.raises(OutsideMediaStore):
        resolve_in_store(Path("escape.mp4"), store)
    assert resolve_in_store(Path("alias.mp4"), store) == (store / "real.mp4").resolve()


def test_store_guard_reports_missing_files(store: Path) -> None:
    with pytest.raises(MediaNotFound):
        resolve_in_store(Path("missing.mp4"), store)


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nseg0.ts\n", "HLS playlist"),
        (b"\xef\xbb\xbf#EXTM3U\nhttp://example.com/a.ts\n", "HLS playlist"),
        (b"ffconcat version 1.0\nfile '/etc/passwd'\n", "ffconcat list"),
        (b'<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">', "DASH"),
        (b'<?xml version="1.0"?>\n<playlist/>', "XML document"),
        (b"<smil><body><video src='a.mp4'/></body></smil>", "SMIL"),
        (b"<!DOCTYPE html>\n<html><body>hi</body></html>", "HTML page"),
        (b"just some notes about the lesson\n" * 50, "text"),
        ("三年级 数学 第1课《两位数乘两位数》\n".encode() * 80, "text"),
        (b"", "empty"),
        (b"RIFF\x24\x00\x10\x00AVI LIST" + bytes(500), "container 'avi' is not accepted"),
        (random.Random(7).randbytes(4096), "not in a recognised video container"),
    ],
)
def test_sniffing_refuses_what_is_not_an_accepted_video(head: bytes, reason: str) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        sniff_container(head)
    assert reason in caught.value.reason
    assert caught.value.reason.startswith(("the file", "container"))


def test_avi_refusal_names_the_accepted_containers() -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        sniff_container(b"RIFF\x24\x00\x10\x00AVI LIST" + bytes(500))
    assert "MP4/MOV, Matroska/WebM, MPEG-TS or MXF" in caught.value.reason


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (MP4_HEAD, "mp4"),
        (b"\x00\x00\x10\x00moov" + bytes(100), "mp4"),
        (MKV_HEAD, "matroska"),
        (TS_HEAD, "mpegts"),
        (MXF_HEAD, "mxf"),
    ],
)
def test_sniffing_recognises_accepted_containers(head: bytes, container: str) -> None:
    assert sniff_container(head) == container


def test_text_uploads_never_reach_ffprobe(store: Path) -> None:
    (store / "playlist.mp4").write_bytes(b"#EXTM3U\n#EXTINF:2,\nlesson.mp4\n")
    tool = FakeMediaTool(default_probe=canned_probe())
    with pytest.raises(UnsupportedMedia, match="HLS playlist"):
        probe_upload(Path("playlist.mp4"), store, tool)
    assert tool.probed == []


def test_ffprobe_failure_is_unsupported_media_without_the_store_path(store: Path) -> None:
    (store / "broken.mp4").write_bytes(MP4_HEAD)
    url = f"file:{(store / 'broken.mp4').resolve()}"
    tool = FakeMediaTool(failure=FfmpegFailed(["ffprobe"], 1, f"{url}: moov atom not found"))
    with pytest.raises(UnsupportedMedia) as caught:
        probe_upload(Path("broken.mp4"), store, tool)
    # Neither the store's path nor the stored (temporary) name: a teacher sees only what ffprobe found.
    assert caught.value.reason == "ffprobe could not read the file as a video: moov atom not found"


def test_probe_reads_matroska_track_duration_tags() -> None:
    data = canned_probe(container="matroska")
    del data["streams"][0]["duration"]
    data["streams"][0]["tags"] = {"DURATION": "00:00:02.021000000"}
    probe = media_probe_from_json(data, "matroska")
    assert (probe.duration_frames, probe.frame_rate) == (50, Fraction(25))


def test_probe_prefers_the_counted_frames() -> None:
    data = canned_probe(duration=2.0)
    data["streams"][0]["nb_frames"] = "49"
    assert media_probe_from_json(data, "mp4").duration_frames == 49


@pytest.mark.parametrize(
    ("seconds", "rate", "frames"),
    [
        ("10", 25, 250),
        ("3.337", Fraction(30000, 1001), 100),
        ("3.336", Fraction(30000, 1001), 100),
        ("2.021", 25, 50),
        ("0.039", 25, 1),
        ("0.030", 25, 0),
    ],
)
def test_whole_frames_forgives_timestamp_rounding(seconds: str, rate: Any, frames: int) -> None:
    assert whole_frames(Fraction(seconds), Fraction(rate)) == frames


def test_probe_marks_variable_and_interlaced_video() -> None:
    data = canned_probe(frame_rate="25/1")
    data["streams"][0].update(r_frame_rate="50/1", field_order="tt")
    probe = media_probe_from_json(data, "mp4")
    assert (probe.interlaced, probe.variable_frame_rate) == (True, False)
    data["streams"][0].update(r_frame_rate="30/1", field_order="progressive")
    assert media_probe_from_json(data, "mp4").variable_frame_rate is True


def test_cover_art_is_not_a_video_stream() -> None:
    data = canned_probe()
    data["streams"][0]["disposition"] = {"attached_pic": 1}
    with pytest.raises(UnsupportedMedia, match="no video stream"):
        media_probe_from_json(data, "mp4")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"format_name": "hls"}, "read the file as 'hls'"),
        ({"audio": False}, "no audio stream"),
        ({"width": 0}, "no picture size"),
        ({"duration": 0}, "no duration"),
    ],
)
def test_probe_refuses_incomplete_media(change: dict[str, Any], reason: str) -> None:
    data = canned_probe(audio_codec="aac" if change.get("audio", True) else None)
    data["format"].update({k: v for k, v in change.items() if k == "format_name"})
    data["format"]["duration"] = data["streams"][0]["duration"] = str(change.get("duration", 2))
    data["streams"][0]["width"] = change.get("width", 1280)
    with pytest.raises(UnsupportedMedia, match=reason):
        media_probe_from_json(data, "mp4")


def test_atomic_output_leaves_nothing_behind_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "slate.mp4"
    with pytest.raises(RuntimeError), atomic_output(target) as temp:
        temp.write_bytes(b"half")
        raise RuntimeError("encoder died")
    assert list(tmp_path.iterdir()) == []


def test_sha256_matches_hashlib(tmp_path: Path) -> None:
    clip = tmp_path / "clip.bin"
    clip.write_bytes(random.Random(1).randbytes(3 * 1024 * 1024 + 5))
    assert sha256_file(clip) == hashlib.sha256(clip.read_bytes()).hexdigest()

"""The live web twin's media: loop lengths, filler loops cut on the same frames in every rung, pieces of segments."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media.live_segments import (
    LOOP_CAP_FRAMES,
    SegmentMismatch,
    cut_piece,
    loop_frames,
    passes_listing,
    piece_argv,
    prepare_loop,
    segment_glob,
)
from media.runner import FakeMediaTool, canned_probe
from media.samples import ClipSpec, write_sequence
from tests.media.conftest import SMALL_HLS

SEGMENT = SMALL_HLS.segment_frames  # 25: one-second segments keep the encodes small
RUNGS = [picture.name for picture in SMALL_HLS.ladder]


# Loop lengths (pure)


def test_a_ten_second_slate_loops_three_times_in_five_six_second_segments() -> None:
    assert loop_frames(250, 150, 0) == 750
    assert loop_frames(250, 150, 751) == 1500  # at least min_frames: the next whole-segment loop
    assert loop_frames(150, 150, 0) == 150
    assert loop_frames(300, 150, 0) == 300


def test_past_the_cap_a_loop_is_the_whole_passes_that_fit() -> None:
    # 251 frames and 150-frame segments meet after 150 passes (25 min): 59 passes fit in 10 minutes.
    assert loop_frames(251, 150, 0) == 59 * 251 <= LOOP_CAP_FRAMES
    assert loop_frames(45_001, 150, 0) == 45_001  # a clip longer than the cap is its own loop
    assert loop_frames(30, 7, 95, cap_frames=100) == 120  # min_frames still holds: four passes, not three


@pytest.mark.parametrize(("clip", "segment", "minimum"), [(0, 150, 0), (250, 0, 0), (250, 150, -1),
                                                           (250, 150, LOOP_CAP_FRAMES + 1)])
def test_impossible_loops_are_refused(clip: int, segment: int, minimum: int) -> None:
    with pytest.raises(ValueError):
        loop_frames(clip, segment, minimum)


@given(st.integers(1, 20_000), st.integers(1, 300), st.integers(0, 3_000), st.integers(3_000, 20_000))
def test_a_loop_is_whole_passes_and_whole_segments_whenever_the_cap_allows(
    clip: int, segment: int, minimum: int, cap: int
) -> None:
    frames = loop_frames(clip, segment, minimum, cap_frames=cap)
    assert frames % clip == 0 and frames >= max(minimum, clip)
    aligned = [n for n in range(clip, cap + 1, clip) if n % segment == 0 and n >= minimum]
    if aligned:
        assert frames == aligned[0]  # the fewest passes that make whole segments
    else:
        assert frames + clip > cap  # as many passes as fit ...
        assert frames <= cap or frames - clip < max(minimum, 1)  # ... or as few as min_frames needs


# The argv and the list of passes (pure)


def test_each_pass_is_placed_exactly_and_opened_only_by_the_demuxer_we_would_force() -> None:
    listing = passes_listing(Path("/store/slate's 10s.mp4"), "mov", 250, 3)
    assert listing.startswith("ffconcat version 1.0\n")
    assert listing.count("file 'file:/store/slate'\\''s 10s.mp4'\n") == 3
    assert listing.count("option format_whitelist mov\n") == 3
    assert listing.count("option enable_drefs 0\n") == 3
    assert listing.count("duration 10.000000\n") == 3
    assert "option f " not in listing
    assert "enable_drefs" not in passes_listing(Path("/store/slate.ts"), "mpegts", 251, 1)
    assert "duration 10.040000\n" in passes_listing(Path("/store/slate.ts"), "mpegts", 251, 1)
    with pytest.raises(ValueError):
        passes_listing(Path("/store/slate.mp4'\noption format_whitelist concat"), "mov", 250, 1)


def test_a_piece_is_stream_copied_from_one_input_per_stream_keeping_timestamps() -> None:
    starts = {"file": Fraction("1.4"), "video": Fraction("1.421333"), "audio": Fraction("1.4")}
    argv = piece_argv(Path("/web/slate/720p_00002.ts"), Path("/web/slate/720p_00002_10f.ts"), starts, 10, 19)
    text = " ".join(argv)
    # The video up to half a frame past its 10th, the audio half an AAC frame past its 19th.
    assert "-t 0.401333 -i file:/web/slate/720p_00002.ts" in text
    assert "-t 0.394667 -i file:/web/slate/720p_00002.ts" in text
    assert text.count("-f mpegts -protocol_whitelist file") == 2
    assert "-c copy" in text and "-copyts" in text and "-mpegts_copyts 1" in text
    assert argv[-1] == "file:/web/slate/720p_00002_10f.ts"


# Filler loops (ffmpeg)


def ts(path: Path) -> list[str]:
    """Read a file as MPEG-TS, as a player does (ffmpeg's guess can miss a one-frame piece of a few packets)."""
    return ["-f", "mpegts", "-i", str(path)]


def ffprobe(path: Path, *entries: str) -> dict[str, Any]:
    argv = ["ffprobe", "-v", "error", "-of", "json", *entries, *ts(path)]
    return json.loads(subprocess.run(argv, capture_output=True, check=True).stdout)


def packets(path: Path, kind: str) -> list[dict[str, Any]]:
    return ffprobe(path, "-select_streams", kind, "-show_entries", "packet=pts_time,flags")["packets"]


def colours(path: Path) -> str:
    """One letter per frame: R for a red picture, B for blue."""
    argv = ["ffmpeg", "-v", "error", *ts(path), "-map", "0:v:0", "-fps_mode", "passthrough",
            "-vf", "scale=1:1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    pixels = subprocess.run(argv, capture_output=True, check=True).stdout
    return "".join("R" if pixels[i] > pixels[i + 2] else "B" for i in range(0, len(pixels), 3))


def decode_errors(path: Path) -> str:
    argv = ["ffmpeg", "-nostdin", "-v", "error", *ts(path), "-f", "null", "-"]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stderr


def audio_samples(path: Path) -> int:
    argv = ["ffmpeg", "-v", "error", *ts(path), "-map", "0:a:0", "-f", "s16le", "-ac", "2", "-"]
    return len(subprocess.run(argv, capture_output=True, check=True).stdout) // 4


def joined(folder: Path, rung: str, tmp_path: Path) -> Path:
    """A rung's segments back to back, as a player fetches them."""
    whole = tmp_path / f"{rung}.ts"
    whole.write_bytes(b"".join(p.read_bytes() for p in sorted(folder.glob(segment_glob(rung)))))
    return whole


@pytest.fixture(scope="module")
def red_then_blue(media_store: Path) -> Path:
    """Two seconds: one red with a tone, one blue and silent."""
    clip = media_store / "red_tone_blue_silent_2s.mp4"
    write_sequence(clip, [ClipSpec(seconds=1, size="320x180", video_source="color=c=red", tone_hz=440),
                          ClipSpec(seconds=1, video_source="color=c=blue", tone_hz=None)])
    return clip


@pytest.fixture(scope="module")
def loop(media_store: Path, red_then_blue: Path) -> tuple[Path, tuple[int, ...]]:
    """Three passes of the clip (at least six segments asked) as the small web ladder."""
    out = media_store / "web" / "red_blue"
    frames = loop_frames(50, SEGMENT, 6 * SEGMENT)
    return out, prepare_loop(red_then_blue.relative_to(media_store), media_store, out, SMALL_HLS, loop_frames=frames)


@pytest.mark.ffmpeg
def test_every_rung_has_the_same_segments_of_the_same_frames(loop: tuple[Path, tuple[int, ...]]) -> None:
    out, written = loop
    assert written == (SEGMENT,) * 6
    starts: dict[str, set[str]] = {}  # each segment's first timestamp, by segment number, over the rungs
    for rung in RUNGS:
        segments = sorted(out.glob(segment_glob(rung)))
        assert [p.name for p in segments] == [f"{rung}_{i:05d}.ts" for i in range(6)]
        for segment in segments:
            video = packets(segment, "v")
            assert len(video) == SEGMENT and video[0]["flags"].startswith("K"), segment.name
            starts.setdefault(segment.name.split("_", 1)[1], set()).add(video[0]["pts_time"])
    assert len(starts) == 6 and all(len(times) == 1 for times in starts.values())  # the same cuts in every rung
    assert sorted(p.name for p in out.glob("*.m3u8")) == ["1080p.m3u8", "360p.m3u8", "720p.m3u8"]
    assert not list(out.parent.glob(".red_blue*")) and not list(out.glob("*.ffconcat"))


@pytest.mark.ffmpeg
def test_segments_have_no_b_frames_and_each_decodes_on_its_own(loop: tuple[Path, tuple[int, ...]]) -> None:
    out, _ = loop
    for segment in sorted(p for rung in RUNGS for p in out.glob(segment_glob(rung))):
        # ffprobe decodes every frame for -show_frames and prints any decoding error.
        argv = ["ffprobe", "-v", "error", "-of", "json", "-show_streams", "-show_entries", "frame=pict_type", *ts(segment)]
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
        assert done.stderr == "", segment.name
        data = json.loads(done.stdout)
        video, audio = (next(s for s in data["streams"] if s["codec_type"] == kind) for kind in ("video", "audio"))
        assert (video["codec_name"], video["profile"], video["has_b_frames"]) == ("h264", "High", 0)
        assert (audio["codec_name"], audio["profile"], audio["sample_rate"], audio["channels"]) == (
            "aac", "LC", "48000", 2)
        pictures = [f["pict_type"] for f in data["frames"] if f.get("pict_type", "?") != "?"]
        assert len(pictures) == SEGMENT and pictures[0] == "I" and set(pictures) <= {"I", "P"}, segment.name


@pytest.mark.ffmpeg
def test_the_loop_is_the_clip_again_and_again_picture_and_sound(
    loop: tuple[Path, tuple[int, ...]], tmp_path: Path
) -> None:
    out, _ = loop
    for rung in RUNGS:
        assert colours(joined(out, rung, tmp_path)) == ("R" * 25 + "B" * 25) * 3
    whole = joined(out, "360p", tmp_path)
    argv = ["ffmpeg", "-nostdin", *ts(whole), "-map", "0:a", "-af", "silencedetect=n=-50dB:d=0.5",
            "-f", "null", "-"]
    stderr = subprocess.run(argv, capture_output=True, text=True, check=True).stderr
    video_start = float(packets(whole, "v")[0]["pts_time"]) - float(packets(whole, "a")[0]["pts_time"])
    silences = [float(t) - video_start for t in re.findall(r"silence_(?:start|end): ([\d.]+)", stderr)]
    # The tone stops when the picture turns blue and comes back with red: within an AAC frame, every pass.
    assert silences == pytest.approx([1.0, 2.0, 3.0, 4.0, 5.0, 6.0][: len(silences)], abs=0.024)
    assert len(silences) >= 5


@pytest.mark.ffmpeg
def test_a_loop_that_is_not_whole_segments_ends_with_a_shorter_one(
    media_store: Path, red_then_blue: Path, tmp_path: Path
) -> None:
    source = media_store / "red_tone_blue_silent_2s.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(red_then_blue), "-c", "copy", str(source)], check=True)
    out = media_store / "web" / "red_blue_ts"
    written = prepare_loop(source.relative_to(media_store), media_store, out, SMALL_HLS, loop_frames=110)
    assert written == (25, 25, 25, 25, 10)
    assert colours(joined(out, "720p", tmp_path)) == ("R" * 25 + "B" * 25) * 2 + "R" * 10


@pytest.mark.ffmpeg
def test_a_failed_loop_leaves_the_previous_one_in_place(media_store: Path, red_then_blue: Path) -> None:
    out = media_store / "web" / "kept"
    out.mkdir(parents=True)
    (out / "720p_00000.ts").write_bytes(b"old")
    tool = FakeMediaTool(default_probe=canned_probe(duration=2.0))  # runs nothing: no segments appear
    with pytest.raises(SegmentMismatch):
        prepare_loop(red_then_blue.relative_to(media_store), media_store, out, SMALL_HLS, loop_frames=50, tool=tool)
    assert [p.name for p in out.iterdir()] == ["720p_00000.ts"]
    assert not list(out.parent.glob(".kept*"))
    encode = " ".join(tool.runs[-1])
    assert "-f concat" in encode and "-protocol_whitelist file" in encode and "-safe 0" in encode
    assert encode.count("-bf 0") == encode.count("-flags:v +cgop") == encode.count("-hls_time 1") == 3


# Pieces (ffmpeg)


@pytest.mark.ffmpeg
@pytest.mark.parametrize("frames", [1, 24])
def test_a_piece_is_the_first_frames_of_a_segment_and_decodes_cleanly(
    loop: tuple[Path, tuple[int, ...]], frames: int
) -> None:
    out, _ = loop
    for rung in RUNGS:
        segment = out / f"{rung}_00001.ts"
        piece = cut_piece(segment, frames, out / f"{rung}_00001_{frames}f.ts")
        assert piece.name == f"{rung}_00001_{frames}f.ts"
        video, first = packets(piece, "v"), packets(segment, "v")[0]
        assert len(video) == frames
        assert (video[0]["pts_time"], video[0]["flags"]) == (first["pts_time"], first["flags"])  # the segment's timing
        assert colours(piece) == "B" * frames
        assert audio_samples(piece) / 48000 == pytest.approx(frames / 25, abs=0.024)
        assert decode_errors(piece) == ""
        assert not list(out.glob(f".{rung}_00001_{frames}f*"))


@pytest.mark.ffmpeg
def test_a_piece_longer_than_its_segment_is_refused_and_not_written(loop: tuple[Path, tuple[int, ...]]) -> None:
    out, _ = loop
    with pytest.raises(SegmentMismatch):
        cut_piece(out / "360p_00002.ts", SEGMENT + 5, out / "360p_00002_30f.ts")
    assert not list(out.glob("*_30f*")) and not list(out.glob(".360p_00002_30f*"))



@pytest.mark.ffmpeg
def test_a_segment_with_b_frames_is_not_cut(red_then_blue: Path, tmp_path: Path) -> None:
    segment = tmp_path / "720p_00000.ts"  # as x264 encodes by default: B-frames, decoded out of order
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(red_then_blue), "-c:v", "libx264", "-preset", "veryfast",
                    "-c:a", "aac", str(segment)], check=True)
    with pytest.raises(SegmentMismatch, match="B-frames"):
        cut_piece(segment, 10, tmp_path / "720p_00000_10f.ts")
    assert [p.name for p in tmp_path.iterdir()] == ["720p_00000.ts"]


def test_a_quiet_clip_with_sharp_peaks_loops_at_the_target_with_its_peaks_held(media_store: Path) -> None:
    """The web loop is levelled like every rendition: -24 +/-1 LUFS and <= -2 dBTP by ffmpeg's ebur128, where
    linear gain alone (stopped at the peaks) would have left it far too quiet."""
    quiet = ClipSpec(seconds=5, size="320x180", gain_db=-11.4)  # about -33 LUFS
    peak = replace(quiet, seconds=0.04, gain_db=17.5)  # one frame 29 dB louder: peaks near -3 dBTP
    source = write_sequence(media_store / "web_quiet_with_a_peak.mp4", [quiet, peak, replace(quiet, seconds=4.96)])
    out = media_store / "live" / "quiet-peak"
    prepare_loop(source.relative_to(media_store), media_store, out, SMALL_HLS, loop_frames=250)
    rung = RUNGS[-1]
    listing = out / "segments.txt"
    listing.write_text("".join(f"file '{p.name}'\n" for p in sorted(out.glob(segment_glob(rung)))))
    argv = ["ffmpeg", "-nostdin", "-nostats", "-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0:a:0",
            "-af", "ebur128=peak=true", "-f", "null", "-"]
    summary = subprocess.run(argv, capture_output=True, text=True, check=True).stderr.rsplit("Summary:", 1)[1]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    true_peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    assert abs(integrated + 24) <= 1.0 and true_peak <= -2.0, summary

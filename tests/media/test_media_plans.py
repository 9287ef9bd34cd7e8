"""Profiles, argv builders, QC parsing and day plans, checked without running ffmpeg."""

from __future__ import annotations

import itertools
import re
from fractions import Fraction
from pathlib import Path

import ffmpeg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.analysis import Measurements, TimeRange, parse_measurements
from media.dayrender import DayPlanError, DayRenderItem, ItemKind, plan_day
from media.loudness import plan_leveling
from media.prepared import Piece, PieceHow, audio_cut_argv, copy_cut_argv, encode_cut_argv, pass_pieces
from media.probe import MediaProbe
from media.profiles import CABLE, CABLE_EBU, HLS, MP4, cable_output, hls_variant_output, mp4_output
from media.progress import progress_percent
from media.qc import QcThresholds, Status, build_report
from media.renditions import RenditionSet, rendition_argv


def pairs(argv: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(argv))


def test_cable_argv_is_cbr_with_hrd_muxrate_pcr_mp2_and_sdt() -> None:
    argv = ffmpeg.compile(cable_output(ffmpeg.input("in").video, ffmpeg.input("in").audio, "out.ts", CABLE))
    expected = {
        ("-f", "mpegts"), ("-profile:v", "high"), ("-b:v", "8000k"), ("-minrate", "8000k"), ("-maxrate", "8000k"),
        ("-x264-params", "nal-hrd=cbr:force-cfr=1"), ("-muxrate", "10000k"), ("-pcr_period", "20"),
        ("-acodec", "mp2"), ("-b:a", "256k"), ("-ar", "48000"), ("-ac", "2"), ("-r", "25"), ("-bf", "0"),
        ("-metadata", "service_name=空中课堂"), ("-metadata:g", "service_provider=airclass"),
        ("-mpegts_service_id", "1"), ("-mpegts_transport_stream_id", "1"), ("-mpegts_original_network_id", "1"),
    }
    assert expected <= pairs(argv)


def test_loudness_targets_gy_t_282_and_ebu_r128() -> None:
    assert (CABLE.loudness.integrated_lufs, CABLE.loudness.true_peak_dbtp) == (-24.0, -2.0)
    assert (CABLE_EBU.loudness.integrated_lufs, CABLE_EBU.loudness.true_peak_dbtp) == (-23.0, -1.0)


def test_hls_variants_cut_six_second_segments_on_aligned_keyframes() -> None:
    source = ffmpeg.input("in")
    for picture in HLS.ladder:
        argv = ffmpeg.compile(hls_variant_output(source.video, source.audio, "v.m3u8", picture, HLS))
        assert {("-hls_time", "6"), ("-g", "50"), ("-keyint_min", "50"), ("-sc_threshold", "0"),
                ("-hls_playlist_type", "vod"), ("-acodec", "aac"), ("-b:a", "128k")} <= pairs(argv)
    assert [(p.height, p.video_kbps, p.codecs) for p in HLS.ladder] == [
        (1080, 5000, "avc1.640028,mp4a.40.2"), (720, 2500, "avc1.64001f,mp4a.40.2"), (360, 800, "avc1.64001e,mp4a.40.2")
    ]
    mp4 = ffmpeg.compile(mp4_output(source.video, source.audio, "d.mp4", MP4))
    assert ("-movflags", "+faststart") in pairs(mp4)


@pytest.mark.parametrize(
    ("integrated", "peak", "gain", "limited"),
    [(-10.0, -9.0, -14.0, 0.0), (-30.0, -20.0, 6.0, 0.0), (-30.0, -6.0, 6.0, 5.5), (-70.0, None, 0.0, 0.0)],
)
def test_gain_reaches_the_target_and_a_limiter_holds_peaks_that_would_pass_minus_2(
    integrated: float, peak: float | None, gain: float, limited: float
) -> None:
    measured = Measurements(integrated_lufs=integrated, true_peak_dbtp=peak)
    leveling = plan_leveling(measured, CABLE.loudness)
    assert (leveling.gain_db, leveling.limited_db) == pytest.approx((gain, limited))


def probe(**changes: object) -> MediaProbe:
    values: dict[str, object] = {
        "container": "mp4", "video_codec": "h264", "audio_codec": "aac", "width": 720, "height": 576, "frame_rate": Fraction(25),
        "duration_seconds": 4.0, "duration_frames": 100, "audio_sample_rate": 48000, "audio_channels": 2,
        "interlaced": False, "variable_frame_rate": False,
    }
    return MediaProbe(**(values | changes))  # type: ignore[arg-type]


def test_one_decode_feeds_every_rendition_and_interlaced_sources_are_deinterlaced(tmp_path: Path) -> None:
    (tmp_path / "src.mp4").write_bytes(b"")
    argv = rendition_argv(Path("src.mp4"), tmp_path, probe(interlaced=True), -3.0, RenditionSet(), tmp_path)
    graph = argv[argv.index("-filter_complex") + 1]
    assert argv.count("-i") == 1
    assert "yadif" in graph and "asplit=4" in graph and "volume=-3.0dB" in graph
    # Cable and MP4 share one 1080p scale; the poster scales its one frame only.
    assert graph.count("scale=1920:1080:force_original_aspect_ratio=decrease") == 1 and "pad=1920:1080" in graph
    assert re.search(r"trim=end_frame=11:start_frame=10\[(s\d+)\];\[\1\]scale=1280:720", graph)
    plain = rendition_argv(Path("src.mp4"), tmp_path, probe(), 0.0, RenditionSet(), tmp_path / "b")
    assert "yadif" not in plain[plain.index("-filter_complex") + 1]


STDERR = """\
[Parsed_ebur128_1 @ 0x1] [info] t: 1.0        TARGET:-23 LUFS    M: -25.0 S:-120.7     I: -25.0 LUFS
[Parsed_ebur128_1 @ 0x1] [info] t: 2.0        TARGET:-23 LUFS    M: -24.0 S: -24.5     I: -24.5 LUFS
[silencedetect @ 0x2] [info] silence_start: 0.5
[silencedetect @ 0x2] [info] silence_end: 4.5 | silence_duration: 4
[blackdetect @ 0x3] [info] black_start:0 black_end:2.5 black_duration:2.5
[freezedetect @ 0x4] [info] lavfi.freezedetect.freeze_start: 3
[freezedetect @ 0x4] [info] lavfi.freezedetect.freeze_duration: 11
[freezedetect @ 0x4] [info] lavfi.freezedetect.freeze_end: 14
[freezedetect @ 0x4] [info] lavfi.freezedetect.freeze_start: 20
[h264 @ 0x5] [error] error while decoding MB 3 4, bytestream -5
[Parsed_ebur128_1 @ 0x1] [info] Summary:
  Integrated loudness:
    I:         -24.4 LUFS
  Loudness range:
    LRA:         1.5 LU
  True peak:
    Peak:       -3.2 dBFS
"""


def test_parser_reads_every_detector_and_counts_decode_errors() -> None:
    measured = parse_measurements(STDERR)
    assert (measured.integrated_lufs, measured.loudness_range_lu, measured.true_peak_dbtp) == (-24.4, 1.5, -3.2)
    assert [(p.seconds, p.momentary, p.short_term) for p in measured.series] == [(1.0, -25.0, -70.0), (2.0, -24.0, -24.5)]
    assert measured.silence == (TimeRange(0.5, 4.5),)
    assert measured.black == (TimeRange(0.0, 2.5),)
    assert measured.freeze is not None and measured.freeze[0] == TimeRange(3.0, 14.0)
    assert measured.decode_errors == 1
    report = build_report(probe(duration_seconds=30.0, duration_frames=750), measured, QcThresholds())
    verdicts = {c.name: c.status for c in report.checks}
    assert verdicts["black"] is Status.WARN  # black at the very start is a fade-in, not a mid-programme gap
    assert verdicts["freeze"] is Status.WARN  # 11 s, then one still open at the end (10 s)
    assert report.check("freeze").ranges == (TimeRange(3.0, 14.0), TimeRange(20.0, 30.0))
    assert (verdicts["silence"], verdicts["decode_errors"], report.status) == (Status.WARN, Status.FAIL, Status.FAIL)
    assert verdicts["resolution"] is Status.WARN  # 720x576 is not 16:9


@pytest.mark.parametrize(
    ("line", "percent"),
    [("out_time_us=1000000", 25.0), ("out_time_ms=2000000", 50.0), ("out_time_us=N/A", None),
     ("progress=end", 100.0), ("out_time_us=9000000", 100.0), ("frame=12", None)],
)
def test_progress_lines_become_percent_of_the_duration(line: str, percent: float | None) -> None:
    assert progress_percent(line, 4.0) == percent


def test_day_plan_fills_gaps_with_padding_and_refuses_overlaps() -> None:
    lesson = DayRenderItem(Path("a.ts"), 25, 50)
    plan = plan_day([lesson], 100)
    assert [(i.start_frame, i.frames, i.kind) for i in plan] == [
        (0, 25, ItemKind.PADDING), (25, 50, ItemKind.LESSON), (75, 25, ItemKind.PADDING)
    ]
    with pytest.raises(DayPlanError):
        plan_day([lesson, DayRenderItem(Path("b.ts"), 70, 10)], 100)
    with pytest.raises(DayPlanError):
        plan_day([DayRenderItem(Path("b.ts"), 90, 20)], 100)


@settings(max_examples=300, deadline=None)
@given(in_frame=st.integers(0, 500), frames=st.integers(1, 800), period=st.one_of(st.none(), st.integers(1, 300)))
def test_pass_pieces_air_every_frame_once_and_encode_only_before_a_keyframe(
    in_frame: int, frames: int, period: int | None
) -> None:
    """The pieces of a run are its frames in order; only a piece starting between keyframes is encoded, and it
    stops at the next keyframe: at most a partial GOP per pass."""
    gop = 25
    pieces = pass_pieces(in_frame, frames, period, gop)
    aired = [(in_frame + k) % period if period else in_frame + k for k in range(frames)]
    assert [f for piece in pieces for f in range(piece.start, piece.end)] == aired
    for piece in pieces:
        assert piece.frames > 0 and (period is None or piece.end <= period)
        if piece.how is PieceHow.ENCODE:
            assert piece.start % gop and piece.frames < gop
            assert piece.end % gop == 0 or piece.end == period or piece is pieces[-1]
        else:
            assert piece.start % gop == 0
        assert (piece.how is PieceHow.WHOLE) == (period is not None and piece.start == 0 and piece.end == period)


def test_prepared_pieces_are_cut_through_the_one_door_with_demuxer_and_protocol_forced(tmp_path: Path) -> None:
    """Cuts of a prepared pass: the TS and WAV demuxers forced, file protocol only, video copied by frame count."""
    (tmp_path / "video.ts").write_bytes(b"\x47")
    (tmp_path / "audio.wav").write_bytes(b"RIFF")
    copy = " ".join(copy_cut_argv(tmp_path / "video.ts", Piece(25, 40, PieceHow.COPY), tmp_path / "c.ts", tmp_path))
    assert "-f mpegts -protocol_whitelist file -ss 1.020000 -i file:" in copy
    assert "-f mpegts -copypriorss 1 -frames:v 15 -vcodec copy" in copy
    encode = " ".join(encode_cut_argv(tmp_path / "video.ts", Piece(30, 50, PieceHow.ENCODE), tmp_path / "e.ts",
                                      tmp_path, CABLE))
    assert "-f mpegts -protocol_whitelist file -ss 0.980000 -i file:" in encode  # decoded from the keyframe at 25
    assert "trim=end_frame=25:start_frame=5" in encode and "-bf 0 " in encode and "-flags:v +cgop -g 25" in encode
    audio = " ".join(audio_cut_argv(tmp_path / "audio.wav", Piece(10, 20, PieceHow.COPY), tmp_path / "a.wav"))
    assert "-f wav -protocol_whitelist file -i file:" in audio
    assert "atrim=end_sample=38400:start_sample=19200" in audio

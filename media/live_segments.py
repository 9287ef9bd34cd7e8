"""The live web twin's media: filler loops segmented once as the web ladder, and pieces of segments.

A looping clip airs on the web as a loop a whole number of segments long where it can be (`loop_frames`),
encoded once as the HLS ladder into `{rung}_{i:05d}.ts`, cut on the same frames in every rung
(`prepare_loop`). A run's last segment may be a piece, the first N frames of a segment, cut by stream copy
(`cut_piece`): the loop has closed GOPs and no B-frames (profiles.CUTTABLE), so a segment's first N packets
are its first N frames.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg

from media.atomic_write import atomic_output, staging_dir
from media.errors import MediaError
from media.loudness import Leveling, level, leveling_for, measure
from media.probe import MediaProbe, probe_upload, whole_frames
from media.profiles import FPS, HLS, HlsProfile, fit_16x9, hls_variant_output
from media.runner import (
    DEMUXERS,
    FFPROBE_FLAGS,
    FfmpegTool,
    MediaTool,
    Watch,
    concat_input,
    ffmpeg_argv,
    file_url,
    input_options,
    store_input,
)
from media.store_paths import output_in_store, resolve_in_store

LOOP_CAP_FRAMES = 10 * 60 * FPS  # past it, a loop is whole passes of the clip, its last segment shorter
SAMPLE_RATE = 48000
SAMPLES_PER_FRAME = SAMPLE_RATE // FPS
AAC_FRAME_SAMPLES = 1024
PASSES = "passes.ffconcat"


class SegmentMismatch(MediaError):
    """The segments written are not the ones planned: the rungs disagree, or a piece has the wrong length."""


def loop_frames(clip_frames: int, segment_frames: int, min_frames: int, *, cap_frames: int = LOOP_CAP_FRAMES) -> int:
    """The length of a clip's web loop: the fewest passes that make whole segments and at least min_frames;
    past cap_frames, the most whole passes within it (at least one, and at least min_frames)."""
    if clip_frames <= 0 or segment_frames <= 0 or not 0 <= min_frames <= cap_frames:
        raise ValueError(f"no loop of a {clip_frames}-frame clip in {segment_frames}-frame segments")
    whole = math.lcm(clip_frames, segment_frames)
    aligned = whole * max(1, -(-min_frames // whole))
    if aligned <= cap_frames:
        return aligned
    return clip_frames * max(1, cap_frames // clip_frames, -(-min_frames // clip_frames))


def pass_frames(probe: MediaProbe) -> int:
    """One pass of a clip in frames on air (25 fps)."""
    if probe.frame_rate == FPS:
        return probe.duration_frames
    return whole_frames(Fraction(probe.duration_seconds), Fraction(FPS))


def prepare_loop(
    clip: Path,
    store_root: Path,
    out_dir: Path,
    profile: HlsProfile = HLS,
    *,
    loop_frames: int,
    tool: MediaTool | None = None,
    watch: Watch | None = None,
    timeout: float | None = None,
) -> tuple[int, ...]:
    """Encode the clip looped to exactly loop_frames as the web ladder into out_dir (replaced when complete);
    return the frames of each segment, counted in every rung.

    Loudness as the HLS ladder's: measured (audio only), then levelled to the target (gain, and a
    true-peak limiter where the gain would pass the ceiling).
    """
    if loop_frames <= 0:
        raise ValueError(f"a loop of {loop_frames} frames")
    tool = tool or FfmpegTool()
    probe = probe_upload(clip, store_root, tool)
    source = resolve_in_store(clip, store_root)
    starts = stream_starts(tool.probe(source, DEMUXERS[probe.container]))
    out_dir = output_in_store(out_dir, store_root)
    def audio() -> Any:
        return store_input(clip, store_root, probe.container)["a:0"]

    leveling = leveling_for(audio, measure(audio(), tool, timeout), profile.loudness, tool, timeout)
    one_pass = pass_frames(probe)
    with staging_dir(out_dir) as temp:
        count = -(-loop_frames // one_pass) + 1  # one spare pass: the trim ends the loop, not the input
        passes = temp / PASSES
        passes.write_text(passes_listing(source, DEMUXERS[probe.container], one_pass, count))
        argv = loop_argv(passes, store_root, temp, leveling, profile, loop_frames=loop_frames,
                         audio_offset=starts["audio"] - starts["video"], interlaced=probe.interlaced)
        timed = Watch(watch.progress if watch else None, loop_frames / FPS,
                      watch.max_output_bytes if watch else None, (temp,))
        tool.run(argv, timeout=timeout, watch=timed)
        passes.unlink()
        return written_segments(temp, profile, loop_frames, tool)


def passes_listing(clip: Path, demuxer: str, frames: int, count: int) -> str:
    """An ffconcat list of `count` passes of the clip, each exactly `frames` long on the timeline.

    `duration` places each pass, so the passes stay on the frame however long the clip's audio runs
    (-stream_loop would shift each pass by the audio's length). The concat demuxer cannot force a demuxer:
    a format whitelist of the one it would force refuses anything else.
    """
    if any(end in str(clip) for end in "\r\n"):
        raise ValueError("a line break in a clip's path would start a new directive")
    options = {**input_options(demuxer), "format_whitelist": demuxer}
    del options["f"]
    quoted = file_url(clip).replace("'", "'\\''")
    entry = [f"file '{quoted}'", *(f"option {key} {value}" for key, value in options.items()),
             f"duration {frames / FPS:.6f}"]
    return "ffconcat version 1.0\n" + "".join(line + "\n" for _ in range(count) for line in entry)


def loop_argv(
    passes: Path, store_root: Path, out_dir: Path, leveling: Leveling, profile: HlsProfile, *, loop_frames: int,
    audio_offset: Fraction = Fraction(0), interlaced: bool | None = None,
) -> list[str]:
    """One decode of the passes, loop_frames long, split to every rung of the ladder (cuttable segments).

    Each stream starts at 0 and the audio keeps its offset from the picture (audio_offset, s): AAC priming
    that a TS source carries as audio before the first frame is trimmed, not played against it.
    """
    source = concat_input(passes, store_root)
    video = source["v:0"]
    if interlaced:
        video = video.filter("yadif", mode="send_frame")
    video = video.filter("setpts", "PTS-STARTPTS").filter("fps", FPS).filter("trim", end_frame=loop_frames)
    # A pass's audio may overrun or fall short of the pass: hard compensation from 1 ms on drops the overrun
    # (from the next pass's head) or pads silence, so every pass starts on its first frame.
    audio = source["a:0"].filter("asetpts", f"PTS-STARTPTS+{float(audio_offset):.6f}/TB").filter(
        "aresample", SAMPLE_RATE, first_pts=0, min_hard_comp=0.001, **{"async": 1})
    audio = level(audio, leveling, profile.loudness).filter("apad").filter(
        "atrim", end_sample=loop_frames * SAMPLES_PER_FRAME)
    videos = video.filter_multi_output("split", len(profile.ladder))
    audios = audio.filter_multi_output("asplit", len(profile.ladder))
    outputs = [
        hls_variant_output(fit_16x9(videos[index], picture.width, picture.height), audios[index],
                           file_url(out_dir / f"{picture.name}.m3u8"), picture, profile, cuttable=True)
        for index, picture in enumerate(profile.ladder)
    ]
    return ffmpeg_argv(ffmpeg.merge_outputs(*outputs))


def written_segments(folder: Path, profile: HlsProfile, loop_frames: int, tool: MediaTool) -> tuple[int, ...]:
    """The frames of each segment in the folder, the same in every rung and loop_frames in all."""
    found = {
        picture.name: tuple(packet_counts(path, tool)["video"] for path in sorted(folder.glob(segment_glob(picture.name))))
        for picture in profile.ladder
    }
    first = found[profile.ladder[0].name]
    if any(frames != first for frames in found.values()) or sum(first) != loop_frames:
        raise SegmentMismatch(f"segments of {loop_frames} frames planned, written: {found}")
    return first


def segment_glob(rung: str) -> str:
    """The whole segments of a rung, `{rung}_{i:05d}.ts` (not its pieces, `{rung}_{i:05d}_{N}f.ts`)."""
    return f"{rung}_{'[0-9]' * 5}.ts"


def cut_piece(
    segment: Path, frames: int, out: Path, *, tool: MediaTool | None = None, timeout: float | None = None
) -> Path:
    """Write the first `frames` frames of a segment (absolute paths) to out by stream copy, with the audio
    frames that last as long (within half an AAC frame); timestamps as in the segment. Written atomically.

    Raises SegmentMismatch for a segment with B-frames, or when the piece does not come out `frames` long.
    """
    tool = tool or FfmpegTool()
    probed = tool.probe(segment, DEMUXERS["mpegts"])
    starts = stream_starts(probed)
    if any(int(s.get("has_b_frames") or 0) for s in probed.get("streams", []) if s.get("codec_type") == "video"):
        raise SegmentMismatch(f"{segment.name} has B-frames: its first frames are not its first packets")
    audio_frames = round(Fraction(frames * SAMPLES_PER_FRAME, AAC_FRAME_SAMPLES))
    with atomic_output(out) as temp:
        tool.run(piece_argv(segment, temp, starts, frames, audio_frames), timeout=timeout)
        counted = packet_counts(temp, tool)
        if counted != {"video": frames, "audio": audio_frames}:
            raise SegmentMismatch(f"{segment.name}: a piece of {frames} frames came out as {counted}")
    return out


def stream_starts(probed: dict[str, Any]) -> dict[str, Fraction]:
    """When the file and its first video and audio streams start (s), from ffprobe's JSON."""
    starts = {"file": _seconds(probed.get("format", {}))}
    for stream in probed.get("streams", []):
        starts.setdefault(stream.get("codec_type", ""), _seconds(stream))
    if not {"video", "audio"} <= starts.keys():
        raise SegmentMismatch("a source for the web needs a video and an audio stream")
    return starts


def _seconds(entry: dict[str, Any]) -> Fraction:
    try:
        return Fraction(str(entry.get("start_time")))
    except ValueError:  # "N/A" or absent: count from zero
        return Fraction(0)


def piece_argv(
    segment: Path, out: Path, starts: dict[str, Fraction], frames: int, audio_frames: int
) -> list[str]:
    """Stream-copy the first frames of video and audio_frames of audio of a segment, keeping its timestamps.

    One input per stream, each read up to a limit half a frame past the last one kept: ffmpeg ends the whole
    file when one stream reaches its -frames, but an input's -t ends only the streams read from it.
    """
    video_end = starts["video"] + Fraction(2 * frames - 1, 2 * FPS)
    audio_end = starts["audio"] + Fraction((2 * audio_frames - 1) * AAC_FRAME_SAMPLES, 2 * SAMPLE_RATE)
    options = input_options(DEMUXERS["mpegts"])
    video = ffmpeg.input(file_url(segment), t=f"{float(video_end - starts['file']):.6f}", **options)["v:0"]
    audio = ffmpeg.input(file_url(segment), t=f"{float(audio_end - starts['file']):.6f}", **options)["a:0"]
    # -copyts and the muxer's mpegts_copyts: the piece carries the segment's timestamps (no 1.4 s shift).
    piece = ffmpeg.output(video, audio, file_url(out), c="copy", f="mpegts", copyts=None, mpegts_copyts=1)
    return ffmpeg_argv(piece)


def packet_counts_argv(path: Path) -> list[str]:
    """ffprobe counting the packets of each stream of a TS file (one packet is one frame here)."""
    forced = [arg for key, value in input_options(DEMUXERS["mpegts"]).items() for arg in (f"-{key}", value)]
    return ["ffprobe", *FFPROBE_FLAGS, *forced, "-count_packets", "-show_entries",
            "stream=codec_type,nb_read_packets", "-print_format", "json", file_url(path)]


def packet_counts(path: Path, tool: MediaTool) -> dict[str, int]:
    """Video and audio packets in a TS file (first stream of each kind)."""
    counts: dict[str, int] = {}
    for stream in json.loads(tool.run(packet_counts_argv(path)).stdout).get("streams", []):
        counts.setdefault(stream["codec_type"], int(stream.get("nb_read_packets") or 0))
    return counts

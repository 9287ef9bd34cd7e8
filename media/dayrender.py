"""One continuous cable MPEG-TS for a channel day: lessons by stream copy, fillers and padding re-encoded.

Every re-encoded item's audio is brought to the profile's loudness target (media/loudness.py: gain from a
measurement of its file, a true-peak limiter where the gain would pass the ceiling); each file is measured
once per render however often it airs. Copied lessons are cable renditions, normalised when they were made.

A re-encoded file plays from an ffconcat list of its passes, each placed at its video's length: a pass's
audio is cut or padded to the frame (a 10 s slate decodes to 480,256 samples, 256 too many), so a looped
clip's sound does not drift from its picture, pass after pass (as media/live_segments.py loops clips).
"""

from __future__ import annotations

import enum
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg

from media.atomic_write import atomic_output
from media.errors import MediaError
from media.live_segments import pass_frames, passes_listing, stream_starts
from media.loudness import Leveling, level, leveling_for, measure
from media.probe import MediaProbe, probe_upload
from media.profiles import (
    CABLE,
    FPS,
    CableProfile,
    cable_audio_options,
    cable_mux_options,
    cable_video_options,
    fit_16x9,
)
from media.progress import ProgressCallback
from media.runner import (
    DEMUXERS,
    FfmpegTool,
    MediaTool,
    Watch,
    concat_input,
    ffmpeg_argv,
    file_url,
    store_input,
)
from media.store_paths import output_in_store, resolve_in_store

SAMPLES_PER_FRAME = 48000 // FPS


class ItemKind(enum.StrEnum):
    """What fills a stretch of the day."""

    LESSON = "lesson"  # a cable rendition: stream-copied when its cut starts on a keyframe
    FILLER = "filler"  # any accepted file: re-encoded, looped to fill its slot
    PADDING = "padding"  # black picture and silence: no file


class DayPlanError(MediaError):
    """The day's items overlap or run past the end of the day."""


@dataclass(frozen=True)
class DayRenderItem:
    """One event of the day: a file (None for padding) cut from in_frame for frames, placed at start_frame."""

    path: Path | None
    start_frame: int
    frames: int
    kind: ItemKind = ItemKind.LESSON
    in_frame: int = 0


@dataclass(frozen=True)
class DayRender:
    """What render_day made: the file, its length in frames, and how each item got there."""

    path: Path
    frames: int
    copied: tuple[int, ...]  # start frames of the items stream-copied
    reencoded: tuple[int, ...]  # start frames of the items re-encoded (fillers, padding, unaligned cuts)


def plan_day(items: list[DayRenderItem], day_frames: int) -> list[DayRenderItem]:
    """Order the items and fill every gap with padding; refuse overlaps and items past the day's end."""
    plan: list[DayRenderItem] = []
    at = 0
    for item in sorted(items, key=lambda i: i.start_frame):
        if item.frames <= 0 or item.start_frame < at or item.start_frame + item.frames > day_frames:
            raise DayPlanError(f"item at frame {item.start_frame} ({item.frames} frames) does not fit the day")
        if item.start_frame > at:
            plan.append(DayRenderItem(None, at, item.start_frame - at, ItemKind.PADDING))
        plan.append(item)
        at = item.start_frame + item.frames
    if at < day_frames:
        plan.append(DayRenderItem(None, at, day_frames - at, ItemKind.PADDING))
    return plan


def render_day(
    items: list[DayRenderItem],
    day_frames: int,
    target: Path,
    store_root: Path,
    *,
    profile: CableProfile = CABLE,
    tool: MediaTool | None = None,
    watch: Watch | None = None,
    timeout: float | None = None,
    finish: Callable[[Path], object] | None = None,
) -> DayRender:
    """Render the day into target (inside the store), written beside it and renamed into place when complete.

    finish: called with the complete file before it is renamed into place (e.g. to put the DVB SI in it).
    """
    tool = tool or FfmpegTool()
    plan = plan_day(items, day_frames)
    target = output_in_store(target, store_root)
    copies = [_copyable(item, store_root, profile, tool) for item in plan]
    probes = [None if copy or item.path is None else probe_upload(item.path, store_root, tool)
              for item, copy in zip(plan, copies, strict=True)]
    containers = [None if probe is None else probe.container for probe in probes]
    levels = _levelings(plan, containers, store_root, profile, tool, timeout)
    spans = progress_spans(plan, copies)
    report = watch.progress if watch else None
    with _work_dir(target) as work:
        for index, (item, copy) in enumerate(zip(plan, copies, strict=True)):
            video, audio = work / f"video_{index:04d}.ts", work / f"audio_{index:04d}.wav"
            container = "mpegts" if copy else containers[index]
            leveling = levels.get(item.path) if container and not copy else None
            probe = probes[index]
            passes = None if probe is None else _passes(item, probe, work / f"passes_{index:04d}.ffconcat", store_root, tool)
            argv = part_argv(item, video, audio, store_root, profile, container, copy=copy, leveling=leveling,
                             passes=passes)
            tool.run(argv, timeout=timeout, watch=_part_watch(report, spans[index], item.frames))
        lists = [_listing(work, kind, len(plan)) for kind in ("video", "audio")]
        with atomic_output(target, scratch=work) as temp:
            timed = Watch(_scaled(report, spans[-1]), day_frames / FPS,
                          watch.max_output_bytes if watch else None, (temp,))
            tool.run(day_argv(lists[0], lists[1], temp, day_frames, store_root, profile), timeout=timeout, watch=timed)
            if finish is not None:
                finish(temp)
    copied = tuple(item.start_frame for item, copy in zip(plan, copies, strict=True) if copy)
    reencoded = tuple(item.start_frame for item, copy in zip(plan, copies, strict=True) if not copy)
    return DayRender(target, day_frames, copied, reencoded)


def _levelings(
    plan: list[DayRenderItem], containers: list[str | None], store_root: Path, profile: CableProfile,
    tool: MediaTool, timeout: float | None,
) -> dict[Path | None, Leveling]:
    """The leveling of each file the render re-encodes, each measured once."""
    levels: dict[Path | None, Leveling] = {}
    for item, container in zip(plan, containers, strict=True):
        if item.path is None or container is None or item.path in levels:
            continue

        def audio(path: Path = item.path, container: str = container) -> Any:
            return store_input(path, store_root, container)["a:0"]

        levels[item.path] = leveling_for(audio, measure(audio(), tool, timeout), profile.loudness, tool, timeout)
    return levels


# What a frame costs, relative to re-encoding it: a stream copy only reads and writes it; the join copies
# the day's video and encodes its audio once.
COPY_COST = 0.05
JOIN_COST = 0.05

Span = tuple[float, float]  # the percents of the whole render a run goes from and to


def progress_spans(plan: list[DayRenderItem], copies: list[bool]) -> list[Span]:
    """Each part's share of the render's 0-100 %, by its frames and how it is made; the join's last."""
    costs = [item.frames * (COPY_COST if copy else 1.0) for item, copy in zip(plan, copies, strict=True)]
    costs.append(sum(item.frames for item in plan) * JOIN_COST)
    total, at, spans = sum(costs) or 1.0, 0.0, []
    for cost in costs:
        spans.append((at, at + 100.0 * cost / total))
        at = spans[-1][1]
    return spans


def _scaled(report: ProgressCallback | None, span: Span) -> ProgressCallback | None:
    """A run's own 0-100 % reported as its span of the whole render."""
    if report is None:
        return None
    start, end = span
    return lambda percent: report(start + (end - start) * percent / 100.0)


def _part_watch(report: ProgressCallback | None, span: Span, frames: int) -> Watch | None:
    """A part's run reports its progress (by the time it has written) only when someone listens."""
    return None if report is None else Watch(_scaled(report, span), frames / FPS)


def day_argv(
    video_list: Path, audio_list: Path, target: Path, day_frames: int, store_root: Path, profile: CableProfile
) -> list[str]:
    """Join the parts: video by stream copy, audio (exact-length WAV parts) encoded once to MP2."""
    video = concat_input(video_list, store_root)["v:0"]
    audio = concat_input(audio_list, store_root)["a:0"].filter("atrim", end_sample=day_frames * SAMPLES_PER_FRAME)
    options = {**cable_audio_options(profile), **cable_mux_options(profile)}
    return ffmpeg_argv(ffmpeg.output(video, audio, file_url(target), vcodec="copy", **options))


def part_argv(
    item: DayRenderItem,
    video_out: Path,
    audio_out: Path,
    store_root: Path,
    profile: CableProfile,
    container: str | None,
    *,
    copy: bool = False,
    leveling: Leveling | None = None,
    passes: Passes | None = None,
) -> list[str]:
    """One item as exactly item.frames frames of video-only TS and item.frames x 1920 samples of WAV.

    leveling: the gain (and limiter) that brings the item's file to the profile's loudness target;
    passes: the file as a list of passes (render_day writes it for every file it re-encodes).
    """
    video, audio = _part_sources(item, store_root, container, profile, passes)
    audio = audio if leveling is None else level(audio, leveling, profile.loudness)
    audio = (
        audio.filter("aresample", profile.sample_rate).filter("atrim", start=float(Fraction(item.in_frame, FPS)))
        .filter("asetpts", "PTS-STARTPTS").filter("apad").filter("atrim", end_sample=item.frames * SAMPLES_PER_FRAME)
    )
    wav = ffmpeg.output(audio, file_url(audio_out), f="wav", acodec="pcm_s16le", ac=2)
    if copy:
        picture = _keyframe_cut(item, store_root)
        return ffmpeg_argv(ffmpeg.merge_outputs(picture.output(
            file_url(video_out), f="mpegts", vcodec="copy", copypriorss=1, **{"frames:v": item.frames}), wav))
    video = (
        video.filter("fps", FPS).filter("trim", start_frame=item.in_frame).filter("setpts", "PTS-STARTPTS")
        .filter("tpad", stop_mode="clone", stop=-1).filter("trim", end_frame=item.frames)
    )
    picture = fit_16x9(video, profile.picture.width, profile.picture.height)
    encoded = ffmpeg.output(picture, file_url(video_out), f="mpegts", **cable_video_options(profile))
    return ffmpeg_argv(ffmpeg.merge_outputs(encoded, wav))


def _keyframe_cut(item: DayRenderItem, store_root: Path) -> Any:
    """The lesson's video from its in-point keyframe (seek half a frame past it: never the keyframe before)."""
    assert item.path is not None
    seek = {"ss": f"{(item.in_frame + 0.5) / FPS:.6f}"} if item.in_frame else {}
    return store_input(item.path, store_root, "mpegts", **seek)["v:0"]


@dataclass(frozen=True)
class Passes:
    """A file as an ffconcat list of its passes, each placed at its video's length, and where its audio starts."""

    listing: Path
    audio_offset: Fraction  # s from the first picture (AAC priming a TS carries before it is trimmed)


def _passes(item: DayRenderItem, probe: MediaProbe, listing: Path, store_root: Path, tool: MediaTool) -> Passes:
    """Enough passes of the item's file for its in-point and length, and one spare: the trim ends the loop."""
    assert item.path is not None
    source, demuxer = resolve_in_store(item.path, store_root), DEMUXERS[probe.container]
    one_pass = max(1, pass_frames(probe))
    listing.write_text(passes_listing(source, demuxer, one_pass, -(-(item.in_frame + item.frames) // one_pass) + 1))
    starts = stream_starts(tool.probe(source, demuxer))
    return Passes(listing, starts["audio"] - starts["video"])


def _part_sources(
    item: DayRenderItem, store_root: Path, container: str | None, profile: CableProfile, passes: Passes | None
) -> tuple[Any, Any]:
    """The item's video and audio inputs (files from their passes; padding comes from lavfi)."""
    if item.path is None or container is None:
        size = f"{profile.picture.width}x{profile.picture.height}"
        video = ffmpeg.input(f"color=c=black:size={size}:rate={FPS}", f="lavfi")
        audio = ffmpeg.input(f"anullsrc=channel_layout=stereo:sample_rate={profile.sample_rate}", f="lavfi")
        return video, audio
    if passes is None:
        source = store_input(item.path, store_root, container)
        return source["v:0"], source["a:0"]
    source = concat_input(passes.listing, store_root)
    # Hard compensation from 1 ms: a pass's audio that overruns its picture is dropped from the next pass's
    # head, one that falls short is padded with silence, so every pass's sound starts on its first frame.
    audio = (
        source["a:0"].filter("asetpts", f"PTS-STARTPTS+{float(passes.audio_offset):.6f}/TB")
        .filter("aresample", profile.sample_rate, first_pts=0, min_hard_comp=0.001, **{"async": 1})
    )
    return source["v:0"].filter("setpts", "PTS-STARTPTS"), audio


def _copyable(item: DayRenderItem, store_root: Path, profile: CableProfile, tool: MediaTool) -> bool:
    """Whether the lesson can be stream-copied: a cable rendition of this profile, cut from a keyframe, long enough."""
    if item.kind is not ItemKind.LESSON or item.path is None or item.in_frame % profile.gop:
        return False
    path = resolve_in_store(item.path, store_root)
    with path.open("rb") as head:
        data = tool.probe(path, DEMUXERS["mpegts"]) if head.read(1) == b"\x47" else {}
    video: dict[str, Any] = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), {})
    shape = (video.get("codec_name"), video.get("width"), video.get("height"), video.get("avg_frame_rate"))
    wanted = ("h264", profile.picture.width, profile.picture.height, f"{FPS}/1")
    long_enough = float(video.get("duration") or 0) * FPS >= item.in_frame + item.frames - 0.5
    return shape == wanted and video.get("has_b_frames", 0) == 0 and long_enough


def _listing(work: Path, kind: str, count: int) -> Path:
    """An ffconcat list of the parts of one kind, in order (each part is exactly its item's length)."""
    suffix = "ts" if kind == "video" else "wav"
    entries = "".join(f"file '{file_url(work / f'{kind}_{i:04d}.{suffix}')}'\n" for i in range(count))
    listing = work / f"{kind}.ffconcat"
    listing.write_text("ffconcat version 1.0\n" + entries)
    return listing


@contextmanager
def _work_dir(target: Path) -> Iterator[Path]:
    """A scratch directory beside target for parts, the list and the file before it is renamed into place."""
    work = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    work.mkdir(parents=True)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)

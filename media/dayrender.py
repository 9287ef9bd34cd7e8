"""One continuous cable MPEG-TS for a channel day, at stream-copy cost.

Lessons are their cable renditions, cut by stream copy from keyframes (when a cut starts between two, only
the frames before the next keyframe are re-encoded). Fillers, breaks, the standby programme and padding are
encoded and levelled once per profile (media/prepared.py) and their passes copied in. Every part is exactly
its frames of video-only TS and frames x 1920 samples of WAV; the join copies the video and encodes the day's
sound once, sample-exact, into the CBR mux. Before anything is written the render checks the free space
(media/disk_space.py). prepare=False re-encodes every filler and padding second instead, as renders did
before (what benchmarks/day_render.py compares with).
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg

from media.atomic_write import atomic_output
from media.day_parts import (
    SAMPLES_PER_FRAME,
    DayRenderItem,
    ItemKind,
    audio_part_argv,
    cable_shaped,
    levelings,
    part_argv,
    passes_for,
)
from media.disk_space import FreeBytes, check_free_space, disk_free, render_bytes
from media.errors import MediaError
from media.live_segments import pass_frames, stream_starts
from media.loudness import Leveling
from media.prepared import (
    PADDING_FRAMES,
    Piece,
    PieceHow,
    PreparedClip,
    audio_cut_argv,
    copy_cut_argv,
    encode_cut_argv,
    pass_pieces,
    prepare_clip,
    prepared_frames,
)
from media.probe import MediaProbe, probe_upload
from media.profiles import CABLE, FPS, CableProfile, cable_audio_options, cable_mux_options
from media.progress import ProgressCallback
from media.runner import DEMUXERS, FfmpegTool, MediaTool, Watch, concat_input, ffmpeg_argv, file_url
from media.store_paths import output_in_store, resolve_in_store

__all__ = ["DayPlanError", "DayRender", "DayRenderItem", "ItemKind", "plan_day", "render_day"]

Entry = tuple[Path, int]  # a part file and its frames, in the day's order


class DayPlanError(MediaError):
    """The day's items overlap or run past the end of the day."""


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



@dataclass(frozen=True)
class DayRender:
    """What render_day made: the file, its length in frames, and how each item got there."""

    path: Path
    frames: int
    copied: tuple[int, ...]  # start frames of the lessons stream-copied from their cable renditions
    reencoded: tuple[int, ...]  # start frames of the items re-encoded whole (not a cable rendition; prepare=False)
    from_prepared: tuple[int, ...] = ()  # start frames of the fillers and padding copied from prepared passes
    encoded_frames: int = 0  # frames encoded by this render (partial GOPs and whole items; not the preparing)
    prepared: tuple[Path, ...] = field(default=())  # clips prepared by this render (earlier renders' are reused)


@dataclass(frozen=True)
class _Render:
    """What every part of one render shares."""

    store_root: Path
    work: Path
    profile: CableProfile
    tool: MediaTool
    timeout: float | None


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
    prepare: bool = True,
    free_bytes: FreeBytes = disk_free,
) -> DayRender:
    """Render the day into target (inside the store), written beside it and renamed into place when complete.

    finish: called with the complete file before it is renamed into place (e.g. to put the DVB SI in it);
    prepare: fillers and padding from their prepared passes (False: re-encoded whole, the old way);
    free_bytes: how the free space is read (NotEnoughSpace before anything is written when short).
    """
    tool = tool or FfmpegTool()
    plan = plan_day(items, day_frames)
    target = output_in_store(target, store_root)
    shaped = [cable_shaped(item, store_root, profile, tool) for item in plan]
    copies = [cut or (prepare and item.kind is not ItemKind.LESSON) for item, cut in zip(plan, shaped, strict=True)]
    probes = [None if copy or item.path is None else probe_upload(item.path, store_root, tool)
              for item, copy in zip(plan, copies, strict=True)]
    clips = {item.path: probe_upload(item.path, store_root, tool) if item.path else None
             for item, copy in zip(plan, copies, strict=True) if copy and item.kind is not ItemKind.LESSON}
    check_free_space(target.parent, _needed_bytes(plan, copies, shaped, clips, day_frames, profile), free_bytes)
    made = {path: prepare_clip(path, store_root, profile, tool, timeout=timeout) for path in clips}
    ready = {path: clip for path, (clip, _fresh) in made.items()}
    containers = [None if probe is None else probe.container for probe in probes]
    levels = levelings(plan, containers, store_root, profile, tool, timeout)
    spans = progress_spans(plan, copies)
    report = watch.progress if watch else None
    videos: list[Entry] = []
    audios: list[Entry] = []
    encoded = 0
    with _work_dir(target) as work:
        render = _Render(store_root, work, profile, tool, timeout)
        for index, item in enumerate(plan):
            if item.path in ready and copies[index]:
                parts = _prepared_parts(item, ready[item.path], index, render)
            elif shaped[index]:
                parts = _lesson_parts(item, index, render)
            else:
                parts = _encoded_parts(item, index, render, probes[index], levels.get(item.path),
                                       _part_watch(report, spans[index], item.frames))
            videos += parts[0]
            audios += parts[1]
            encoded += parts[2]
            if report is not None:
                report(spans[index][1])
        lists = [_listing(work / f"{kind}.ffconcat", entries) for kind, entries in (("video", videos), ("audio", audios))]
        with atomic_output(target, scratch=work) as temp:
            timed = Watch(_scaled(report, spans[-1]), day_frames / FPS,
                          watch.max_output_bytes if watch else None, (temp,))
            tool.run(day_argv(lists[0], lists[1], temp, day_frames, store_root, profile), timeout=timeout, watch=timed)
            if finish is not None:
                finish(temp)
    starts = [item.start_frame for item in plan]
    copied = tuple(start for start, cut in zip(starts, shaped, strict=True) if cut)
    reencoded = tuple(start for start, copy in zip(starts, copies, strict=True) if not copy)
    from_prepared = tuple(start for start, cut, copy in zip(starts, shaped, copies, strict=True) if copy and not cut)
    fresh = tuple(path or Path("padding") for path, (_clip, new) in made.items() if new)
    return DayRender(target, day_frames, copied, reencoded, from_prepared, encoded, fresh)


def _needed_bytes(
    plan: list[DayRenderItem], copies: list[bool], shaped: list[bool], clips: dict[Path | None, MediaProbe | None],
    day_frames: int, profile: CableProfile,
) -> int:
    """Bytes the render will write: the day, every part that is not a prepared pass, and the clips to prepare."""
    parts = sum(item.frames for item, copy, cut in zip(plan, copies, shaped, strict=True) if cut or not copy)
    passes = sum(PADDING_FRAMES if probe is None else prepared_frames(pass_frames(probe)) for probe in clips.values())
    return render_bytes(day_frames, parts + passes, parts + passes, profile)


def _prepared_parts(item: DayRenderItem, clip: PreparedClip, index: int, render: _Render) -> tuple[list[Entry], list[Entry], int]:
    """A filler or padding as pieces of its prepared passes: whole passes as they are, the rest cut."""
    videos: list[Entry] = []
    audios: list[Entry] = []
    encoded = 0
    for number, piece in enumerate(pass_pieces(item.in_frame, item.frames, clip.frames, render.profile.gop)):
        if piece.how is PieceHow.WHOLE:
            videos.append((clip.video, piece.frames))
            audios.append((clip.audio, piece.frames))
            continue
        videos.append(_video_piece(clip.video, piece, render.work / f"video_{index:05d}_{number:05d}.ts", render))
        audio = render.work / f"audio_{index:05d}_{number:05d}.wav"
        render.tool.run(audio_cut_argv(clip.audio, piece, audio), timeout=render.timeout)
        audios.append((audio, piece.frames))
        encoded += piece.frames if piece.how is PieceHow.ENCODE else 0
    return videos, audios, encoded


def _lesson_parts(item: DayRenderItem, index: int, render: _Render) -> tuple[list[Entry], list[Entry], int]:
    """A lesson's cable rendition cut by copy from its keyframes (a partial GOP before one re-encoded)."""
    assert item.path is not None
    source = resolve_in_store(item.path, render.store_root)
    pieces = pass_pieces(item.in_frame, item.frames, None, render.profile.gop)
    videos = [_video_piece(source, piece, render.work / f"video_{index:05d}_{number:05d}.ts", render)
              for number, piece in enumerate(pieces)]
    audio = render.work / f"audio_{index:05d}.wav"
    starts = stream_starts(render.tool.probe(source, DEMUXERS["mpegts"]))
    render.tool.run(audio_part_argv(item, audio, render.store_root, render.profile, starts["audio"] - starts["video"]),
                    timeout=render.timeout)
    return videos, [(audio, item.frames)], sum(p.frames for p in pieces if p.how is PieceHow.ENCODE)


def _video_piece(source: Path, piece: Piece, out: Path, render: _Render) -> Entry:
    """Write a piece of a cable TS's video: copied from a keyframe, or re-encoded up to the next one."""
    if piece.how is PieceHow.ENCODE:
        argv = encode_cut_argv(source, piece, out, render.store_root, render.profile)
    else:
        argv = copy_cut_argv(source, piece, out, render.store_root)
    render.tool.run(argv, timeout=render.timeout)
    return out, piece.frames


def _encoded_parts(
    item: DayRenderItem, index: int, render: _Render, probe: MediaProbe | None, leveling: Leveling | None,
    watch: Watch | None,
) -> tuple[list[Entry], list[Entry], int]:
    """An item re-encoded whole (a file that is no cable rendition, or any filler with prepare=False)."""
    video, audio = render.work / f"video_{index:05d}.ts", render.work / f"audio_{index:05d}.wav"
    passes = None if probe is None else passes_for(item, probe, render.work / f"passes_{index:05d}.ffconcat",
                                                    render.store_root, render.tool)
    container = None if probe is None else probe.container
    argv = part_argv(item, video, audio, render.store_root, render.profile, container, leveling=leveling,
                     passes=passes)
    render.tool.run(argv, timeout=render.timeout, watch=watch)
    return [(video, item.frames)], [(audio, item.frames)], item.frames


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


def _listing(listing: Path, entries: list[Entry]) -> Path:
    """An ffconcat list of parts in order, each placed at its length (the pieces of a pass end on its frames)."""
    lines = "".join(f"file '{file_url(path)}'\nduration {frames / FPS:.6f}\n" for path, frames in entries)
    listing.write_text("ffconcat version 1.0\n" + lines)
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


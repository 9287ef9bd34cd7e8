"""How one item of a channel day becomes its parts: exactly its frames of video-only TS and its samples of WAV.

A re-encoded file plays from an ffconcat list of its passes, each placed at its video's length: a pass's
audio is cut or padded to the frame (a 10 s slate decodes to 480,256 samples, 256 too many), so a looped
clip's sound does not drift from its picture, pass after pass (as media/live_segments.py loops clips).
Every re-encoded file's audio is brought to the profile's loudness target (media/loudness.py: gain from a
measurement of its file, a true-peak limiter where the gain would pass the ceiling).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg

from media.live_segments import pass_frames, passes_listing, stream_starts
from media.loudness import Leveling, level, leveling_for, measure
from media.probe import MediaProbe
from media.profiles import FPS, CableProfile, cable_video_options, fit_16x9
from media.runner import DEMUXERS, MediaTool, concat_input, ffmpeg_argv, file_url, store_input
from media.store_paths import resolve_in_store

SAMPLES_PER_FRAME = 48000 // FPS


class ItemKind(enum.StrEnum):
    """What fills a stretch of the day."""

    LESSON = "lesson"  # a cable rendition: stream-copied from its keyframes (a partial GOP re-encoded before one)
    FILLER = "filler"  # any accepted file: prepared once per profile (media/prepared.py), looped to fill its slot
    PADDING = "padding"  # black picture and silence: no file


@dataclass(frozen=True)
class DayRenderItem:
    """One event of the day: a file (None for padding) cut from in_frame for frames, placed at start_frame."""

    path: Path | None
    start_frame: int
    frames: int
    kind: ItemKind = ItemKind.LESSON
    in_frame: int = 0


def levelings(
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
    wav = wav_output(audio, item, audio_out, profile, leveling)
    if copy:
        assert item.path is not None
        picture = keyframe_cut(item.path, item.in_frame, store_root)
        return ffmpeg_argv(ffmpeg.merge_outputs(picture.output(
            file_url(video_out), f="mpegts", vcodec="copy", copypriorss=1, **{"frames:v": item.frames}), wav))
    video = (
        video.filter("fps", FPS).filter("trim", start_frame=item.in_frame).filter("setpts", "PTS-STARTPTS")
        .filter("tpad", stop_mode="clone", stop=-1).filter("trim", end_frame=item.frames)
    )
    picture = fit_16x9(video, profile.picture.width, profile.picture.height)
    encoded = ffmpeg.output(picture, file_url(video_out), f="mpegts", **cable_video_options(profile))
    return ffmpeg_argv(ffmpeg.merge_outputs(encoded, wav))


def wav_output(audio: Any, item: DayRenderItem, audio_out: Path, profile: CableProfile,
               leveling: Leveling | None = None) -> Any:
    """The item's audio from its in-point as exactly item.frames x 1920 samples of WAV (levelled if asked)."""
    audio = audio if leveling is None else level(audio, leveling, profile.loudness)
    audio = (
        audio.filter("aresample", profile.sample_rate).filter("atrim", start=float(Fraction(item.in_frame, FPS)))
        .filter("asetpts", "PTS-STARTPTS").filter("apad").filter("atrim", end_sample=item.frames * SAMPLES_PER_FRAME)
    )
    return ffmpeg.output(audio, file_url(audio_out), f="wav", acodec="pcm_s16le", ac=2)


def audio_part_argv(item: DayRenderItem, audio_out: Path, store_root: Path, profile: CableProfile,
                    audio_offset: Fraction = Fraction(0)) -> list[str]:
    """The WAV part of a copied lesson: its cable rendition's audio, levelled when the rendition was made.

    audio_offset: where the rendition's audio starts from its first picture (stream_starts). MP2's encoder
    delay (481 samples) puts its first packet 10 ms before its picture: cut from its first sample, a copied
    lesson's sound came 10 ms late at its join (issue 13, tests/media/test_join_sync.py).
    """
    assert item.path is not None
    audio = aligned_audio(store_input(item.path, store_root, "mpegts")["a:0"], audio_offset, profile)
    return ffmpeg_argv(wav_output(audio, item, audio_out, profile))


def aligned_audio(audio: Any, offset: Fraction, profile: CableProfile) -> Any:
    """Audio placed `offset` s from its picture's start, cut or padded to begin exactly with the picture."""
    # Hard compensation from 1 ms: a pass's audio that overruns its picture is dropped from the next pass's
    # head, one that falls short is padded with silence, so every pass's sound starts on its first frame.
    return (
        audio.filter("asetpts", f"PTS-STARTPTS+{float(offset):.6f}/TB")
        .filter("aresample", profile.sample_rate, first_pts=0, min_hard_comp=0.001, **{"async": 1})
    )


def keyframe_cut(path: Path, in_frame: int, store_root: Path) -> Any:
    """A cable TS's video from its keyframe at in_frame (seek half a frame past it: never the keyframe before)."""
    seek = {"ss": f"{(in_frame + 0.5) / FPS:.6f}"} if in_frame else {}
    return store_input(path, store_root, "mpegts", **seek)["v:0"]


@dataclass(frozen=True)
class Passes:
    """A file as an ffconcat list of its passes, each placed at its video's length, and where its audio starts."""

    listing: Path
    audio_offset: Fraction  # s from the first picture (AAC priming a TS carries before it is trimmed)


def passes_for(item: DayRenderItem, probe: MediaProbe, listing: Path, store_root: Path, tool: MediaTool) -> Passes:
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
    return source["v:0"].filter("setpts", "PTS-STARTPTS"), aligned_audio(source["a:0"], passes.audio_offset, profile)


def cable_shaped(item: DayRenderItem, store_root: Path, profile: CableProfile, tool: MediaTool) -> bool:
    """Whether the lesson is a cable rendition of this profile, long enough: stream-copied from its keyframes."""
    if item.kind is not ItemKind.LESSON or item.path is None:
        return False
    path = resolve_in_store(item.path, store_root)
    with path.open("rb") as head:
        data = tool.probe(path, DEMUXERS["mpegts"]) if head.read(1) == b"\x47" else {}
    video: dict[str, Any] = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), {})
    shape = (video.get("codec_name"), video.get("width"), video.get("height"), video.get("avg_frame_rate"))
    wanted = ("h264", profile.picture.width, profile.picture.height, f"{FPS}/1")
    long_enough = float(video.get("duration") or 0) * FPS >= item.in_frame + item.frames - 0.5
    return shape == wanted and video.get("has_b_frames", 0) == 0 and long_enough

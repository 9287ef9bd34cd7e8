"""Fillers, breaks, the standby programme and padding encoded once per cable profile, then cut into days by copy.

A clip is prepared once as one pass (a short clip: whole passes lasting at least a minute) of cable video
(video-only TS: no B-frames, closed one-second GOPs) and its audio, levelled once to the profile's loudness
target, as exactly frames x 1920 samples of WAV (day_parts.part_argv, as the day render re-encoded a filler
before). It is kept in `prepared/<key>/`, the key made of the clip's SHA-256 and the profile's fingerprint
(what shapes the pictures and sound: size, bitrate, GOP, preset, sample rate, loudness target, and
PREPARE_VERSION): a changed clip or profile is prepared anew. A render that reuses a pass touches its
piece.json; passes unused for UNUSED_DAYS are removed by the nightly sweep (`remove_unused`).

A day takes a run of frames of a clip as pieces of its prepared pass (`pass_pieces`): a whole pass is the
prepared files themselves; a piece starting on a keyframe is cut by stream copy (no B-frames: its first N
packets are its first N frames); only a piece starting between keyframes has its frames up to the next keyframe
re-encoded. Lessons' cable renditions are cut the same way (one pass, no loop).
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import ffmpeg

from media.atomic_write import staging_dir
from media.checksum import sha256_file
from media.day_parts import SAMPLES_PER_FRAME, DayRenderItem, ItemKind, keyframe_cut, levelings, part_argv, passes_for
from media.live_segments import pass_frames
from media.probe import probe_upload
from media.profiles import FPS, CableProfile, cable_video_options
from media.runner import MediaTool, ffmpeg_argv, file_url, input_options, store_input
from media.store_paths import resolve_in_store

PREPARED_DIR = "prepared"
UNUSED_DAYS = 30  # a prepared pass no render has used this long is removed (a filler replaced, a profile changed)
PREPARE_VERSION = 2  # bump when the way a piece is made changes: every clip is then prepared anew
PADDING_FRAMES = 60 * FPS  # padding is prepared as a minute of black and silence
# A short clip is prepared as whole passes lasting at least this long: each file a day lists costs its join
# about 12 ms of CPU to open (a 1 s clip listed pass by pass, 43 CPU-s per broadcast hour; as 60 s blocks, 0.7).
BLOCK_FRAMES = 60 * FPS
VIDEO, AUDIO, ABOUT = "video.ts", "audio.wav", "piece.json"


@dataclass(frozen=True)
class PreparedClip:
    """One prepared pass of a clip: its video-only cable TS and its levelled WAV, both `frames` long."""

    folder: Path  # absolute, inside the media store
    frames: int

    @property
    def video(self) -> Path:
        """The pass's video-only TS."""
        return self.folder / VIDEO

    @property
    def audio(self) -> Path:
        """The pass's WAV, exactly frames x 1920 samples."""
        return self.folder / AUDIO


class PieceHow(enum.StrEnum):
    """How a piece of a pass gets into the day."""

    WHOLE = "whole"  # the prepared files as they are
    COPY = "copy"  # cut by stream copy from a keyframe
    ENCODE = "encode"  # frames before the next keyframe, re-encoded


@dataclass(frozen=True)
class Piece:
    """Frames start..end (end excluded) of one pass of a clip."""

    start: int
    end: int
    how: PieceHow

    @property
    def frames(self) -> int:
        """How long the piece is."""
        return self.end - self.start


def pass_pieces(in_frame: int, frames: int, period: int | None, gop: int) -> list[Piece]:
    """The pieces that air `frames` frames of a clip looped every `period` frames (None: not looped) from in_frame."""
    pieces: list[Piece] = []
    at, left = in_frame, frames
    while left > 0:
        offset = at % period if period else at
        end = min(period, offset + left) if period else offset + left
        start = offset
        if start % gop:
            keyframe = min(end, -(-start // gop) * gop)
            pieces.append(Piece(start, keyframe, PieceHow.ENCODE))
            start = keyframe
        if start < end:
            whole = period is not None and start == 0 and end == period
            pieces.append(Piece(start, end, PieceHow.WHOLE if whole else PieceHow.COPY))
        at, left = at + end - offset, left - (end - offset)
    return pieces


def profile_fingerprint(profile: CableProfile) -> str:
    """What of a profile shapes a prepared piece, hashed: pictures, GOP, bitrate, preset, sound and loudness."""
    shape = {"video": cable_video_options(profile), "sample_rate": profile.sample_rate,
             "loudness": asdict(profile.loudness), "version": PREPARE_VERSION}
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


def prepared_folder(clip_sha256: str, profile: CableProfile) -> Path:
    """Where a clip's prepared pass lives in the media store (padding: clip_sha256 'padding')."""
    return Path(PREPARED_DIR) / f"{clip_sha256}-{profile_fingerprint(profile)}"


def prepare_clip(
    clip: Path | None, store_root: Path, profile: CableProfile, tool: MediaTool, *, timeout: float | None = None
) -> tuple[PreparedClip, bool]:
    """The clip's prepared pass (None: padding), and whether it was encoded and levelled now (False: an earlier
    render had prepared this content for this profile)."""
    digest = "padding" if clip is None else sha256_file(resolve_in_store(clip, store_root))
    folder = store_root / prepared_folder(digest, profile)
    found = _found(folder)
    if found is not None:
        os.utime(folder / ABOUT)  # used now: the sweep of unused passes counts from here
        return found, False
    try:
        with staging_dir(folder, replace=False) as temp:
            frames = _encode_pass(clip, temp, store_root, profile, tool, timeout)
            (temp / ABOUT).write_text(json.dumps({"frames": frames, "clip_sha256": digest,
                                                  "profile": profile_fingerprint(profile)}))
    except OSError:
        found = _found(folder)  # another render prepared the same clip meanwhile
        if found is None:
            raise
        return found, False
    return PreparedClip(folder, frames), True


def remove_unused(store_root: Path, *, now: float, unused_days: float = UNUSED_DAYS) -> list[Path]:
    """Remove the prepared passes no render has used for unused_days (their clip changed or left every channel,
    or the profile changed), and staging folders a killed render left that long ago; the folders removed."""
    before = now - unused_days * 86400
    removed = []
    for folder in sorted(path for path in (store_root / PREPARED_DIR).glob("*") if path.is_dir()):
        about = folder / ABOUT
        if (about if about.is_file() else folder).stat().st_mtime < before:
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def _found(folder: Path) -> PreparedClip | None:
    try:
        return PreparedClip(folder, int(json.loads((folder / ABOUT).read_text())["frames"]))
    except FileNotFoundError:
        return None


def _encode_pass(
    clip: Path | None, temp: Path, store_root: Path, profile: CableProfile, tool: MediaTool, timeout: float | None
) -> int:
    """Encode the clip's prepared pass into temp (its audio levelled to the profile's target); its frames."""
    video, audio = temp / VIDEO, temp / AUDIO
    if clip is None:
        item = DayRenderItem(None, 0, PADDING_FRAMES, ItemKind.PADDING)
        tool.run(part_argv(item, video, audio, store_root, profile, None), timeout=timeout)
        return PADDING_FRAMES
    probe = probe_upload(clip, store_root, tool)
    item = DayRenderItem(clip, 0, prepared_frames(pass_frames(probe)), ItemKind.FILLER)
    passes = passes_for(item, probe, temp / "passes.ffconcat", store_root, tool)
    leveling = levelings([item], [probe.container], store_root, profile, tool, timeout)[clip]
    tool.run(part_argv(item, video, audio, store_root, profile, probe.container, leveling=leveling, passes=passes),
             timeout=timeout)
    passes.listing.unlink()
    return item.frames


def prepared_frames(pass_frames: int) -> int:
    """How long a clip's prepared pass is: its own length, or the whole passes that last at least BLOCK_FRAMES."""
    one_pass = max(1, pass_frames)
    return one_pass * -(-BLOCK_FRAMES // one_pass)


def copy_cut_argv(source: Path, piece: Piece, out: Path, store_root: Path) -> list[str]:
    """Frames of a cable TS's video from a keyframe, by stream copy."""
    video = keyframe_cut(source, piece.start, store_root)
    return ffmpeg_argv(video.output(file_url(out), f="mpegts", vcodec="copy", copypriorss=1,
                                    **{"frames:v": piece.frames}))


def encode_cut_argv(source: Path, piece: Piece, out: Path, store_root: Path, profile: CableProfile) -> list[str]:
    """Frames of a cable TS's video before its next keyframe, re-encoded (decoded from the keyframe before)."""
    keyframe = piece.start - piece.start % profile.gop
    seek = {"ss": f"{(keyframe - 0.5) / FPS:.6f}"} if keyframe else {}  # accurate seek keeps the keyframe
    video = (
        store_input(source, store_root, "mpegts", **seek)["v:0"]
        .filter("trim", start_frame=piece.start - keyframe, end_frame=piece.end - keyframe)
        .filter("setpts", "PTS-STARTPTS")
    )
    return ffmpeg_argv(ffmpeg.output(video, file_url(out), f="mpegts", **cable_video_options(profile)))


def audio_cut_argv(wav: Path, piece: Piece, out: Path) -> list[str]:
    """Samples of a prepared WAV for the frames of a piece, exactly frames x 1920."""
    audio = (
        ffmpeg.input(file_url(wav), **input_options("wav"))["a:0"]
        .filter("atrim", start_sample=piece.start * SAMPLES_PER_FRAME, end_sample=piece.end * SAMPLES_PER_FRAME)
        .filter("asetpts", "PTS-STARTPTS")
    )
    return ffmpeg_argv(ffmpeg.output(audio, file_url(out), f="wav", acodec="pcm_s16le", ac=2))

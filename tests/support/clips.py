"""The standard filler clips a channel names (standby, break, tail and programme filler), for tests and benchmarks."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from media.samples import ClipSpec, write_sequence
from scheduler.domain.frames import FPS
from scheduler.domain.plan import Clip

FILLER_TITLES = {"standby": "节目预告", "eye-exercise": "眼保健操", "slate": "嘉兴空中课堂", "programme-filler": "防疫知识"}
# As a channel day would have them: five-minute standby and eye exercises, a 30 s slate, an hour of filler.
BROADCAST_SECONDS = {"standby": 300, "eye-exercise": 300, "slate": 30, "programme-filler": 3600}


def filler_clips(seconds: Mapping[str, int] | int = BROADCAST_SECONDS) -> dict[str, Clip]:
    """The four clips by id, each `seconds` long (one length for all, or one per id), media under clips/."""
    def length(clip_id: str) -> int:
        return (seconds if isinstance(seconds, int) else seconds[clip_id]) * FPS

    return {clip_id: Clip(clip_id, length(clip_id), title, f"clips/{clip_id}.mp4") for clip_id, title in FILLER_TITLES.items()}


# A join mark: the first frame of a clip is a white flash and its first 40 ms a 1 kHz tone burst, the rest of
# the clip black and silent, so a detector finds each pass's start in both picture and sound.
MARK_SECONDS = 0.04
MARK_TONE_HZ = 1000


def marked_clip(path: Path, seconds: float, size: str = "320x180") -> Path:
    """A clip `seconds` long whose first frame flashes white with a tone burst on the same instant."""
    flash = ClipSpec(seconds=MARK_SECONDS, size=size, video_source="color=c=white", tone_hz=MARK_TONE_HZ)
    rest = ClipSpec(seconds=seconds - MARK_SECONDS, size=size, video_source="color=c=black", tone_hz=None)
    return write_sequence(path, [flash, rest])

"""A/V sync of looped clips in a day file: each pass's audio exactly its video's length, however long the loop."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from media.dayrender import DayRenderItem, ItemKind, render_day
from media.samples import ClipSpec, write_sequence
from tests.media.conftest import SMALL_CABLE

pytestmark = pytest.mark.ffmpeg
PASSES = 19  # the 19th pass starts after 18 loops


def audio_samples(path: Path) -> int:
    """Samples of the first audio stream as ffmpeg decodes them."""
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "s16le", "-ac", "1", "-"]
    return len(subprocess.run(argv, capture_output=True, check=True).stdout) // 2


def beep_ends(path: Path) -> list[float]:
    """When each beep ends in a file's audio (s): ffmpeg's silencedetect, the start of each silence after one.

    The ends, not the starts: a pass whose audio overran its picture loses those samples from the next
    pass's head, so a beep's start may be cut short while every sample still plays at its own time.
    """
    argv = [
        "ffmpeg",
        "-nostdin",
        "-nostats",
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-af",
        "silencedetect=n=-40dB:d=0.3",
        "-f",
        "null",
        "-",
    ]
    log = subprocess.run(argv, capture_output=True, text=True, check=True).stderr
    return [float(t) for t in re.findall(r"silence_start:\s*([\d.]+)", log) if float(t) > 0]


@pytest.fixture(scope="module")
def beep_each_second(media_store: Path) -> Path:
    """A one-second clip that beeps for its first 0.2 s; as AAC in MP4 its audio decodes longer than 1 s."""
    beep = ClipSpec(seconds=0.2, size="320x180", video_source="color=c=white")
    quiet = ClipSpec(seconds=0.8, size="320x180", video_source="color=c=black", tone_hz=None)
    return write_sequence(media_store / "beep_then_quiet_1s.mp4", [beep, quiet])


def test_the_clip_s_audio_outlasts_its_video(beep_each_second: Path) -> None:
    assert audio_samples(beep_each_second) > 48_000  # whole AAC frames: 47 x 1024 = 48,128


def test_looped_audio_stays_on_its_passes_after_18_loops(media_store: Path, beep_each_second: Path) -> None:
    """Each pass's beep ends 0.2 s into its pass: the 19th as exactly as the first (a drift would be 2.7 ms a loop)."""
    items = [DayRenderItem(Path(beep_each_second.name), 25, PASSES * 25, ItemKind.FILLER)]
    day = render_day(items, (PASSES + 2) * 25, media_store / "looped_beeps.ts", media_store, profile=SMALL_CABLE)
    ends = beep_ends(day.path)
    assert len(ends) == PASSES
    assert abs(ends[0] - 1.2) < 0.024  # the first pass starts at frame 25: its beep within one MP2 frame
    assert [round((end - ends[0]) * 1000) for end in ends] == [1000 * k for k in range(PASSES)]
    assert audio_samples(day.path) == (PASSES + 2) * 25 * 1920

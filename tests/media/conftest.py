"""Generated clips for the media tests, named by what they contain, and small test profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from media.profiles import CABLE, HLS, MP4, CableProfile, HlsProfile, Mp4Profile, PosterProfile, small
from media.renditions import RenditionSet
from media.samples import ClipSpec, tiny_clip, write_sequence

TO_MINUS_24 = -2.2  # the sine tone measures -21.8 LUFS: this gain puts it on -24
PICTURE = ClipSpec(seconds=2, size="320x180")

# Test variants: a quarter of the real size and bitrates, 1 s HLS segments; the logic is the same.
SMALL_CABLE = CableProfile(picture=small(CABLE.picture, 4), muxrate_kbps=3000)
SMALL_HLS = HlsProfile(ladder=tuple(small(p, 4) for p in HLS.ladder), segment_seconds=1, gop=25)
SMALL_SET = RenditionSet(
    cable=SMALL_CABLE,
    hls=SMALL_HLS,
    mp4=Mp4Profile(picture=small(MP4.picture, 4), gop=25),  # same GOP as the ladder: 1080p HLS cut from the MP4
    poster=PosterProfile(320, 180),
)


@pytest.fixture(scope="session")
def media_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A media store of clips: clean, with planted faults, and coloured lessons for day renders."""
    root = tmp_path_factory.mktemp("media_store")
    tiny_clip(root / "clean_720p_4s.mp4", seconds=4, size="1280x720", gain_db=TO_MINUS_24)
    tiny_clip(root / "loud_minus10_2s.mp4", seconds=2, size="320x180", gain_db=11.8)
    tiny_clip(root / "silent_3s.mp4", seconds=3, size="320x180", tone_hz=None)
    black = ClipSpec(seconds=3, video_source="color=c=black")
    write_sequence(root / "black_gap_3s.mp4", [PICTURE, black, PICTURE])
    quiet = ClipSpec(seconds=3, tone_hz=None)
    write_sequence(root / "silence_3s.mp4", [PICTURE, quiet, PICTURE])
    for colour, tone in (("red", 440), ("blue", 660), ("green", 880)):
        tiny_clip(root / f"{colour}_3s.mp4", seconds=3, size="320x180", video_source=f"color=c={colour}", tone_hz=tone)
    return root

"""A/V sync at every join of a channel day: each programme's (and each loop pass's) flash frame and tone burst
start together, within one MP2 audio frame (24 ms), at the offset the plan gives it.

Found by ffmpeg's own detectors on the day file (blackdetect on the negated picture for the white flash,
silencedetect for the burst's onset), not by reading our parts. The day is a short assembled channel day
(lessons from their cable renditions, tail slate, a break, standby and programme filler, every clip of an
odd length and looped) rendered as the playout service renders it, so the test holds however the render
builds its parts (re-encoded, or copied from prepared pieces).

Why a six-minute day proves a 24-hour one (a true day is hours of render on a 2-core machine): every part of
the day's audio is exactly its frames x 1,920 samples (48 kHz at 25 fps) and the parts are joined sample for
sample, so a join's sound starts at start_frame x 1,920 samples whatever came before it, and its picture at
start_frame: an error made inside one part ends with that part and cannot accumulate with the hours. What
could differ is each kind of part, so every kind is here, many times: each join and each loop pass is
checked (a drift of even 1 ms a pass would show as 24 ms over the slate's passes).
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from media.analysis import ANALYSIS_LOGLEVEL, parse_measurements
from media.dayrender import DayRender, render_day
from media.live_segments import pass_frames
from media.probe import probe_upload
from media.renditions import RenditionSet, make_renditions
from media.runner import FfmpegTool, ffmpeg_argv, store_input
from scheduler.domain.assembly import assemble_day
from scheduler.domain.channels import Channel, SlotKind, SlotSpec
from scheduler.domain.frames import FPS
from scheduler.domain.plan import ChannelDayPlan, Clip, LessonRecording, PlannedLesson
from scheduler.domain.review_terms import ReviewState
from scheduler.services.playout import render_items
from tests.media.conftest import SMALL_CABLE
from tests.support.clips import FILLER_TITLES, marked_clip

pytestmark = pytest.mark.ffmpeg
MP2_FRAME = 1152 / 48000  # 24 ms: one audio frame of the cable profile
DAY = date(2020, 2, 10)
# Odd lengths: none a whole number of frames, so each pass's audio ends off its picture's last frame.
CLIP_SECONDS = {"slate": 1.37, "eye-exercise": 2.73, "standby": 3.11, "programme-filler": 7.37}
LESSON_SECONDS = {"math": 3.0, "chinese": 2.53}


BLOCKS = 3  # two-minute blocks of slots: a six-minute day, over 100 joins
# Each block: lessons with tail slate, a break, a lesson due without a recording (standby), a filler slot, and
# programme filler in the gaps (seconds from the block's start, slot length in seconds).
BLOCK = (
    (3, 12, SlotKind.LESSON, {"subject": "math"}),
    (15, 10, SlotKind.BREAK, {"title": "课间休息·眼保健操"}),
    (25, 12, SlotKind.LESSON, {"subject": "chinese"}),
    (37, 10, SlotKind.LESSON, {"subject": "english"}),
    (47, 20, SlotKind.FILLER, {}),
    (67, 12, SlotKind.LESSON, {"subject": "math"}),
)  # 79-120 s: programme filler


def _slots() -> tuple[SlotSpec, ...]:
    """BLOCKS blocks of slots from 06:00."""

    def at(seconds: int) -> time:
        return time(6, seconds // 60, seconds % 60)

    return tuple(
        SlotSpec(at(120 * block + start), length * FPS, kind, **extra)  # type: ignore[arg-type]
        for block in range(BLOCKS)
        for start, length, kind, extra in BLOCK
    )


@pytest.fixture(scope="module")
def marked_day(media_store: Path) -> tuple[ChannelDayPlan, DayRender]:
    """A channel day of BLOCKS x 2 minutes of marked clips, assembled and rendered as the playout service does."""
    (media_store / "marked").mkdir(exist_ok=True)
    clips: dict[str, Clip] = {}
    for clip_id, seconds in CLIP_SECONDS.items():
        media = f"marked/{clip_id}.mp4"
        marked_clip(media_store / media, seconds)
        frames = pass_frames(probe_upload(Path(media), media_store))
        clips[clip_id] = Clip(clip_id, frames, FILLER_TITLES[clip_id], media)
    cable_only = RenditionSet(cable=SMALL_CABLE, hls=None, mp4=None, poster=None)
    lessons, cable = [], {}
    for number, (subject, seconds) in enumerate(LESSON_SECONDS.items(), start=1):
        media = f"marked/lesson_{subject}.mp4"
        marked_clip(media_store / media, seconds)
        made = make_renditions(
            Path(media), media_store, Path(f"marked/cable_{subject}"), renditions=cable_only, qc=False
        )
        frames = pass_frames(probe_upload(Path(media), media_store))
        takes = [
            LessonRecording(100 * number + k, ReviewState.APPROVED, frames, "张老师", "实验小学", "南湖区", media)
            for k in range(1, 2 * BLOCKS + 1)
        ]  # a lesson for each slot of the subject: each its own recording, all of one rendition
        lessons += [
            PlannedLesson(100 * number + k, 3, subject, subject, k, f"第{k}课", (take,))
            for k, take in enumerate(takes, start=1)
        ]
        cable.update({take.id: str(made.target_dir.relative_to(media_store) / "cable.ts") for take in takes})
    lessons.append(PlannedLesson(999, 3, "english", "英语", 1, "第1课"))  # nothing recorded: standby
    channel = Channel("marked.test.airclass", "空中课堂·对齐测试", (3,), day_minutes=2 * BLOCKS)
    plan = assemble_day(channel, DAY, _slots(), lessons, clips)
    day = render_day(
        render_items(plan.events, cable), plan.frames, media_store / "marked/day.ts", media_store, profile=SMALL_CABLE
    )
    return plan, day


def flashes_and_bursts(day: DayRender, store_root: Path) -> tuple[list[float], list[float]]:
    """When each white flash and each tone burst starts (s from the file's start), by ffmpeg's detectors.

    A burst's onset is the end of the silence before it; 5 ms of silence count, so the MP2 decoder's own
    delay (481 samples) before the day's first burst is seen too.
    """
    source = store_input(day.path, store_root, "mpegts")
    flashes = source["v:0"].filter("negate").filter("blackdetect", d=0.02, pix_th=0.2, pic_th=0.9)
    bursts = source["a:0"].filter("silencedetect", n="-40dB", d=0.005)
    argv = ffmpeg_argv([flashes.output("-", f="null"), bursts.output("-", f="null")], loglevel=ANALYSIS_LOGLEVEL)
    seen = parse_measurements(FfmpegTool().run(argv).stderr)
    assert seen.black is not None and seen.silence is not None
    onsets = [r.end for r in seen.silence if r.end < day.frames / FPS - 0.1]  # not the silence ending the file
    if not seen.silence or seen.silence[0].start > 0:
        onsets.insert(0, 0.0)  # the file opens on a burst
    return [r.start for r in seen.black], onsets


def test_every_join_and_pass_starts_picture_and_sound_together_at_its_planned_offset(
    media_store: Path, marked_day: tuple[ChannelDayPlan, DayRender]
) -> None:
    """Every event of the plan (lesson, tail slate, break, standby, filler; each pass of a loop) opens with its
    flash at its planned frame and its burst within one MP2 frame of the flash; and all joins alike (within
    2 ms), so a head-end can trust one sync setting for the whole day, copied lessons and re-encoded clips."""
    plan, day = marked_day
    assert len(plan.events) > 30 * BLOCKS and {e.kind for e in plan.events} >= {
        "lesson",
        "tail_filler",
        "break",
        "standby",
        "filler",
    }
    flashes, bursts = flashes_and_bursts(day, media_store)
    assert [round((f - flashes[0]) * FPS) for f in flashes] == [event.start for event in plan.events]
    assert len(bursts) == len(flashes), (bursts, flashes)
    gaps = [
        (event.start, event.kind.value, round((burst - flash) * 1000, 1))
        for event, flash, burst in zip(plan.events, flashes, bursts, strict=True)
    ]
    late = [gap for gap in gaps if abs(gap[2]) > MP2_FRAME * 1000]
    assert late == [], f"sound more than one MP2 frame off its flash (frame, kind, ms): {late}"
    spread = max(g[2] for g in gaps) - min(g[2] for g in gaps)
    assert spread <= 2.0, f"joins not alike (frame, kind, ms sound after flash): {gaps}"

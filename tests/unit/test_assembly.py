"""Unit tests of channel-day assembly: exact tiling, filling rules, replays, readiness and day diffs.

The sample channel, clips, plan and day at the top are shared with the export tests.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain.assembly import assemble_day, readiness
from scheduler.domain.catalogue import GRADE_NAMES
from scheduler.domain.changes import Change, diff_days
from scheduler.domain.channels import (
    Channel,
    Distributor,
    InvalidTemplate,
    ReplayRef,
    SlotKind,
    SlotSpec,
    WeeklyTemplate,
)
from scheduler.domain.frames import FPS
from scheduler.domain.plan import (
    Airing,
    ChannelDayPlan,
    Clip,
    EventKind,
    InvalidPlan,
    LessonRecording,
    MissingClip,
    PlannedLesson,
    SlotStatus,
)
from scheduler.domain.review_terms import ReviewState
from tests.support.clips import filler_clips

S = ReviewState
M = 60 * FPS  # frames in a minute
DAY = date(2020, 2, 10)  # a Monday
SUBJECTS = {"math": "数学", "chinese": "语文", "english": "英语"}
CLIPS = filler_clips()


def grade_channel(grade: int = 3, tz: str = "Asia/Shanghai") -> Channel:
    """嘉兴空中课堂 for one grade, on 华数 cable and 电信IPTV."""
    numbers = (Distributor("华数", f"80{grade}"), Distributor("电信IPTV", f"50{grade}"))
    return Channel(f"grade{grade}.jiaxing.airclass", f"嘉兴空中课堂·{GRADE_NAMES[grade]}", (grade,), numbers, tz=tz)


def school_day(lesson_minutes: int = 20) -> tuple[SlotSpec, ...]:
    """Three lessons from 08:50 with 10-minute breaks, a filler, and two replays in the afternoon."""
    at = datetime.combine(DAY, time(8, 50))
    slots = []
    for kind, minutes, extra in [
        (SlotKind.LESSON, lesson_minutes, {"subject": "math"}),
        (SlotKind.BREAK, 10, {"title": "课间休息·眼保健操"}),
        (SlotKind.LESSON, lesson_minutes, {"subject": "chinese"}),
        (SlotKind.BREAK, 10, {}),
        (SlotKind.LESSON, lesson_minutes, {"subject": "english"}),
        (SlotKind.FILLER, 20, {}),
    ]:
        slots.append(SlotSpec(at.time(), minutes * M, kind, **extra))  # type: ignore[arg-type]
        at += timedelta(minutes=minutes)
    slots.append(SlotSpec(time(14, 0), lesson_minutes * M, SlotKind.REPLAY, replay_of=ReplayRef(1)))
    slots.append(SlotSpec(time(14, 45), lesson_minutes * M, SlotKind.REPLAY, replay_of=ReplayRef(3, days_back=1)))
    return tuple(slots)


def recording(rec_id: int, frames: int, state: ReviewState = S.APPROVED, revision: int = 1) -> LessonRecording:
    """A recording by 张老师 of 嘉善县实验小学."""
    return LessonRecording(rec_id, state, frames, "张老师", "嘉善县实验小学", "嘉善县", f"rec/{rec_id}.mp4", revision)


def lesson(lesson_id: int, subject: str, sequence: int, *recordings: LessonRecording, grade: int = 3) -> PlannedLesson:
    """A planned lesson titled after its subject and sequence."""
    title = f"{SUBJECTS[subject]}课{sequence}"
    return PlannedLesson(lesson_id, grade, subject, SUBJECTS[subject], sequence, title, tuple(recordings))


def sample_plan(slot_frames: int = 20 * M, grade: int = 3) -> list[PlannedLesson]:
    """Math 1-2 approved, Chinese 1 approved, English 1 still in final review."""
    fits = slot_frames - 3 * M - 7  # leaves a tail that is not a whole number of slate passes
    return [
        lesson(1, "math", 1, recording(11, fits), grade=grade),
        lesson(2, "math", 2, recording(12, fits), grade=grade),
        lesson(3, "chinese", 1, recording(13, fits - M), grade=grade),
        lesson(4, "english", 1, recording(14, fits, S.FINAL_REVIEW), grade=grade),
    ]


def sample_day(grade: int = 3, lesson_minutes: int = 20, day: date = DAY, tz: str = "Asia/Shanghai") -> ChannelDayPlan:
    """An assembled school day with lessons, breaks, filler, standby and replays."""
    plan = sample_plan(lesson_minutes * M, grade)
    return assemble_day(grade_channel(grade, tz), day, school_day(lesson_minutes), plan, CLIPS)


def assert_tiles(day: ChannelDayPlan, channel: Channel) -> None:
    """Events cover the broadcast day end to end, no gap, no overlap, each playing [in, out)."""
    assert day.frames == channel.day_frames(day.day)
    assert sum(e.length for e in day.events) == day.frames
    assert [e.start for e in day.events] == [0, *(e.end for e in day.events[:-1])]
    assert all(e.length > 0 and e.out_point - e.in_point == e.length and e.in_point >= 0 for e in day.events)


@pytest.mark.parametrize(("grade", "lesson_minutes"), [(1, 15), (2, 15), (3, 20), (6, 20), (7, 30), (8, 30)])
def test_a_day_is_tiled_exactly_for_every_lesson_length(grade: int, lesson_minutes: int) -> None:
    day = sample_day(grade, lesson_minutes)
    assert day.frames == 2_160_000
    assert_tiles(day, grade_channel(grade))
    lessons = [e for e in day.events if e.kind is EventKind.LESSON]
    assert [e.length for e in lessons] == [lesson_minutes * M - 3 * M - 7, (lesson_minutes - 4) * M - 7]


@pytest.mark.parametrize(("day", "hours"), [(date(2020, 3, 28), 23), (date(2020, 10, 24), 25), (date(2020, 6, 1), 24)])
def test_the_day_length_comes_from_the_zone(day: date, hours: int) -> None:
    plan = sample_day(day=day, tz="Europe/Berlin")
    assert plan.frames == hours * 3600 * FPS
    assert_tiles(plan, grade_channel(3, "Europe/Berlin"))


def test_a_filled_slot_is_the_recording_then_tail_filler_to_the_slot_end() -> None:
    day = sample_day()
    slot1 = [e for e in day.events if e.slot == 1]
    assert slot1[0].kind is EventKind.LESSON and slot1[0].source == "recording:11"
    assert slot1[0].title == "三年级 数学 第1课《数学课1》"
    assert {e.kind for e in slot1[1:]} == {EventKind.TAIL_FILLER}
    assert [e.length for e in slot1[1:]] == [30 * FPS] * 6 + [7]  # six slate passes, the last one trimmed
    assert slot1[-1].end == day.slots[0].start + 20 * M


def test_breaks_fillers_and_gaps_play_their_clips() -> None:
    day = sample_day()
    kinds = {e.slot: e.kind for e in day.events}
    assert (kinds[2], kinds[4], kinds[6], kinds[None]) == (
        EventKind.BREAK,
        EventKind.BREAK,
        EventKind.FILLER,
        EventKind.FILLER,
    )
    assert next(e for e in day.events if e.slot == 2).title == "课间休息·眼保健操"
    assert next(e for e in day.events if e.slot == 4).title == "眼保健操"
    assert day.events[0].slot is None and day.events[0].source == "clip:programme-filler"


def test_reports_name_every_slot_outcome() -> None:
    day = sample_day()
    statuses = {r.slot: r.status for r in day.slots}
    assert statuses == {
        1: "filled",
        2: "filled",
        3: "filled",
        4: "filled",
        5: "at_risk",
        6: "filled",
        7: "filled",
        8: "unfilled",
    }
    assert [r.slot for r in day.problems] == [5, 8]
    assert "英语课1" in day.slots[4].note and "review" in day.slots[4].note
    assert day.cursor == {"math": 1, "chinese": 1}


def test_a_slot_that_cannot_be_filled_gets_the_standby_programme() -> None:
    day = sample_day()
    slot5 = [e for e in day.events if e.slot == 5]
    assert {e.kind for e in slot5} == {EventKind.STANDBY}
    assert sum(e.length for e in slot5) == 20 * M


@pytest.mark.parametrize(
    ("recordings", "status"),
    [
        ((), SlotStatus.UNFILLED),
        ((recording(21, 10 * M, S.CHANGES_REQUESTED),), SlotStatus.UNFILLED),
        ((recording(21, 10 * M, S.REVOKED),), SlotStatus.UNFILLED),
        ((recording(21, 10 * M, S.DRAFT),), SlotStatus.AT_RISK),
        ((recording(21, 10 * M, S.COUNTY_REVIEW),), SlotStatus.AT_RISK),
        ((recording(21, 20 * M + 1),), SlotStatus.OVERLONG),
        ((recording(21, 20 * M),), SlotStatus.FILLED),
        ((recording(21, 10 * M, S.REVOKED, 1), recording(22, 10 * M, S.APPROVED, 2)), SlotStatus.FILLED),
    ],
)
def test_lesson_slot_status(recordings: tuple[LessonRecording, ...], status: SlotStatus) -> None:
    slots = (SlotSpec(time(9), 20 * M, SlotKind.LESSON, "math"),)
    day = assemble_day(grade_channel(), DAY, slots, [lesson(1, "math", 1, *recordings)], CLIPS)
    assert day.slots[0].status is status
    on_air = [e for e in day.events if e.slot == 1]
    assert (on_air[0].kind is EventKind.LESSON) == (status is SlotStatus.FILLED)


def test_an_overlong_recording_is_never_cut_and_is_reported() -> None:
    slots = (SlotSpec(time(9), 20 * M, SlotKind.LESSON, "math"),)
    day = assemble_day(grade_channel(), DAY, slots, [lesson(1, "math", 1, recording(21, 21 * M))], CLIPS)
    assert day.slots[0].status is SlotStatus.OVERLONG and day.slots[0].recording_id == 21
    assert "00:21:00:00" in day.slots[0].note
    assert all(e.source != "recording:21" for e in day.events)


def test_lessons_are_never_skipped_and_the_cursor_carries_over() -> None:
    slots = tuple(SlotSpec(time(9 + n), 20 * M, SlotKind.LESSON, "math") for n in range(3))
    plan = [
        lesson(1, "math", 1, recording(11, M)),
        lesson(2, "math", 2, recording(12, M, S.CITY_REVIEW)),
        lesson(3, "math", 3, recording(13, M)),
    ]
    day = assemble_day(grade_channel(), DAY, slots, plan, CLIPS)
    assert [r.status for r in day.slots] == ["filled", "at_risk", "at_risk"]
    assert [r.lesson_id for r in day.slots] == [1, 2, 2]
    assert day.cursor == {"math": 1}
    later = assemble_day(grade_channel(), DAY, slots, plan, CLIPS, cursor={"math": 2})
    assert [r.lesson_id for r in later.slots] == [3, None, None] and later.cursor == {"math": 3}
    assert later.slots[1].note == "no 数学 lesson left in the plan"  # the subject's name, as operators know it


def test_replays_repeat_today_and_yesterday() -> None:
    channel, slots = grade_channel(), school_day()
    monday = assemble_day(channel, DAY, slots, sample_plan(), CLIPS)
    tuesday = assemble_day(
        channel,
        DAY + timedelta(days=1),
        slots,
        sample_plan(),
        CLIPS,
        cursor=monday.cursor,
        earlier={DAY: monday.airings},
    )
    replays = [e for e in tuesday.events if e.kind is EventKind.REPLAY]
    assert [(e.slot, e.source) for e in replays] == [(7, "recording:12"), (8, "recording:13")]
    assert replays[0].title == "三年级 数学 第2课《数学课2》（重播）"


def test_a_revoked_recording_is_not_replayed() -> None:
    monday = sample_day()
    revoked = {
        slot: Airing(a.lesson, replace(a.recording, state=S.REVOKED)) if a.recording else a
        for slot, a in monday.airings.items()
    }
    tuesday = assemble_day(
        grade_channel(),
        DAY + timedelta(days=1),
        school_day(),
        sample_plan(),
        CLIPS,
        cursor=monday.cursor,
        earlier={DAY: revoked},
    )
    assert tuesday.slots[7].status is SlotStatus.UNFILLED and "revoked" in tuesday.slots[7].note
    assert {e.kind for e in tuesday.events if e.slot == 8} == {EventKind.STANDBY}


def test_a_replay_of_a_slot_that_did_not_air_reports_why() -> None:
    slots = (
        SlotSpec(time(9), 20 * M, SlotKind.LESSON, "english"),
        SlotSpec(time(14), 20 * M, SlotKind.REPLAY, replay_of=ReplayRef(1)),
    )
    day = assemble_day(grade_channel(), DAY, slots, sample_plan(), CLIPS)
    assert day.slots[1].status is SlotStatus.AT_RISK and "did not air" in day.slots[1].note


def test_a_holiday_is_programme_filler_end_to_end() -> None:
    day = assemble_day(grade_channel(), DAY, (), sample_plan(), CLIPS)
    assert {e.kind for e in day.events} == {EventKind.FILLER} and len(day.events) == 24
    assert_tiles(day, grade_channel())


def test_missing_clips_and_broken_plans_are_refused() -> None:
    with pytest.raises(MissingClip, match="slate"):
        assemble_day(
            grade_channel(), DAY, school_day(), sample_plan(), {k: v for k, v in CLIPS.items() if k != "slate"}
        )
    twice = [*sample_plan(), lesson(9, "math", 1)]
    with pytest.raises(InvalidPlan, match="math lesson 1 is planned twice"):
        assemble_day(grade_channel(), DAY, school_day(), twice, CLIPS)
    with pytest.raises(InvalidTemplate, match="ends after the broadcast day"):
        assemble_day(grade_channel(), DAY, (SlotSpec(time(5, 50), 20 * M, SlotKind.FILLER),), [], CLIPS)


def test_assembly_is_deterministic() -> None:
    assert sample_day() == sample_day()
    assert assemble_day(grade_channel(), DAY, school_day(), sample_plan()[::-1], CLIPS) == sample_day()


def test_readiness_projects_each_lesson_in_turn() -> None:
    template = WeeklyTemplate.from_weekdays({d: school_day() for d in range(5)})
    reports = readiness(grade_channel(), template, DAY, 2, sample_plan())
    rows = [(r.day.day, r.slot, r.status.value, r.lesson_id) for r in reports]
    assert rows == [
        (10, 1, "filled", 1),
        (10, 3, "filled", 3),
        (10, 5, "at_risk", 4),
        (10, 7, "filled", 1),
        (10, 8, "unfilled", None),
        (11, 1, "filled", 2),
        (11, 3, "unfilled", None),
        (11, 5, "unfilled", None),
        (11, 7, "filled", 2),
        (11, 8, "filled", 3),
    ]


def test_diff_days_names_the_slots_that_changed() -> None:
    before = sample_day()
    assert diff_days(before, sample_day()) == ()
    plan = sample_plan()
    plan[0] = replace(plan[0], recordings=(replace(plan[0].recordings[0], state=S.REVOKED),))
    after = assemble_day(grade_channel(), DAY, school_day(), plan, CLIPS)
    changes = diff_days(before, after)
    assert [(c.slot, c.change) for c in changes] == [(1, Change.CHANGED), (7, Change.CHANGED)]
    assert str(changes[0]) == "slot 1 changed: 三年级 数学 第1课《数学课1》 → 节目预告"


def test_diff_days_sees_added_and_removed_slots() -> None:
    fewer = assemble_day(grade_channel(), DAY, school_day()[:6], sample_plan(), CLIPS)
    changes = diff_days(sample_day(), fewer)
    assert [(c.slot, c.change) for c in changes] == [(None, Change.CHANGED), (7, Change.REMOVED), (8, Change.REMOVED)]
    assert [(c.slot, c.change) for c in diff_days(fewer, sample_day())][1:] == [(7, Change.ADDED), (8, Change.ADDED)]
    with pytest.raises(ValueError, match="cannot compare"):
        diff_days(sample_day(), sample_day(day=DAY + timedelta(days=1)))


# Property: for random templates, recordings, review states and clips, the events tile the day and
# only approved recordings, uncut, ever air.

_TWENTY_HOURS = 20 * 3600 * FPS  # leaves room for a 23-hour DST day after the last slot
states = st.sampled_from([S.APPROVED] * 6 + list(ReviewState))  # every state, approved often enough


@st.composite
def templates(draw: st.DrawFn) -> tuple[SlotSpec, ...]:
    """Random slots of every kind, with random gaps, inside the first 20 hours of the day."""
    slots: list[SlotSpec] = []
    position = 0
    for _number in range(1, draw(st.integers(0, 12)) + 1):
        position += draw(st.sampled_from([0, 0, 1, 7 * FPS, 10 * M, 3 * 3600 * FPS]))
        length = draw(st.one_of(st.integers(1, 45 * M), st.sampled_from([15 * M, 20 * M, 30 * M, 40 * M])))
        if position + length > _TWENTY_HOURS:
            break
        kind = draw(st.sampled_from(SlotKind))
        start = (datetime.combine(DAY, time(6)) + timedelta(milliseconds=40 * position)).time()
        lessons_before = [n for n, s in enumerate(slots, 1) if s.kind is SlotKind.LESSON]
        if kind is SlotKind.REPLAY and lessons_before and draw(st.booleans()):
            ref = ReplayRef(draw(st.sampled_from(lessons_before)))
        else:
            ref = ReplayRef(draw(st.integers(1, 4)), days_back=1)
        subject = draw(st.sampled_from(["math", "chinese"])) if kind is SlotKind.LESSON else None
        slots.append(SlotSpec(start, length, kind, subject, ref if kind is SlotKind.REPLAY else None))
        position += length
    return tuple(slots)


def catalogues() -> st.SearchStrategy[list[PlannedLesson]]:
    """Random lessons for two subjects, each with random revisions in random review states."""
    recordings = st.builds(recording, st.integers(1, 10**6), st.integers(1, 40 * M), states, st.integers(1, 3))

    def planned(subject: str) -> st.SearchStrategy[list[PlannedLesson]]:
        revisions = st.lists(st.lists(recordings, max_size=3), min_size=1, max_size=6)
        return revisions.map(lambda rs: [lesson(100 + n, subject, n, *r) for n, r in enumerate(rs, 1)])

    return st.tuples(planned("math"), planned("chinese")).map(lambda pair: pair[0] + pair[1])


# Clips of odd lengths down to a few seconds (the programme filler at least 10 minutes), so a
# looped clip makes at most a few hundred events a day.
def clips_of(clip_id: str, shortest: int) -> st.SearchStrategy[Clip]:
    """A clip of random length from `shortest` frames to 20 minutes."""
    return st.builds(Clip, st.just(clip_id), st.integers(shortest, 20 * M), st.just(clip_id), st.just(f"{clip_id}.mp4"))


clip_sets = st.fixed_dictionaries(
    {cid: clips_of(cid, 10 * M if cid == "programme-filler" else 7 * FPS) for cid in CLIPS}
)
earlier_days = st.dictionaries(
    st.integers(1, 4),
    st.builds(
        Airing,
        st.just(lesson(99, "math", 9)),
        st.one_of(st.none(), st.builds(recording, st.integers(1, 10**6), st.integers(1, 40 * M), states)),
    ),
)


def _check_day(day: ChannelDayPlan, channel: Channel, plan: Sequence[PlannedLesson], earlier: dict) -> None:
    """Every assembly invariant the properties assert."""
    assert_tiles(day, channel)
    approved = {r.id for lesson_ in plan for r in lesson_.recordings if r.state is S.APPROVED}
    approved |= {a.recording.id for a in earlier.values() if a.recording and a.recording.state is S.APPROVED}
    slot_span = {r.slot: (r.start, r.start + r.frames) for r in day.slots}
    for event in day.events:
        if event.slot is not None:
            assert slot_span[event.slot][0] <= event.start and event.end <= slot_span[event.slot][1]
        if event.source.startswith("recording:"):
            assert event.airing is not None and event.airing.recording is not None
            assert event.airing.recording.state is S.APPROVED and event.airing.recording.id in approved
            assert event.length == event.airing.recording.frames  # never cut
            assert event.kind in (EventKind.LESSON, EventKind.REPLAY)


@settings(max_examples=300, deadline=None)
@given(
    templates(),
    catalogues(),
    clip_sets,
    earlier_days,
    st.sampled_from(
        [
            ("Asia/Shanghai", DAY),
            ("Europe/Berlin", date(2020, 3, 28)),
            ("Europe/Berlin", date(2020, 10, 24)),
            ("America/New_York", date(2020, 3, 7)),
        ]
    ),
)
def test_every_day_is_tiled_and_airs_only_approved_recordings(
    slots: tuple[SlotSpec, ...],
    plan: list[PlannedLesson],
    clips: dict[str, Clip],
    earlier: dict[int, Airing],
    zone_day: tuple[str, date],
) -> None:
    tz, day = zone_day
    channel = grade_channel(3, tz)
    plan_day = assemble_day(channel, day, slots, plan, clips, earlier={day - timedelta(days=1): earlier})
    _check_day(plan_day, channel, plan, earlier)


@settings(max_examples=200, deadline=None)
@given(templates(), catalogues(), st.dictionaries(st.sampled_from(["math", "chinese"]), st.integers(0, 3)))
def test_lessons_air_in_sequence_after_the_cursor(
    slots: tuple[SlotSpec, ...], plan: list[PlannedLesson], cursor: dict[str, int]
) -> None:
    day = assemble_day(grade_channel(), DAY, slots, plan, CLIPS, cursor=cursor)
    for subject in ("math", "chinese"):
        aired = [
            e.airing.lesson.sequence
            for e in day.events
            if e.kind is EventKind.LESSON and e.airing and e.airing.lesson.subject == subject
        ]
        assert aired == list(range(cursor.get(subject, 0) + 1, cursor.get(subject, 0) + 1 + len(aired)))
        assert day.cursor.get(subject, cursor.get(subject)) == (aired[-1] if aired else cursor.get(subject))

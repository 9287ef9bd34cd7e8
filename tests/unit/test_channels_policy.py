"""Unit tests of channels, slot templates and the screen-time policy."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain.assembly import assemble_day
from scheduler.domain.channels import (
    Channel,
    DayOverride,
    Distributor,
    InvalidChannel,
    InvalidTemplate,
    ReplayRef,
    ScheduleError,
    SlotKind,
    SlotSpec,
    WeeklyTemplate,
    apply_rota,
    describe_day,
    place_slots,
    slots_for,
    validate_template,
)
from scheduler.domain.policy import (
    PolicyViolation,
    Rule,
    ScreenTimePolicy,
    check_day,
    check_template,
    day_violations,
    default_policy,
    policy_for,
    template_violations,
)
from tests.unit.test_assembly import CLIPS, DAY, M, catalogues, grade_channel, lesson, recording, school_day

K = SlotKind


def lesson_slot(start: time, minutes: float, subject: str = "math") -> SlotSpec:
    return SlotSpec(start, round(minutes * M), K.LESSON, subject)


def monday(*slots: SlotSpec) -> WeeklyTemplate:
    return WeeklyTemplate.from_weekdays({0: slots})


# Channels


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "grade3"}, "id"),
        ({"id": "grade 3.jiaxing"}, "id"),
        ({"id": "grade_3.jiaxing"}, "id"),
        ({"id": "grade3.jiaxing."}, "id"),
        ({"id": "三年级.jiaxing"}, "id"),
        ({"name": "  "}, "name"),
        ({"grades": ()}, "grades"),
        ({"grades": (13,)}, "grades"),
        ({"distributors": (Distributor("华数", "801"), Distributor("华数", "802"))}, "distributors"),
        ({"distributors": (Distributor("华数", " "),)}, "distributors"),
        ({"tz": "Asia/Jiaxing"}, "tz"),
        ({"tz": "../etc/passwd"}, "tz"),
        ({"fps": 0}, "fps"),
        ({"day_start": time(6, 0, 0, 500)}, "day_start"),
    ],
)
def test_channel_rules(changes: dict, field: str) -> None:
    values = {"id": "grade3.jiaxing.airclass", "name": "嘉兴空中课堂·三年级", "grades": (3,), **changes}
    with pytest.raises(InvalidChannel) as refused:
        Channel(**values)
    assert refused.value.field == field and isinstance(refused.value, ScheduleError)
    assert str(refused.value).startswith(f"Channel {values['id']!r}: {field} ")


def test_a_channel_may_carry_several_grades() -> None:
    channel = Channel("senior.exam.jiaxing.airclass", "嘉兴空中课堂·高考", (11, 12))
    assert channel.tz == "Asia/Shanghai" and channel.day_start == time(6) and channel.fps == 25
    assert policy_for(channel) == default_policy(12)


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("Asia/Shanghai", date(2020, 2, 10), 24),
        ("Europe/Berlin", date(2020, 3, 28), 23),
        ("Europe/Berlin", date(2020, 3, 29), 24),
        ("Europe/Berlin", date(2020, 10, 24), 25),
        ("America/New_York", date(2020, 3, 7), 23),
        ("America/New_York", date(2020, 10, 31), 25),
    ],
)
def test_broadcast_day_length_comes_from_the_zone(tz: str, day: date, hours: int) -> None:
    assert grade_channel(3, tz).day_frames(day) == hours * 3600 * 25


def test_offsets_run_from_the_day_start_into_the_next_morning() -> None:
    channel = grade_channel()
    assert channel.offset(DAY, time(6)) == 0
    assert channel.offset(DAY, time(8, 50)) == 170 * M
    assert channel.offset(DAY, time(1)) == 19 * 60 * M
    assert channel.moment(DAY, 170 * M).isoformat() == "2020-02-10T08:50:00+08:00"
    assert channel.moment(DAY, 19 * 60 * M + 1).isoformat() == "2020-02-11T01:00:00.040000+08:00"


def test_after_a_spring_forward_offsets_follow_real_time() -> None:
    berlin = grade_channel(3, "Europe/Berlin")
    assert berlin.offset(date(2020, 3, 28), time(4)) == 21 * 60 * M  # 22 wall-clock hours, one skipped
    assert berlin.moment(date(2020, 3, 28), 21 * 60 * M).isoformat() == "2020-03-29T04:00:00+02:00"


# Templates


def test_overrides_replace_weekdays_and_the_narrowest_wins() -> None:
    exam = (lesson_slot(time(8), 30),)
    template = WeeklyTemplate.from_weekdays(
        {d: school_day() for d in range(5)},
        [
            DayOverride(date(2020, 4, 4), date(2020, 4, 10), (), "清明节"),
            DayOverride(date(2020, 4, 8), date(2020, 4, 8), exam, "期中测验"),
        ],
    )
    assert slots_for(template, DAY) == school_day() and slots_for(template, date(2020, 2, 15)) == ()
    assert slots_for(template, date(2020, 4, 7)) == () and slots_for(template, date(2020, 4, 8)) == exam
    assert describe_day(template, date(2020, 4, 7)) == "2020-04-07 (2020-04-04..2020-04-10 (清明节))"
    assert describe_day(template, DAY) == "2020-02-10 (Monday)"


def test_a_rota_gives_lesson_slots_their_subjects_in_order() -> None:
    pattern = school_day()
    monday_slots = apply_rota(pattern, ["chinese", "math", "english"])
    assert [s.subject for s in monday_slots if s.kind is K.LESSON] == ["chinese", "math", "english"]
    with pytest.raises(InvalidTemplate, match="names 2 subjects for 3 lesson slots"):
        apply_rota(pattern, ["chinese", "math"])


def test_gaps_between_slots_are_allowed() -> None:
    validate_template(grade_channel(), monday(lesson_slot(time(9), 20), lesson_slot(time(15), 20)))


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        (
            (lesson_slot(time(9), 20), lesson_slot(time(9, 10), 20)),
            "Monday slot 2 (09:10): starts before slot 1 (09:00) ends; list slots in order.",
        ),
        (
            (lesson_slot(time(10), 20), lesson_slot(time(9), 20)),
            "Monday slot 2 (09:00): starts before slot 1 (10:00) ends; list slots in order.",
        ),
        ((lesson_slot(time(5, 50), 20),), "Monday slot 1 (05:50): ends after the broadcast day."),
        ((SlotSpec(time(9), 20 * M, K.LESSON),), "Monday slot 1 (09:00): a lesson slot names its subject"),
        ((SlotSpec(time(9), 0, K.BREAK),), "Monday slot 1 (09:00): lasts 0 frames"),
        ((SlotSpec(time(9), M, K.BREAK, subject="math"),), "a lesson slot names its subject, and only"),
        ((SlotSpec(time(9), M, K.REPLAY),), "a replay slot names the slot it repeats"),
        (
            (lesson_slot(time(9), 20), SlotSpec(time(10), M, K.REPLAY, replay_of=ReplayRef(3))),
            "slot 2 (10:00): replays today's slot 3, which is not an earlier lesson slot",
        ),
        (
            (SlotSpec(time(9), M, K.BREAK), SlotSpec(time(10), M, K.REPLAY, replay_of=ReplayRef(1))),
            "replays today's slot 1, which is not an earlier lesson slot",
        ),
        ((SlotSpec(time(9), M, K.REPLAY, replay_of=ReplayRef(1, days_back=-1)),), "not an earlier slot"),
        ((SlotSpec(time(9), 20 * M, K.LESSON, "math", title="x"),), "take their clip and title from the lesson"),
        ((SlotSpec(time(9, 0, 0, 10_000), M, K.BREAK),), "Monday slot 1 (09:00): starts between two frames at 25 fps."),
    ],
)
def test_templates_that_cannot_make_a_day_are_refused(slots: tuple[SlotSpec, ...], message: str) -> None:
    with pytest.raises(InvalidTemplate) as refused:
        validate_template(grade_channel(), monday(*slots))
    assert message in str(refused.value)


def test_a_template_needs_seven_weekdays_and_overrides_in_order() -> None:
    with pytest.raises(InvalidTemplate, match="needs 7 weekdays"):
        WeeklyTemplate(((),) * 6)
    with pytest.raises(InvalidTemplate, match="ends before it starts"):
        WeeklyTemplate(((),) * 7, (DayOverride(date(2020, 4, 5), date(2020, 4, 4)),))


def test_night_slots_that_fit_24_hours_may_overlap_on_a_23_hour_day() -> None:
    slots = (SlotSpec(time(1, 30), 60 * M, K.FILLER), SlotSpec(time(3), 20 * M, K.FILLER))
    berlin = grade_channel(3, "Europe/Berlin")
    assert [p.start for p in place_slots(berlin, slots)] == [1170 * M, 1260 * M]
    assert [p.start for p in place_slots(berlin, slots, date(2020, 10, 24))] == [1170 * M, 1320 * M]
    with pytest.raises(InvalidTemplate, match=r"2020-03-28 slot 2 \(03:00\): starts before slot 1 \(01:30\) ends"):
        place_slots(berlin, slots, date(2020, 3, 28))


# Screen-time policy


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        (1, ScreenTimePolicy(5, 120, 15, 10, time(17))),
        (2, ScreenTimePolicy(5, 120, 15, 10, time(17))),
        (3, ScreenTimePolicy(5, 120, 20, 10, time(17))),
        (6, ScreenTimePolicy(5, 120, 20, 10, time(17))),
        (7, ScreenTimePolicy(6, 180, 30, 10, time(18))),
        (9, ScreenTimePolicy(6, 180, 30, 10, time(18))),
        (10, ScreenTimePolicy(8, 240, 30, 10, time(18))),
        (12, ScreenTimePolicy(8, 240, 30, 10, time(18))),
    ],
)
def test_default_policy_per_grade_band(grade: int, expected: ScreenTimePolicy) -> None:
    assert default_policy(grade) == expected


def test_a_channel_for_several_grades_gets_the_strictest_policy() -> None:
    channel = Channel("primary.jiaxing.airclass", "嘉兴空中课堂·小学", (2, 7))
    assert policy_for(channel) == ScreenTimePolicy(5, 120, 15, 10, time(17))


def test_the_sample_week_meets_each_grades_policy() -> None:
    for grade, minutes in [(1, 15), (3, 20), (7, 30)]:
        check_template(default_policy(grade), grade_channel(grade), monday(*school_day(minutes)))


LOOSE_DAY = ScreenTimePolicy(5, 60, 20, 10, time(17))


@pytest.mark.parametrize(
    ("policy", "slots", "message"),
    [
        (
            default_policy(3),
            (lesson_slot(time(9), 20), lesson_slot(time(9, 25), 20)),
            "rule min_break: Monday slot 2 (09:25) starts 5 min after slot 1 ends; at least 10 min required",
        ),
        (
            default_policy(3),
            (lesson_slot(time(9), 20), SlotSpec(time(9, 20), 5 * M, K.BREAK), lesson_slot(time(9, 25), 20)),
            "rule min_break: Monday slot 3 (09:25) starts 5 min after slot 1 ends; at least 10 min required",
        ),
        (
            default_policy(3),
            (lesson_slot(time(9), 20), SlotSpec(time(9, 29, 30), 20 * M, K.REPLAY, replay_of=ReplayRef(1))),
            "rule min_break: Monday slot 2 (09:29:30) starts 9 min 30 s after slot 1 ends",
        ),
        (
            default_policy(3),
            (lesson_slot(time(9), 25),),
            "rule max_single_lesson: Monday slot 1 (09:00) lasts 25 min; at most 20 min at a time",
        ),
        (
            default_policy(1),
            (lesson_slot(time(9), 15 + 1 / 1500),),
            "rule max_single_lesson: Monday slot 1 (09:00) lasts 15 min 1 frames; at most 15 min at a time",
        ),
        (
            default_policy(3),
            (lesson_slot(time(16, 50), 20),),
            "rule latest_end: Monday slot 1 (16:50) ends 10 min after 17:00, the latest end",
        ),
        (
            default_policy(3),
            tuple(lesson_slot(time(8 + n // 2, 30 * (n % 2)), 15) for n in range(6)),
            "rule max_lessons: Monday slot 6 (10:30) is lesson 6 of the day; at most 5",
        ),
        (
            LOOSE_DAY,
            tuple(lesson_slot(time(8 + n), 20) for n in range(4)),
            "rule max_lesson_minutes: Monday slot 4 (11:00) brings the day's lessons to 80 min; at most 60 min a day",
        ),
    ],
)
def test_policy_violations_name_the_rule_and_the_slot(
    policy: ScreenTimePolicy, slots: tuple[SlotSpec, ...], message: str
) -> None:
    with pytest.raises(PolicyViolation) as refused:
        check_template(policy, grade_channel(), monday(*slots))
    assert str(refused.value).startswith(message)
    assert isinstance(refused.value, ScheduleError)


def test_replays_do_not_count_towards_the_days_totals() -> None:
    lessons = [
        lesson_slot(time(8, 0), 20),
        lesson_slot(time(8, 30), 20),
        lesson_slot(time(9), 20),
        lesson_slot(time(9, 30), 20),
        lesson_slot(time(10), 20),
    ]
    replays = [SlotSpec(time(14, 30 * n), 20 * M, K.REPLAY, replay_of=ReplayRef(n + 1)) for n in range(2)]
    assert template_violations(default_policy(3), grade_channel(), monday(*lessons, *replays)) == ()


def test_every_violation_is_listed() -> None:
    template = WeeklyTemplate.from_weekdays(
        {0: (lesson_slot(time(9), 25),), 2: (lesson_slot(time(16, 50), 20),)},
        [DayOverride(date(2020, 6, 1), date(2020, 6, 1), (lesson_slot(time(9), 30),), "考试")],
    )
    found = template_violations(default_policy(3), grade_channel(), template)
    assert [(v.rule, v.where, v.slot) for v in found] == [
        (Rule.MAX_SINGLE_LESSON, "Monday", 1),
        (Rule.LATEST_END, "Wednesday", 1),
        (Rule.MAX_SINGLE_LESSON, "2020-06-01 (考试)", 1),
    ]
    with pytest.raises(PolicyViolation, match=r"\(and 2 more\)$"):
        check_template(default_policy(3), grade_channel(), template)


def test_the_day_check_measures_what_airs() -> None:
    wide = (lesson_slot(time(9), 25),)
    policy, channel = default_policy(3), grade_channel()
    assert template_violations(policy, channel, monday(*wide))
    short = assemble_day(channel, DAY, wide, [lesson(1, "math", 1, recording(11, 19 * M))], CLIPS)
    check_day(policy, channel, short)
    long = assemble_day(channel, DAY, wide, [lesson(1, "math", 1, recording(11, 21 * M))], CLIPS)
    assert [str(v) for v in day_violations(policy, channel, long)] == [
        "rule max_single_lesson: 2020-02-10 (Monday) slot 1 (09:00) lasts 21 min; at most 20 min at a time"
    ]
    with pytest.raises(PolicyViolation):
        check_day(policy, channel, long)


def test_standby_is_not_screen_time() -> None:
    channel = grade_channel()
    slots = tuple(lesson_slot(time(8 + n), 20) for n in range(7))  # 7 lessons, none recorded
    day = assemble_day(channel, DAY, slots, [], CLIPS)
    check_day(default_policy(3), channel, day)


@st.composite
def compliant_templates(draw: st.DrawFn) -> tuple[SlotSpec, ...]:
    """Lessons and replays that meet the grade-3 policy by construction, breaks between them."""
    slots: list[SlotSpec] = []
    at, lessons = datetime.combine(DAY, time(8)), 0
    for _ in range(draw(st.integers(0, 9))):
        length = timedelta(seconds=draw(st.integers(1, 20 * 60)))
        if (at + length).time() > time(17):
            break
        if lessons < 5 and draw(st.booleans()):
            slots.append(SlotSpec(at.time(), length.seconds * 25, K.LESSON, draw(st.sampled_from(["math", "chinese"]))))
            lessons += 1
        else:
            slots.append(SlotSpec(at.time(), length.seconds * 25, K.REPLAY, replay_of=ReplayRef(1, days_back=1)))
        at += length
        rest = timedelta(minutes=draw(st.integers(10, 60)))
        slots.append(SlotSpec(at.time(), int(rest.total_seconds()) * 25, K.BREAK))
        at += rest
    return tuple(slots)


@settings(max_examples=150, deadline=None)
@given(compliant_templates(), catalogues())
def test_a_day_assembled_from_a_compliant_template_is_compliant(slots: tuple[SlotSpec, ...], plan: list) -> None:
    channel, policy = grade_channel(), default_policy(3)
    assert template_violations(policy, channel, monday(*slots)) == ()
    check_day(policy, channel, assemble_day(channel, DAY, slots, plan, CLIPS))


def test_a_test_channel_has_a_short_broadcast_day_that_assembly_tiles_exactly():
    from scheduler.domain.channels import Channel, InvalidChannel

    short = Channel("test.jiaxing.airclass", "空中课堂·测试频道", (3,), day_minutes=5)
    assert short.day_frames(DAY) == 5 * M and short.nominal_day_frames == 5 * M
    slots = (SlotSpec(time(6, 0, 10), M, SlotKind.LESSON, subject="math"),
             SlotSpec(time(6, 1, 10), M // 2, SlotKind.BREAK))
    plan = assemble_day(short, DAY, slots, [lesson(1, "math", 1, recording(11, 40 * 25))], CLIPS)
    assert sum(e.length for e in plan.events) == plan.frames == 5 * M
    with pytest.raises(InvalidTemplate):
        assemble_day(short, DAY, (SlotSpec(time(6, 4, 30), M, SlotKind.LESSON, subject="math"),), [], CLIPS)
    with pytest.raises(InvalidChannel, match="day_minutes"):
        Channel("bad.jiaxing.airclass", "x", (3,), day_minutes=0)

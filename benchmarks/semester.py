"""A semester on the pure core: 8 grade channels x 100 days assembled, validated and exported.

    python benchmarks/semester.py [--days 100] [--repeat 3]

Prints seconds per phase (templates, assembly + screen-time validation, XMLTV, iCal feeds), the
peak memory of the whole run (tracemalloc, a second pass), and the ratio of our iCal export to the
icalendar library building and serialising the same events alone (goal: <= 1.5): the two run in
turn `--repeat` times and the median of the per-run ratios is printed. Nothing touches a database,
Flask or ffmpeg: scheduler/channels.py, policy.py, assembly.py and exports/ only.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from icalendar import Calendar, Event

from scheduler.domain.assembly import assemble_day
from scheduler.domain.catalogue import GRADE_NAMES
from scheduler.domain.channels import (
    Channel,
    Distributor,
    ReplayRef,
    SlotKind,
    SlotSpec,
    WeeklyTemplate,
    slots_for,
    validate_template,
)
from scheduler.domain.frames import FPS
from scheduler.domain.plan import ChannelDayPlan, LessonRecording, PlannedLesson
from scheduler.domain.policy import check_day, check_template, policy_for
from scheduler.domain.review_terms import ReviewState
from scheduler.exports.ical import Feed, FeedEvent, feed_events, to_ical
from scheduler.exports.xmltv import to_xmltv
from tests.support.clips import filler_clips

M = 60 * FPS
FIRST_DAY = date(2020, 3, 2)  # a Monday: Shanghai's air classroom started on 2 March 2020
STAMP = datetime(2020, 3, 1, 12, 0, tzinfo=UTC)
BASE_URL = "https://kt.jiaxing.example"
SUBJECTS = {"math": "数学", "chinese": "语文", "english": "英语", "science": "科学"}
CLIPS = filler_clips()


def lesson_minutes(grade: int) -> int:
    """Lesson length by grade band (primary 15/20 minutes, junior high 30)."""
    return 15 if grade <= 2 else 20 if grade <= 6 else 30


def channel_for(grade: int) -> Channel:
    numbers = (Distributor("华数", f"80{grade}"), Distributor("电信IPTV", f"50{grade}"))
    return Channel(f"grade{grade}.jiaxing.airclass", f"嘉兴空中课堂·{GRADE_NAMES[grade]}", (grade,), numbers)


def weekday_slots(grade: int, weekday: int) -> tuple[SlotSpec, ...]:
    """Three lessons (four in junior high) with 20-minute breaks, a filler, and an afternoon replay."""
    minutes, lessons = lesson_minutes(grade), 3 if grade <= 6 else 4
    rota = list(SUBJECTS)[weekday % 4 :] + list(SUBJECTS)[: weekday % 4]
    at = datetime.combine(FIRST_DAY, clock(8, 50) if grade <= 6 else clock(8, 20))
    slots = []
    for number in range(lessons):
        slots.append(SlotSpec(at.time(), minutes * M, SlotKind.LESSON, subject=rota[number]))
        at += timedelta(minutes=minutes)
        slots.append(SlotSpec(at.time(), 20 * M, SlotKind.BREAK, title="课间休息·眼保健操"))
        at += timedelta(minutes=20)
    slots.append(SlotSpec(at.time(), 30 * M, SlotKind.FILLER))
    slots.append(SlotSpec(clock(14, 0), minutes * M, SlotKind.REPLAY, replay_of=ReplayRef(1)))
    return tuple(slots)


def catalogue(grade: int, days: int) -> list[PlannedLesson]:
    """Enough approved lessons per subject for the semester (one recording each, 2 minutes short)."""
    fits = lesson_minutes(grade) * M - 2 * M - 7
    plan = []
    for index, (code, name) in enumerate(SUBJECTS.items()):
        for sequence in range(1, days + 1):
            ident = grade * 100_000 + index * 1_000 + sequence
            recording = LessonRecording(ident, ReviewState.APPROVED, fits, "张老师", "嘉善县实验小学", "嘉善县",
                                        f"rec/{ident}.mp4", 1)
            plan.append(PlannedLesson(ident, grade, code, name, sequence, f"{name}课{sequence}", (recording,)))
    return plan


def build_templates() -> list[tuple[Channel, WeeklyTemplate]]:
    """Each grade's channel and weekly template, validated (layout and screen-time policy)."""
    built = []
    for grade in range(1, 9):
        channel = channel_for(grade)
        template = WeeklyTemplate.from_weekdays({d: weekday_slots(grade, d) for d in range(5)})
        validate_template(channel, template)
        check_template(policy_for(channel), channel, template)
        built.append((channel, template))
    return built


def assemble_semester(channel: Channel, template: WeeklyTemplate, days: int) -> list[ChannelDayPlan]:
    """Assemble and check each day in turn, carrying the cursor and yesterday's airings."""
    plan, policy, out = catalogue(channel.grades[0], days), policy_for(channel), []
    previous: ChannelDayPlan | None = None
    for offset in range(days):
        day = FIRST_DAY + timedelta(days=offset)
        cursor = previous.cursor if previous else None
        earlier = {previous.day: previous.airings} if previous else None
        previous = assemble_day(channel, day, slots_for(template, day), plan, CLIPS, cursor=cursor, earlier=earlier)
        check_day(policy, channel, previous)
        out.append(previous)
    return out


def semester_feeds(channel: Channel, days: list[ChannelDayPlan]) -> list[tuple[Feed, tuple[FeedEvent, ...]]]:
    """The grade's feed and one feed per subject, each over the whole semester."""
    feeds = [(Feed(channel.name), tuple(e for plan in days for e in feed_events(channel, plan)))]
    for code, name in SUBJECTS.items():
        events = tuple(e for plan in days for e in feed_events(channel, plan, subject=code))
        feeds.append((Feed(f"{channel.name} {name}"), events))
    return feeds


def icalendar_alone(feed: Feed, events: tuple[FeedEvent, ...]) -> bytes:
    """The baseline: the icalendar library building and serialising the same events, nothing else."""
    calendar = Calendar()
    for name, value in (("version", "2.0"), ("prodid", "-//baseline//"), ("x-wr-calname", feed.title)):
        calendar.add(name, value)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", STAMP)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.summary)
        event.add("description", item.description)
        calendar.add_component(event)
    return calendar.to_ical()


def seconds(work: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of one call, and its result."""
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def compare_ical(feeds: list[tuple[Feed, tuple[FeedEvent, ...]]], repeat: int) -> dict[str, Any]:
    """Our feeds and the icalendar-alone baseline, run in turn `repeat` times (so load hits both alike)."""
    ours, alone, documents = [], [], []
    for _ in range(repeat):
        took, documents = seconds(lambda: [to_ical(feed, events, stamp=STAMP, base_url=BASE_URL) for feed, events in feeds])
        ours.append(took)
        alone.append(seconds(lambda: [icalendar_alone(feed, events) for feed, events in feeds])[0])
    ratios = sorted(a / b for a, b in zip(ours, alone, strict=True))
    return {"ours": ours, "alone": alone, "ratio": ratios[len(ratios) // 2], "bytes": sum(map(len, documents))}


@contextmanager
def phase(name: str, timings: dict[str, float]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - started


def run(days: int, repeat: int) -> dict[str, Any]:
    """One full semester; returns timings, counts and sizes."""
    timings: dict[str, float] = {}
    with phase("templates (layout + screen-time policy)", timings):
        channels = build_templates()
    with phase(f"assemble + validate {len(channels)} x {days} days", timings):
        semester = {channel.id: assemble_semester(channel, template, days) for channel, template in channels}
    all_days = [plan for plans in semester.values() for plan in plans]
    with phase("XMLTV (all channels, all days)", timings):
        xmltv = to_xmltv([c for c, _ in channels], all_days, generator_info="airclass benchmark")
    feeds = [feed for channel, _ in channels for feed in semester_feeds(channel, semester[channel.id])]
    ical = compare_ical(feeds, repeat)
    timings[f"iCal: our {len(feeds)} feeds, first run (VTIMEZONEs built)"] = ical["ours"][0]
    timings[f"iCal: our {len(feeds)} feeds, best of {repeat}"] = min(ical["ours"])
    timings[f"iCal: icalendar alone, same events, best of {repeat}"] = min(ical["alone"])
    events = sum(len(e) for _, e in feeds)
    sizes = {"xmltv_bytes": len(xmltv), "ical_bytes": ical["bytes"], "feed_events": events}
    return {"timings": timings, "ratio": ical["ratio"], "days": len(all_days), **sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result = run(args.days, args.repeat)
    for name, seconds in result["timings"].items():
        print(f"{name:<56} {seconds:8.3f} s")
    print(f"channel days {result['days']}, feed events {result['feed_events']}, "
          f"XMLTV {result['xmltv_bytes'] / 1e6:.1f} MB, iCal {result['ical_bytes'] / 1e6:.1f} MB")
    tracemalloc.start()
    run(args.days, 1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{'peak memory (tracemalloc, a second pass)':<56} {peak / 2**20:8.1f} MiB")
    print(f"{'ratio iCal ours / icalendar alone (median of the runs)':<56} {result['ratio']:8.2f}   (goal <= 1.5)")


if __name__ == "__main__":
    main()

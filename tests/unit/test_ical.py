"""Unit tests of the iCalendar feeds: two parsers agree, UIDs are stable, changes bump SEQUENCE or cancel."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from scheduler.domain.assembly import assemble_day
from scheduler.domain.plan import Airing
from scheduler.domain.review_terms import ReviewState
from scheduler.exports.ical import Feed, FeedEvent, event_uid, feed_events, ical_text, refold, revise, to_ical
from tests.unit.test_assembly import CLIPS, DAY, grade_channel, sample_day, sample_plan, school_day

STAMP = datetime(2020, 2, 9, 12, 0, tzinfo=UTC)
BASE_URL = "https://kt.jiaxing.example"  # where families reach the service
FEED = Feed("嘉兴空中课堂·三年级")
UID1 = "20200210-s1@grade3.jiaxing.airclass"


def on_demand(airing: Airing) -> str:
    return f"https://airclass.example/lessons/{airing.lesson.id}"


def monday_events() -> tuple[FeedEvent, ...]:
    return feed_events(grade_channel(), sample_day(), on_demand=on_demand)


def icalendar_events(document: bytes) -> list:
    return Calendar.from_ical(document).walk("VEVENT")


def vobject_events(document: bytes) -> list:
    return vobject.readOne(document.decode("utf-8")).contents.get("vevent", [])


def assert_well_folded(document: bytes) -> None:
    """CRLF only; no line over 75 octets; no line split inside a UTF-8 character or a backslash escape."""
    assert b"\n" not in document.replace(b"\r\n", b"")
    for line in document.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # a split character would not decode
        assert (len(line) - len(line.rstrip(b"\\"))) % 2 == 0  # a trailing backslash would split an escape


def test_feed_events_are_the_days_lessons_and_replays() -> None:
    events = monday_events()
    assert [(e.uid, e.summary, e.start.isoformat(), e.end.isoformat()) for e in events] == [
        (UID1, "三年级 数学 第1课《数学课1》", "2020-02-10T08:50:00+08:00", "2020-02-10T09:10:00+08:00"),
        (
            "20200210-s3@grade3.jiaxing.airclass",
            "三年级 语文 第1课《语文课1》",
            "2020-02-10T09:20:00+08:00",
            "2020-02-10T09:40:00+08:00",
        ),
        (
            "20200210-s7@grade3.jiaxing.airclass",
            "三年级 数学 第1课《数学课1》（重播）",
            "2020-02-10T14:00:00+08:00",
            "2020-02-10T14:20:00+08:00",
        ),
    ]
    assert events[0].description == "主讲：张老师（嘉善县实验小学，嘉善县）\n频道：嘉兴空中课堂·三年级（华数 803，电信IPTV 503）"
    assert events[0].url == "https://airclass.example/lessons/1" and events[0].sequence == 0
    [written, *_] = icalendar_events(to_ical(FEED, events, stamp=STAMP, base_url=BASE_URL))
    assert str(written["DESCRIPTION"]).endswith("\n点播：https://airclass.example/lessons/1")  # an address elsewhere stays
    maths = feed_events(grade_channel(), sample_day(), subject="math")
    assert [e.uid[:11] for e in maths] == ["20200210-s1", "20200210-s7"] and maths[0].url is None


def test_the_calendar_carries_its_name_refresh_and_time_zone() -> None:
    document = to_ical(FEED, monday_events(), stamp=STAMP, base_url=BASE_URL)
    for line in [
        b"VERSION:2.0",
        b"PRODID:-//airclass//air classroom schedule//ZH",
        "NAME:嘉兴空中课堂·三年级".encode(),
        "X-WR-CALNAME:嘉兴空中课堂·三年级".encode(),
        b"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        b"X-PUBLISHED-TTL:PT1H",
        b"BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai",
        b"DTSTART;TZID=Asia/Shanghai:20200210T085000",
        b"DTSTAMP:20200209T120000Z",
    ]:
        assert b"\r\n" + line + b"\r\n" in document
    calendar = Calendar.from_ical(document)
    assert calendar.get_missing_tzids() == set() and [tz.tz_name for tz in calendar.timezones] == ["Asia/Shanghai"]


def test_icalendar_and_vobject_read_the_same_events() -> None:
    events = monday_events()
    document = to_ical(FEED, events, stamp=STAMP, base_url=BASE_URL)
    by_icalendar = [
        (str(e["UID"]), str(e["SUMMARY"]), str(e["DESCRIPTION"]), e.start, e.end, int(e["SEQUENCE"]), str(e["STATUS"]))
        for e in icalendar_events(document)
    ]
    by_vobject = [
        (
            e.uid.value,
            e.summary.value,
            e.description.value,
            e.dtstart.value,
            e.dtend.value,
            int(e.sequence.value),
            e.status.value,
        )
        for e in vobject_events(document)
    ]
    expected = [(e.uid, e.summary, e.description + (f"\n点播：{e.url}" if e.url else ""), e.start, e.end, 0,
                 "CONFIRMED") for e in events]
    assert by_icalendar == expected and by_vobject == expected
    assert [e.dtstart.value.utcoffset() for e in vobject_events(document)] == [timedelta(hours=8)] * 3


def test_a_fixed_stamp_gives_byte_identical_feeds() -> None:
    first = to_ical(FEED, monday_events(), stamp=STAMP, base_url=BASE_URL)
    assert first == to_ical(FEED, tuple(reversed(monday_events())), stamp=STAMP, base_url=BASE_URL)
    assert first != to_ical(FEED, monday_events(), stamp=STAMP + timedelta(seconds=1), base_url=BASE_URL)


def test_an_empty_feed_is_a_valid_calendar() -> None:
    document = to_ical(Feed("嘉兴空中课堂·三年级 英语", "英语课"), (), stamp=STAMP, base_url=BASE_URL)
    assert icalendar_events(document) == [] and vobject_events(document) == []
    assert "X-WR-CALDESC:英语课".encode() in document


def test_the_stamp_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        to_ical(FEED, monday_events(), stamp=datetime(2020, 2, 9, 12), base_url=BASE_URL)


def test_uids_are_stable_and_revisions_bump_sequence_or_cancel() -> None:
    published = revise((), monday_events())
    assert revise(published, monday_events()) == published  # a second export: same UIDs, same SEQUENCE
    assert event_uid("grade3.jiaxing.airclass", DAY, 1) == UID1
    plan = sample_plan()
    plan[0] = replace(plan[0], recordings=(replace(plan[0].recordings[0], state=ReviewState.REVOKED),))
    after_revocation = assemble_day(grade_channel(), DAY, school_day(), plan, CLIPS)
    revised = revise(published, feed_events(grade_channel(), after_revocation, on_demand=on_demand))
    assert [(e.uid[9:11], e.sequence, e.cancelled) for e in revised] == [
        ("s1", 1, True),
        ("s3", 0, False),
        ("s7", 1, True),
    ]
    assert revise(revised, feed_events(grade_channel(), after_revocation, on_demand=on_demand)) == revised
    restored = revise(revised, monday_events())
    assert [(e.sequence, e.cancelled) for e in restored] == [(2, False), (0, False), (2, False)]
    moved = revise(published, [replace(e, summary=e.summary + "（调整）") for e in monday_events()])
    assert [e.sequence for e in moved] == [1, 1, 1]


def test_cancelled_events_are_published_as_cancelled() -> None:
    revised = revise(monday_events(), monday_events()[1:])
    document = to_ical(FEED, revised, stamp=STAMP, base_url=BASE_URL)
    first = icalendar_events(document)[0]
    assert (str(first["UID"]), str(first["STATUS"]), int(first["SEQUENCE"])) == (UID1, "CANCELLED", 1)
    assert vobject_events(document)[0].status.value == "CANCELLED"


@pytest.mark.parametrize("offset", range(60, 80))
def test_folding_never_splits_a_character_or_an_escape(offset: int) -> None:
    text = "x" * offset + "\\\\,;\n数学，；" * 12 + "\\" * 9 + "课" * 40
    event = replace(monday_events()[0], summary=text, description=text, url=None)
    document = to_ical(FEED, [event], stamp=STAMP, base_url=BASE_URL)
    assert_well_folded(document)
    assert str(icalendar_events(document)[0]["DESCRIPTION"]) == text
    assert vobject_events(document)[0].summary.value == text


def test_refold_mends_an_escape_split_across_lines() -> None:
    split_in_escape = b"DESCRIPTION:" + b"a" * 62 + b"\\\r\n \\b\r\n"  # icalendar 7.3 folds inside a \\\\ escape
    assert refold(split_in_escape) == b"DESCRIPTION:" + b"a" * 62 + b"\r\n \\\\b\r\n"
    assert refold(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


text_with_escapes = st.text(alphabet=st.sampled_from("\\,;\n:\"'数学课《》 aZ😀\t"), max_size=300) | st.text(
    max_size=200
)


@settings(max_examples=150, deadline=None)
@given(text_with_escapes, text_with_escapes)
def test_any_text_survives_both_parsers(summary: str, description: str) -> None:
    summary = summary.replace("\r", "") or "课"
    description = description.replace("\r", "")
    event = replace(monday_events()[0], summary=summary, description=description, url=None)
    document = to_ical(FEED, [event], stamp=STAMP, base_url=BASE_URL)
    assert_well_folded(document)
    parsed = icalendar_events(document)[0]
    summary, description = ical_text(summary), ical_text(description)  # control characters are dropped
    assert str(parsed["SUMMARY"]) == summary and str(parsed.get("DESCRIPTION", "")) == description
    assert vobject_events(document)[0].summary.value == summary


def test_an_on_demand_path_is_resolved_where_families_reach_the_service_when_the_feed_is_written() -> None:
    channel = replace(grade_channel(), on_demand_url="/watch/{recording}")
    [event, *_] = feed_events(channel, sample_day())
    assert event.url == "/watch/11"  # stored as published: no host in it
    for base in ("https://kt.jiaxing.example", "http://127.0.0.1:8100"):
        [written, *_] = icalendar_events(to_ical(FEED, [event], stamp=STAMP, base_url=base))
        assert str(written["URL"]) == f"{base}/watch/11"
        assert str(written["DESCRIPTION"]).splitlines()[-1] == f"点播：{base}/watch/11"


def test_a_feed_published_with_the_on_demand_line_in_its_description_keeps_one_line() -> None:
    event = replace(monday_events()[0], description="主讲：张老师\n点播：https://airclass.example/lessons/1")
    [written] = icalendar_events(to_ical(FEED, [event], stamp=STAMP, base_url=BASE_URL))
    assert str(written["DESCRIPTION"]).count("点播：") == 1

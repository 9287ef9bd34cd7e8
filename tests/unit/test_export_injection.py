"""Injection through lesson titles, teacher names and descriptions: every export keeps its shape.

Whatever a teacher or an admin typed, the iCal feed has exactly one VEVENT per lesson (read by
icalendar and by vobject), the XMLTV guide has the same programmes as with plain text and is
valid against the XMLTV DTD, and the playlists have one item per event. Chinese text passes
byte for byte. What is dropped, by rule of each format (see each builder's docstring):
- iCal: CR LF and CR become LF; other C0 controls (but tab), DEL, C1, lone surrogates and U+FEFF go.
- XMLTV: characters XML 1.0 forbids, C1, U+FFFD and lone surrogates go; whitespace runs become
  one space (XMLTV text is one line).
- playlists: control characters other than whitespace and lone surrogates go; titles are one line.
"""

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from lxml import etree

from scheduler.domain.assembly import assemble_day
from scheduler.domain.plan import ChannelDayPlan
from scheduler.exports.ical import Feed, feed_events, ical_text, to_ical
from scheduler.exports.playlist import loop_runs, to_as_run, to_csv, to_json
from scheduler.exports.xmltv import clean_text, to_xmltv
from tests.unit.test_assembly import CLIPS, DAY, grade_channel, sample_plan, school_day

DTD_PATH = Path("/usr/share/xmltv/xmltv.dtd")  # Debian's xmltv-util
STAMP = datetime(2020, 2, 9, 12, 0, tzinfo=UTC)
BASE_URL = "https://kt.jiaxing.example"  # where families reach the service
# A long passage (the Chinese text of a real lesson description), repeated past several folds.
CHINESE = "《两位数乘两位数》：本课通过生活情境引导学生理解笔算乘法的算理，掌握计算方法，培养估算意识。" * 12
HOSTILE = [
    "a\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@x\r\nSUMMARY:injected",
    "a\rEND:VEVENT\rBEGIN:VEVENT\rUID:evil@x\rSUMMARY:injected",
    "a\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil@x",
    "x;y,z\\n\\\\;\\,",
    'Tom & Jerry <b>bold</b> ]]> </title></programme><programme channel="evil"> &amp; "\'',
    "eof\x1a nul\x00 bell\x07 esc\x1b[31m del\x7f nel\x85 c1\x9f",
    "lone \ud800 surrogate \udfff",
    "\ufeffbom \u202eoverride \u2028line \u2029para \ufffd",
    CHINESE,
    CHINESE + "\r\n" + CHINESE[:40] + "\x1a",
]


@pytest.fixture(scope="module")
def dtd() -> etree.DTD:
    assert DTD_PATH.exists(), "install Debian's xmltv-util for the XMLTV DTD"
    return etree.DTD(str(DTD_PATH))


def hostile_day(title: str, teacher: str, school: str = "嘉善县实验小学", subject: str = "数学") -> ChannelDayPlan:
    """The sample school day with the first lesson's texts replaced."""
    plan = sample_plan()
    first = replace(plan[0].recordings[0], teacher=teacher, school=school)
    plan[0] = replace(plan[0], title=title, subject_name=subject, recordings=(first,))
    return assemble_day(grade_channel(), DAY, school_day(), plan, CLIPS)


def vevents(document: bytes) -> tuple[list, list]:
    """The VEVENTs as icalendar and as vobject read them."""
    by_icalendar = Calendar.from_ical(document).walk("VEVENT")
    by_vobject = vobject.readOne(document.decode("utf-8")).contents.get("vevent", [])
    return by_icalendar, by_vobject


def programme_frame(document: bytes, dtd: etree.DTD) -> tuple[etree._Element, list[tuple[str, str, str]]]:
    """Parse a guide, assert it is DTD-valid, and return it with its (start, stop, channel) list."""
    root = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    assert dtd.validate(root), dtd.error_log.filter_from_errors()
    return root, [(p.get("start"), p.get("stop"), p.get("channel")) for p in root.findall("programme")]


PLAIN_DAY = hostile_day("两位数乘两位数", "张老师")


def check_ical(day: ChannelDayPlan, text: str) -> None:
    """One VEVENT per lesson, same UIDs as plain text, the hostile text read back as ical_text made it."""
    events = feed_events(grade_channel(), day)
    document = to_ical(Feed(f"嘉兴空中课堂·{text}", text), events, stamp=STAMP, base_url=BASE_URL)
    by_icalendar, by_vobject = vevents(document)
    plain_uids = [e.uid for e in feed_events(grade_channel(), PLAIN_DAY)]
    assert [str(e["UID"]) for e in by_icalendar] == [v.uid.value for v in by_vobject] == plain_uids
    for parsed, ours in zip(by_icalendar, events, strict=True):
        assert str(parsed["SUMMARY"]) == ical_text(ours.summary)
        assert str(parsed["DESCRIPTION"]) == ical_text(ours.description)
    assert [v.summary.value for v in by_vobject] == [ical_text(e.summary) for e in events]
    calendar = vobject.readOne(document.decode("utf-8")).contents  # icalendar leaves X- values escaped
    assert calendar["x-wr-calname"][0].value == " ".join(ical_text(f"嘉兴空中课堂·{text}").split())
    assert calendar["x-wr-caldesc"][0].value == ical_text(text) if ical_text(text) else "x-wr-caldesc" not in calendar


def check_xmltv(day: ChannelDayPlan, text: str, dtd: etree.DTD) -> None:
    """The same programmes as with plain text, DTD-valid, the text as clean_text made it."""
    root, frame = programme_frame(to_xmltv([grade_channel()], [day], generator_info=text), dtd)
    assert frame == programme_frame(to_xmltv([grade_channel()], [PLAIN_DAY], generator_info="airclass"), dtd)[1]
    lesson = root.findall("programme")[1]
    assert lesson.findtext("sub-title") == (clean_text(text) or None)
    assert all("\n" not in (child.text or "") for child in lesson)


def check_playlists(day: ChannelDayPlan) -> None:
    """One JSON item, one CSV row and one as-run line per item (a looped clip's passes are one)."""
    channel, count = grade_channel(), len(loop_runs(day.events))
    items = json.loads(to_json(channel, day))["items"]
    rows = list(csv.reader(io.StringIO(to_csv(channel, day).decode("utf-8-sig"), newline="")))
    lines = to_as_run(channel, day).decode("utf-8").split("\n")
    assert len(items) == count and len(rows) == count + 1 and len(lines) == count + 2 and lines[-1] == ""
    assert [item["title"] for item in items] == [row[7].removeprefix("'") for row in rows[1:]]
    assert all(item["title"] == " ".join(item["title"].split()) for item in items)


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_keeps_every_export_in_shape(text: str, dtd: etree.DTD) -> None:
    day = hostile_day(text, text, school=text, subject=text)
    check_ical(day, text)
    check_xmltv(day, text, dtd)
    check_playlists(day)


def test_chinese_survives_byte_for_byte_and_only_controls_are_dropped(dtd: etree.DTD) -> None:
    text = CHINESE + "\x1a\x00" + CHINESE[:30]
    kept = CHINESE + CHINESE[:30]
    day = hostile_day(text, "张老师")
    ical = to_ical(Feed("三年级"), feed_events(grade_channel(), day), stamp=STAMP, base_url=BASE_URL)
    summary = str(vevents(ical)[0][0]["SUMMARY"])
    assert summary.encode("utf-8") == f"三年级 数学 第1课《{kept}》".encode()
    assert b"\x1a" not in ical and b"\x00" not in ical
    guide = to_xmltv([grade_channel()], [day], generator_info="airclass")
    assert kept.encode("utf-8") in guide and b"\x1a" not in guide
    root, _ = programme_frame(guide, dtd)
    assert root.findall("programme")[1].findtext("sub-title").encode() == kept.encode()
    lesson = next(item for item in json.loads(to_json(grade_channel(), day))["items"] if item["kind"] == "lesson")
    assert lesson["title"].encode() == f"三年级 数学 第1课《{kept}》".encode()


def test_a_description_cannot_open_a_second_event() -> None:
    event = feed_events(grade_channel(), PLAIN_DAY)[0]
    forged = "第一行\rEND:VEVENT\rBEGIN:VEVENT\rUID:forged@evil\rDTSTART:20200210T000000Z\r"
    document = to_ical(Feed("三年级"), [replace(event, description=forged)], stamp=STAMP, base_url=BASE_URL)
    by_icalendar, by_vobject = vevents(document)
    assert len(by_icalendar) == len(by_vobject) == 1
    assert by_vobject[0].description.value == forged.replace("\r", "\n")
    assert b"\r" not in document.replace(b"\r\n", b"")


# Any code point at all, lone surrogates and controls included.
ANY_TEXT = st.text(st.characters(exclude_categories=[]), max_size=120)


@settings(max_examples=150, deadline=None)
@given(title=ANY_TEXT, teacher=ANY_TEXT, description=ANY_TEXT)
def test_any_text_keeps_every_export_in_shape(title: str, teacher: str, description: str, dtd: etree.DTD) -> None:
    day = hostile_day(title, teacher)
    check_ical(day, description)
    check_xmltv(day, title, dtd)
    check_playlists(day)
    event = replace(feed_events(grade_channel(), day)[0], description=description)
    by_icalendar, by_vobject = vevents(to_ical(Feed(title), [event], stamp=STAMP, base_url=BASE_URL))
    assert len(by_icalendar) == len(by_vobject) == 1
    assert str(by_icalendar[0].get("DESCRIPTION", "")) == ical_text(description)

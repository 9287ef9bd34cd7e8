"""Unit tests of the XMLTV export: DTD-valid, contiguous, Chinese intact, hostile text neutralised."""

import subprocess
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from scheduler.domain.assembly import assemble_day
from scheduler.domain.plan import ChannelDayPlan
from scheduler.exports.xmltv import clean_text, to_xmltv
from tests.unit.test_assembly import CLIPS, DAY, grade_channel, sample_day, sample_plan, school_day

DTD_PATH = Path("/usr/share/xmltv/xmltv.dtd")  # Debian's xmltv-util
GENERATOR = "airclass 0.1.0"
HOSTILE = "a\r\nb;c,d\\e&f<g>\x1ah\x85i\ufffd\tj ]]> 'k\" \u2028"


@pytest.fixture(scope="module")
def dtd() -> etree.DTD:
    assert DTD_PATH.exists(), "install Debian's xmltv-util for the XMLTV DTD"
    return etree.DTD(str(DTD_PATH))


def parse(document: bytes, dtd: etree.DTD) -> etree._Element:
    """Parse an export and assert it is valid against the DTD."""
    root = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    assert dtd.validate(root), dtd.error_log.filter_from_errors()
    return root


def week_export() -> bytes:
    """Grade 3 on Monday and Tuesday, grade 1 on Monday."""
    g3, g1 = grade_channel(3), grade_channel(1)
    monday = sample_day()
    tuesday = assemble_day(
        g3,
        DAY + timedelta(days=1),
        school_day(),
        sample_plan(),
        CLIPS,
        cursor=monday.cursor,
        earlier={DAY: monday.airings},
    )
    return to_xmltv([g3, g1], [tuesday, sample_day(1, 15), monday], generator_info=GENERATOR)


def programmes(root: etree._Element, channel_id: str) -> list[etree._Element]:
    return root.findall(f"programme[@channel='{channel_id}']")


def test_the_export_is_valid_and_covers_each_day_without_gaps(dtd: etree.DTD) -> None:
    root = parse(week_export(), dtd)
    assert root.get("generator-info-name") == GENERATOR
    assert [c.get("id") for c in root.findall("channel")] == ["grade3.jiaxing.airclass", "grade1.jiaxing.airclass"]
    for channel_id, first, last in [
        ("grade3.jiaxing.airclass", "20200210060000 +0800", "20200212060000 +0800"),
        ("grade1.jiaxing.airclass", "20200210060000 +0800", "20200211060000 +0800"),
    ]:
        shows = programmes(root, channel_id)
        assert shows[0].get("start") == first and shows[-1].get("stop") == last
        assert all(a.get("stop") == b.get("start") for a, b in pairwise(shows))


def test_channels_are_named_in_chinese_with_their_numbers(dtd: etree.DTD) -> None:
    channel = parse(week_export(), dtd).find("channel")
    assert [(d.get("lang"), d.text) for d in channel.findall("display-name")] == [
        ("zh", "嘉兴空中课堂·三年级"),
        ("zh", "803 嘉兴空中课堂·三年级"),
        ("zh", "503 嘉兴空中课堂·三年级"),
    ]


def test_a_lesson_slot_is_one_programme_with_its_details_in_dtd_order(dtd: etree.DTD) -> None:
    lesson = programmes(parse(week_export(), dtd), "grade3.jiaxing.airclass")[1]
    assert (lesson.get("start"), lesson.get("stop")) == ("20200210085000 +0800", "20200210091000 +0800")
    assert [(child.tag, child.text, dict(child.attrib)) for child in lesson] == [
        ("title", "三年级 数学 第1课《数学课1》", {"lang": "zh"}),
        ("sub-title", "数学课1", {"lang": "zh"}),
        ("desc", "主讲：张老师（嘉善县实验小学，嘉善县）", {"lang": "zh"}),
        ("category", "数学", {"lang": "zh"}),
        ("episode-num", "第1课", {"system": "onscreen"}),
    ]


def test_breaks_fillers_standby_and_replays_are_programmes_of_their_own(dtd: etree.DTD) -> None:
    shows = programmes(parse(week_export(), dtd), "grade3.jiaxing.airclass")
    titles = [(p.get("start")[8:12], p.findtext("title")) for p in shows[:13]]
    assert titles == [
        ("0600", "防疫知识"),
        ("0850", "三年级 数学 第1课《数学课1》"),
        ("0910", "课间休息·眼保健操"),
        ("0920", "三年级 语文 第1课《语文课1》"),
        ("0940", "眼保健操"),
        ("0950", "节目预告"),
        ("1010", "防疫知识"),
        ("1030", "防疫知识"),
        ("1400", "三年级 数学 第1课《数学课1》（重播）"),
        ("1420", "防疫知识"),
        ("1445", "节目预告"),
        ("1505", "防疫知识"),
        ("0600", "防疫知识"),
    ]
    assert shows[8].find("previously-shown") is not None and shows[1].find("previously-shown") is None
    assert all(p.find("desc") is None for p in shows if p.find("episode-num") is None)


def test_chinese_text_survives_byte_for_byte() -> None:
    document = week_export()
    assert document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE tv SYSTEM \"xmltv.dtd\">")
    for text in [
        "嘉兴空中课堂·三年级",
        "三年级 数学 第1课《数学课1》",
        "课间休息·眼保健操",
        "主讲：张老师（嘉善县实验小学，嘉善县）",
    ]:
        assert text.encode("utf-8") in document


def test_times_carry_the_offset_of_their_instant(dtd: etree.DTD) -> None:
    berlin = grade_channel(3, "Europe/Berlin")
    day = sample_day(day=date(2020, 3, 28), tz="Europe/Berlin")
    shows = parse(to_xmltv([berlin], [day], generator_info=GENERATOR), dtd).findall("programme")
    assert shows[0].get("start") == "20200328060000 +0100" and shows[-1].get("stop") == "20200329060000 +0200"


def test_hostile_text_is_neutralised(dtd: etree.DTD) -> None:
    plan = sample_plan()
    plan[0] = replace(
        plan[0],
        title=HOSTILE,
        subject_name="数学\n",
        recordings=(replace(plan[0].recordings[0], teacher="张\x1a老师\r\n", school="<b>&amp;</b>"),),
    )
    document = to_xmltv(
        [grade_channel()],
        [assemble_day(grade_channel(), DAY, school_day(), plan, CLIPS)],
        generator_info="air\x00class\n",
    )
    assert b"\x1a" not in document and b"\r" not in document and "\ufffd".encode() not in document
    lesson = parse(document, dtd).findall("programme")[1]
    cleaned = "a b;c,d\\e&f<g>hi j ]]> 'k\""
    assert (
        lesson.findtext("title") == f"三年级 数学 第1课《{cleaned} 》"
    )  # the title's trailing space stays inside 《》
    assert lesson.findtext("sub-title") == cleaned and lesson.findtext("category") == "数学"
    assert lesson.findtext("desc") == "主讲：张老师 （<b>&amp;</b>，嘉善县）"
    assert b"&lt;b&gt;&amp;amp;&lt;/b&gt;" in document


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("", ""),
        (" \r\n ", ""),
        ("a\x00b\x1fc\x7fd\x9fe", "abcde"),
        ("第\t1\n课", "第 1 课"),
        ("😀数学", "😀数学"),
        ("\ufffe\uffff\ud7ff", "\ud7ff"),
    ],
)
def test_clean_text(text: str, cleaned: str) -> None:
    assert clean_text(text) == cleaned


def test_an_empty_title_falls_back_to_the_channel_name(dtd: etree.DTD) -> None:
    clips = {**CLIPS, "programme-filler": replace(CLIPS["programme-filler"], title="\x1a\n")}
    day = assemble_day(grade_channel(), DAY, (), [], clips)
    shows = parse(to_xmltv([grade_channel()], [day], generator_info=GENERATOR), dtd).findall("programme")
    assert [p.findtext("title") for p in shows] == ["嘉兴空中课堂·三年级"]


@pytest.mark.parametrize(
    ("channels", "days", "message"),
    [
        ([grade_channel(3)], [sample_day(1, 15)], "days given for channels not listed: grade1.jiaxing.airclass"),
        ([grade_channel(3), grade_channel(1)], [sample_day()], "no day to export for grade1.jiaxing.airclass"),
        ([grade_channel(3), grade_channel(3)], [sample_day()], "a channel is listed twice"),
    ],
)
def test_inconsistent_inputs_are_refused(channels: list, days: list[ChannelDayPlan], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_xmltv(channels, days, generator_info=GENERATOR)


def test_the_export_is_deterministic() -> None:
    assert week_export() == week_export()


def test_tv_validate_file_accepts_the_export(tmp_path: Path) -> None:
    path = tmp_path / "guide.xml"
    path.write_bytes(week_export())
    result = subprocess.run(
        ["tv_validate_file", "--dtd-file", str(DTD_PATH), str(path)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout.strip()) == (0, "Validated ok."), result.stderr


@settings(max_examples=100, deadline=None)
@given(st.text(), st.text(), st.text())
def test_any_text_makes_a_valid_guide(dtd: etree.DTD, title: str, teacher: str, county: str) -> None:
    plan = sample_plan()
    plan[0] = replace(
        plan[0], title=title, recordings=(replace(plan[0].recordings[0], teacher=teacher, county=county),)
    )
    document = to_xmltv(
        [grade_channel()], [assemble_day(grade_channel(), DAY, school_day(), plan, CLIPS)], generator_info=GENERATOR
    )
    lesson = parse(document, dtd).findall("programme")[1]
    assert lesson.findtext("title") == clean_text(f"三年级 数学 第1课《{title}》")
    assert lesson.findtext("sub-title") == (clean_text(title) or None)
    assert all("\n" not in (element.text or "") for element in lesson)

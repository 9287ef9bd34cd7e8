"""The SI sections as GStreamer's MPEG-TS library decodes them (with its own GB2312 conversion), and the
EIT schedule of an assembled day against its XMLTV programmes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from lxml import etree

from scheduler.exports.dvb_epg import EpgDay, day_si
from scheduler.exports.dvb_si import ServiceIds, SiEvent, eit_present_following, sdt, tdt, tot
from scheduler.exports.dvb_text import Charset, TextEncoder
from scheduler.exports.programmes import day_programmes
from scheduler.exports.xmltv import to_xmltv
from tests.support.gst_si import decode
from tests.unit.test_assembly import grade_channel, sample_day

SHANGHAI = ZoneInfo("Asia/Shanghai")
GB2312_DOT = str.maketrans("·", "・")  # GB2312's A1A4 decodes as U+30FB


def test_event_names_and_texts_decode_back_to_the_chinese_text() -> None:
    start = datetime(2024, 3, 4, 10, 0, tzinfo=SHANGHAI)
    lesson = SiEvent(9, start, timedelta(minutes=20), "三年级 数学 第12课《两位数乘两位数》", "数学 主讲：张老师（实验小学，南湖区）")
    rest = SiEvent(10, start + timedelta(minutes=20), timedelta(minutes=10), "课间休息·眼保健操", "")
    for charset in Charset:
        present, following = eit_present_following(ServiceIds(), lesson, rest, 5, TextEncoder(charset))
        now, after = decode(0x12, present), decode(0x12, following)
        assert (now.table_id, now.section_number, now.last_section_number, now.version) == (0x4E, 0, 1, 5)
        assert (now.segment_last_section_number, now.last_table_id) == (1, 0x4E)
        (seen,) = now.events
        assert (seen.name, seen.text, seen.language) == (lesson.name, lesson.text, "zho")
        assert (seen.start, seen.duration, seen.running_status) == (start.astimezone(UTC), timedelta(minutes=20), 4)
        expected = rest.name.translate(GB2312_DOT) if charset is Charset.GB2312 else rest.name
        assert [e.name for e in after.events] == [expected]


def test_the_sdt_says_the_service_has_a_schedule_and_present_following() -> None:
    for charset in Charset:
        section = decode(0x11, sdt(ServiceIds(), "嘉兴空中课堂·三年级", "嘉兴华数", 2, TextEncoder(charset)))
        (service,) = section.services
        name = "嘉兴空中课堂·三年级".translate(GB2312_DOT) if charset is Charset.GB2312 else "嘉兴空中课堂·三年级"
        assert service == {"service_id": 1, "eit_schedule": True, "eit_present_following": True,
                           "running_status": 4, "name": name, "provider": "嘉兴华数", "service_type": 1}


def test_tdt_and_tot_with_the_china_offset() -> None:
    now = datetime(2024, 3, 4, 8, 0, 5, tzinfo=SHANGHAI)
    assert decode(0x14, tdt(now)).utc == now.astimezone(UTC)
    seen = decode(0x14, tot(now, timedelta(hours=8)))
    assert seen.utc == now.astimezone(UTC)
    ((tag, body),) = seen.descriptors
    assert tag == 0x58 and body[:3] == b"CHN" and body[3] & 1 == 0 and body[4:6] == b"\x08\x00"  # +08:00


def test_the_eit_schedule_is_the_xmltv_guide_of_the_day() -> None:
    channel, plan = grade_channel(3), sample_day()
    programmes = day_programmes(channel, plan)
    start = channel.moment(plan.day, 0)
    si = day_si(channel.name, EpgDay(plan.day, 1, programmes), None, start=start, seconds=plan.frames / 25)
    events = [e for section in si.schedule[0][1] for e in decode(0x12, section).events]
    root = etree.fromstring(to_xmltv([channel], [plan], generator_info="airclass"))
    guide = [
        (datetime.strptime(p.get("start"), "%Y%m%d%H%M%S %z"), datetime.strptime(p.get("stop"), "%Y%m%d%H%M%S %z"),
         p.findtext("title").translate(GB2312_DOT))
        for p in root.iter("programme")
    ]
    assert len(guide) > 5
    assert [(e.start, e.start + e.duration, e.name) for e in events] == guide
    assert si.warnings == ()

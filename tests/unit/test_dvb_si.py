"""Unit tests of the DVB SI builder: CRC, MJD/BCD, GB2312 text, section lengths, EIT schedule segments."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.exports.dvb_epg import EpgDay, SiOptions, day_si, event_id
from scheduler.exports.dvb_sections import bcd_duration, crc32_mpeg2, utc_time
from scheduler.exports.dvb_si import ServiceIds, SiEvent, eit_present_following, eit_schedule, sdt, tdt, tot
from scheduler.exports.dvb_text import Charset, TextEncoder
from scheduler.exports.programmes import Programme

SHANGHAI = ZoneInfo("Asia/Shanghai")
IDS = ServiceIds()


def event(start: datetime, minutes: int = 20, name: str = "三年级 数学 第12课《两位数乘两位数》", index: int = 0) -> SiEvent:
    return SiEvent(index, start, timedelta(minutes=minutes), name, "数学 主讲：张老师（实验小学，南湖区）")


def test_crc32_mpeg2_check_value_and_a_whole_section_checks_to_zero() -> None:
    assert crc32_mpeg2(b"123456789") == 0x0376E6E7  # the catalogue's check value of CRC-32/MPEG-2
    section = sdt(IDS, "空中课堂", "airclass", 0, TextEncoder())
    assert crc32_mpeg2(section) == 0


def test_start_times_are_mjd_and_bcd_utc_as_en_300_468_annex_c() -> None:
    # Annex C's example: 93/10/13 12:45:00 is MJD 0xC079, then 0x12 0x45 0x00.
    assert utc_time(datetime(1993, 10, 13, 12, 45, tzinfo=UTC)).hex() == "c079124500"
    assert utc_time(datetime(1993, 10, 13, 20, 45, tzinfo=SHANGHAI)).hex() == "c079124500"  # +08:00 → UTC
    assert utc_time(datetime(2024, 3, 4, 7, 59, 59, tzinfo=SHANGHAI)).hex() == "ebd4235959"  # the day before in UTC
    assert bcd_duration(timedelta(hours=1, minutes=45, seconds=30)).hex() == "014530"
    assert bcd_duration(timedelta(minutes=20, microseconds=400_000)).hex() == "002000"
    with pytest.raises(ValueError):
        utc_time(datetime(2024, 3, 4, 8, 0))  # naive


def test_text_is_gb2312_with_the_middle_dot_as_a1a4() -> None:
    encoder = TextEncoder()
    encoded = encoder.encode("嘉兴空中课堂·三年级", "service name")
    assert encoded[0] == 0x13 and encoded[1:] == "嘉兴空中课堂・三年级".encode("gb2312")
    assert bytes.fromhex("a1a4") in encoded and b"?" not in encoded
    assert encoder.encode("课间休息·眼保健操", "event name")[1:].decode("gb2312") == "课间休息・眼保健操"
    assert encoder.encode("第1课 — My Weekend", "event name")[1:].decode("gb2312") == "第1课 ― My Weekend"
    assert encoder.warnings == []


def test_characters_outside_gb2312_are_replaced_and_reported() -> None:
    encoder = TextEncoder()
    encoded = encoder.encode("王瑄老师 😀", "event text")
    assert encoded[1:].decode("gb2312") == "王〓老师 〓"
    assert [w.problem for w in encoder.warnings] == ["U+7444 '瑄' is not in GB2312", "U+1F600 '😀' is not in GB2312"]
    assert "event text '王瑄老师 😀'" in str(encoder.warnings[0])


def test_utf8_is_a_profile_option_and_needs_no_replacement() -> None:
    encoder = TextEncoder(Charset.UTF8)
    assert encoder.encode("王瑄老师", "event name") == b"\x15" + "王瑄老师".encode()
    assert encoder.warnings == []


def test_a_long_name_is_cut_on_a_whole_character_and_reported() -> None:
    encoder = TextEncoder()
    encoded = encoder.encode("长" * 100, "event name", 124)  # 123 bytes left: 61 characters, not 61.5
    assert len(encoded) == 123 and encoded[1:].decode("gb2312") == "长" * 61
    assert [w.problem for w in encoder.warnings] == ["cut to 124 bytes"]


def test_present_following_sections() -> None:
    start = datetime(2024, 3, 4, 8, 20, tzinfo=SHANGHAI)
    present, following = eit_present_following(IDS, event(start), None, 33, TextEncoder())
    assert (present[0], present[6], present[7]) == (0x4E, 0, 1)  # table, section_number, last_section_number
    assert (present[5] >> 1) & 0x1F == 1  # version 33 mod 32
    assert present[12:14] == b"\x01\x4e"  # segment_last_section_number, last_table_id
    assert struct.unpack(">H", following[1:3])[0] & 0xFFF == len(following) - 3 == 15  # an empty section
    assert crc32_mpeg2(present) == crc32_mpeg2(following) == 0
    running_status = present[24] >> 5
    assert running_status == 4


def test_schedule_segments_tables_and_section_lengths() -> None:
    today = date(2024, 3, 4)
    midnight = datetime(2024, 3, 4, tzinfo=UTC)
    # 60 events in the 09:00-12:00 UTC segment (more than one 4,096-byte section), one on day 5 (table 0x51).
    events = [event(midnight + timedelta(hours=9, minutes=2 * i), 2, index=i) for i in range(60)]
    events.append(event(midnight + timedelta(days=4, hours=1), index=60))
    events.append(event(midnight - timedelta(hours=1), index=61))  # before today's midnight UTC: left out
    sections = eit_schedule(IDS, events, today, 7, TextEncoder())
    by_table = {t: [s for s in sections if s[0] == t] for t in (0x50, 0x51)}
    assert all(len(s) <= 4096 and crc32_mpeg2(s) == 0 for s in sections)
    segment3 = [s for s in by_table[0x50] if 24 <= s[6] < 32]
    assert [s[6] for s in segment3] == [24, 25] and {s[12] for s in segment3} == {25}
    assert len(by_table[0x50]) == 32 + 1  # every segment of a full table: an empty section each, two in segment 3
    assert {s[7] for s in by_table[0x50]} == {31 * 8}  # last_section_number: the last segment's first section
    assert [s[6] for s in by_table[0x51]] == [0]  # day 5 is segment 0 of the next table, nothing after it
    assert {s[13] for s in sections} == {0x51}  # last_table_id


def test_a_segment_needing_more_than_eight_sections_is_refused() -> None:
    midnight = datetime(2024, 3, 4, tzinfo=UTC)
    events = [event(midnight + timedelta(seconds=i), 0, name="长" * 60, index=i) for i in range(280)]
    with pytest.raises(ValueError, match="more than 8"):
        eit_schedule(IDS, events, date(2024, 3, 4), 0, TextEncoder())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4 * 24 * 60 - 1), st.text(max_size=40)), max_size=120))
def test_every_schedule_section_fits_and_checks(items: list[tuple[int, str]]) -> None:
    midnight = datetime(2024, 3, 4, tzinfo=UTC)
    events = [event(midnight + timedelta(minutes=m), 1, name=n, index=i) for i, (m, n) in enumerate(items)]
    for section in eit_schedule(IDS, events, date(2024, 3, 4), 0, TextEncoder()):
        assert len(section) <= 4096 and crc32_mpeg2(section) == 0
        assert struct.unpack(">H", section[1:3])[0] & 0xFFF == len(section) - 3


def test_tdt_and_tot() -> None:
    now = datetime(2024, 3, 4, 8, 0, 5, tzinfo=SHANGHAI)
    assert tdt(now) == bytes.fromhex("707005ebd5000005")
    section = tot(now, timedelta(hours=8))
    assert section[0] == 0x73 and crc32_mpeg2(section) == 0
    assert section[12:15] == b"CHN" and section[15] == 0x02  # region 0, polarity +
    assert section[16:18] == b"\x08\x00" and section[23:25] == b"\x08\x00"  # +08:00 now and after


def _programmes(start: datetime, minutes: list[int]) -> list[Programme]:
    out, at = [], start
    for i, length in enumerate(minutes):
        out.append(Programme(at, at + timedelta(minutes=length), f"节目{i}·测试"))
        at += timedelta(minutes=length)
    return out


def test_the_day_file_carousels_change_at_programme_starts_and_utc_midnight() -> None:
    start = datetime(2024, 3, 4, 6, 0, tzinfo=SHANGHAI)  # 22:00 UTC the day before
    today = EpgDay(date(2024, 3, 4), 3, _programmes(start, [60, 60, 180, 1140]))
    tomorrow = EpgDay(date(2024, 3, 5), 1, _programmes(start + timedelta(days=1), [1440]))
    si = day_si("嘉兴空中课堂·三年级", today, tomorrow, start=start, seconds=86400)
    assert [at for at, _ in si.present_following] == [0, 3600, 7200, 18000]
    versions = [(pair[0][5] >> 1) & 0x1F for _, pair in si.present_following]
    assert versions == [3, 4, 5, 6]  # a new version at each programme
    last_following = si.present_following[-1][1][1]
    assert last_following[14:16] == struct.pack(">H", event_id(date(2024, 3, 5), 0))  # tomorrow's first
    assert [at for at, _ in si.schedule] == [0, 7200]  # midnight UTC is 08:00 here
    first_ids = {s[0] for s in si.schedule[0][1]}
    assert first_ids == {0x50}
    assert si.warnings == ()
    tdt_section, tot_section = si.clock(7200.4)
    assert tdt_section[3:8] == utc_time(datetime(2024, 3, 4, 0, 0, tzinfo=UTC))
    assert tot_section[16:18] == b"\x08\x00"
    service = si.service[0]
    assert b"\x15" + "嘉兴空中课堂·三年级".encode() in service  # the SDT names in UTF-8 by default


def test_sdt_names_in_gb2312_as_an_option_and_a_republication_gives_new_versions() -> None:
    start = datetime(2024, 3, 4, 6, 0, tzinfo=SHANGHAI)
    programmes = _programmes(start, [60, 1380])
    first = day_si("嘉兴空中课堂·三年级", EpgDay(date(2024, 3, 4), 1, programmes), None, start=start, seconds=600,
                   options=SiOptions(sdt_names_gb2312=True))
    again = day_si("嘉兴空中课堂·三年级", EpgDay(date(2024, 3, 4), 2, programmes), None, start=start, seconds=600)
    assert b"\x13" + "嘉兴空中课堂・三年级".encode("gb2312") in first.service[0]
    for old, new in ((first.present_following, again.present_following), (first.schedule, again.schedule)):
        assert {(s[5] >> 1) & 0x1F for s in old[0][1]} != {(s[5] >> 1) & 0x1F for s in new[0][1]}

"""DVB SI put into a real CBR MPEG-TS made by ffmpeg: read back by GStreamer, probed by ffprobe, and every
packet that is not ours left where it was (so mux rate, PCR, PAT and PMT spacing cannot have changed)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import ffmpeg
import pytest

from media.errors import UnsupportedMedia
from media.profiles import cable_output
from media.runner import FfmpegTool, ffmpeg_argv, file_url
from media.si_insert import dvb_tables, insert_si, mux_rate, patch_si
from scheduler.exports.dvb_epg import DaySi, EpgDay, day_si
from scheduler.exports.programmes import Programme
from tests.media.conftest import SMALL_CABLE
from tests.media.test_renditions import ffprobe
from tests.support.gst_si import stream_sections

pytestmark = pytest.mark.ffmpeg
SHANGHAI = ZoneInfo("Asia/Shanghai")
SECONDS = 14
START = datetime(2024, 3, 4, 7, 59, 55, tzinfo=SHANGHAI)  # midnight UTC 5 s in: the schedule is rebuilt there
NAMES = ("课间休息·眼保健操", "三年级 数学 第12课《两位数乘两位数》", "嘉兴空中课堂·三年级 王瑄")
SI_PIDS = (0x11, 0x12, 0x14)
GB2312_DOT = str.maketrans("·", "・")


@pytest.fixture(scope="module")
def cable_ts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """14 s of the (small) cable profile: CBR at 3 Mb/s with null packets, ffmpeg's SDT, no EIT."""
    path = tmp_path_factory.mktemp("si") / "cable_14s.ts"
    video = ffmpeg.input(f"testsrc2=size=480x270:rate=25:duration={SECONDS}", f="lavfi")
    audio = ffmpeg.input(f"sine=frequency=440:sample_rate=48000:duration={SECONDS}", f="lavfi")
    FfmpegTool().run(ffmpeg_argv(cable_output(video, audio, file_url(path), SMALL_CABLE)))
    return path


def the_day() -> DaySi:
    """Three programmes: 4 s, 4 s, then the rest of the day."""
    bounds = [START, START + timedelta(seconds=4), START + timedelta(seconds=8), START + timedelta(days=1)]
    programmes = [
        Programme(bounds[0], bounds[1], NAMES[0]),
        Programme(bounds[1], bounds[2], NAMES[1], desc="主讲：张老师（实验小学，南湖区）", category="数学"),
        Programme(bounds[2], bounds[3], NAMES[2]),
    ]
    return day_si("嘉兴空中课堂·三年级", EpgDay(date(2024, 3, 4), 3, programmes), None, start=START, seconds=SECONDS)


@pytest.fixture(scope="module")
def with_si(cable_ts: Path) -> tuple[Path, DaySi, object]:
    si = the_day()
    target = cable_ts.with_name("cable_14s_si.ts")
    done = insert_si(cable_ts, target, dvb_tables(si.present_following, si.schedule, si.service, si.clock))
    return target, si, done


def packets(path: Path) -> list[bytes]:
    data = path.read_bytes()
    return [data[i:i + 188] for i in range(0, len(data), 188)]


def pid(packet: bytes) -> int:
    return (packet[1] & 0x1F) << 8 | packet[2]


def section_starts(path: Path, rate: float) -> dict[tuple[int, int, int], list[float]]:
    """(table_id, version, section_number) -> the times its sections start (packets with payload_unit_start)."""
    starts: dict[tuple[int, int, int], list[float]] = defaultdict(list)
    for index, packet in enumerate(packets(path)):
        if pid(packet) in SI_PIDS and packet[1] & 0x40:
            section = packet[5 + packet[4]:]
            version, number = ((section[5] >> 1) & 0x1F, section[6]) if section[1] & 0x80 else (0, 0)
            starts[(section[0], version, number)].append(index * 188 * 8 / rate)
    return starts


def test_every_packet_that_is_not_si_or_null_stays_where_it_was(cable_ts: Path, with_si: tuple) -> None:
    target, _si, done = with_si
    before, after = packets(cable_ts), packets(target)
    assert len(before) == len(after) == done.packets
    moved = [i for i, (a, b) in enumerate(zip(before, after, strict=True))
             if pid(a) not in (0x1FFF, *SI_PIDS) and a != b]
    assert moved == []
    assert {pid(b) for a, b in zip(before, after, strict=True) if a != b} <= {0x1FFF, *SI_PIDS}
    assert done.si_packets > 0 and sum(pid(p) == 0x1FFF for p in after) > len(after) // 10  # nulls still spare


def test_ffprobe_still_reads_it_at_the_same_mux_rate_and_names_our_service(cable_ts: Path, with_si: tuple) -> None:
    target, _si, _done = with_si
    entries = ("-show_format", "-show_programs", "-show_streams", "-show_entries", "packet=stream_index,pts,pos")
    old, new = ffprobe(cable_ts, *entries), ffprobe(target, *entries)
    assert new["format"]["bit_rate"] == old["format"]["bit_rate"]
    assert abs(int(new["format"]["bit_rate"]) - SMALL_CABLE.muxrate_kbps * 1000) < 10_000
    assert new["format"]["duration"] == old["format"]["duration"]
    media = {s["index"] for s in old["streams"]}
    assert {s["codec_type"] for s in old["streams"]} == {"video", "audio"}
    assert [p for p in new["packets"] if p["stream_index"] in media] == old["packets"]  # same times, same bytes
    assert [s["codec_name"] for s in new["streams"] if s["index"] not in media] == ["epg"]  # ffmpeg sees the EIT
    assert old["programs"][0]["tags"]["service_name"] == SMALL_CABLE.service_name
    assert new["programs"][0]["tags"]["service_name"] == "嘉兴空中课堂·三年级"  # our SDT, not ffmpeg's


def test_pcr_pat_and_pmt_spacing_within_tr_101_290(with_si: tuple) -> None:
    target, _si, done = with_si
    pcrs, tables = [], defaultdict(list)
    for index, packet in enumerate(packets(target)):
        if packet[3] & 0x20 and packet[4] >= 7 and packet[5] & 0x10:
            base = int.from_bytes(packet[6:11], "big")
            pcrs.append((base >> 7) * 300 + (base & 0x1FF))
        if pid(packet) in (0, 0x1000) and packet[1] & 0x40:
            tables[pid(packet)].append(index * 188 * 8 / done.bits_per_second)
    assert max(b - a for a, b in pairwise(pcrs)) / 27e6 <= 0.040
    for times in tables.values():
        assert max(b - a for a, b in pairwise(times)) <= 0.5


def test_gstreamer_decodes_our_tables_and_none_of_ffmpegs_sdt(with_si: tuple) -> None:
    target, si, done = with_si
    seen = stream_sections(target)
    assert {s.table_id for s in seen} == {0x42, 0x4E, 0x50, 0x70, 0x73}
    services = [service for s in seen if s.table_id == 0x42 for service in s.services]
    assert services and all(s["eit_schedule"] and s["eit_present_following"] for s in services)
    assert {s["name"] for s in services} == {"嘉兴空中课堂·三年级"}  # UTF-8 by default in the SDT
    # p/f: a new version as each programme begins (GStreamer posts a section when it changes)
    present = [(s.offset * 8 / done.bits_per_second, s.version, s.events[0].name)
               for s in seen if s.table_id == 0x4E and s.section_number == 0]
    assert [(v, n) for _t, v, n in present] == [(3 + i, n.translate(GB2312_DOT).replace("瑄", "〓"))
                                                 for i, n in enumerate(NAMES)]
    assert [round(t) for t, _v, _n in present] == [0, 4, 8]
    following = [s.events for s in seen if s.table_id == 0x4E and s.section_number == 1]
    assert following[0][0].text == "数学 主讲：张老师（实验小学，南湖区）" and following[-1] == ()
    # TDT and TOT: their time follows the position in the stream; TOT says +08:00
    for s in seen:
        if s.table_id in (0x70, 0x73):
            at = START.astimezone(UTC) + timedelta(seconds=s.offset * 8 / done.bits_per_second)
            assert abs((s.utc - at).total_seconds()) <= 1.1
    tot_bodies = {body for s in seen if s.table_id == 0x73 for _tag, body in s.descriptors}
    assert {body[:6] for body in tot_bodies} == {b"CHN\x02\x08\x00"}
    # the schedule: rebuilt at midnight UTC (5 s in), without the programmes that began the UTC day before
    schedules = [s for s in seen if s.table_id == 0x50]
    first = [e.name for s in schedules if s.version == 3 for e in s.events]
    assert first == [n.translate(GB2312_DOT).replace("瑄", "〓") for n in NAMES]
    assert [e.name for s in schedules if s.version == 4 for e in s.events] == first[2:]
    assert [str(w) for w in si.warnings] == ["event name '嘉兴空中课堂·三年级 王瑄': U+7444 '瑄' is not in GB2312"]


def test_repetition_intervals_within_tr_101_211(with_si: tuple) -> None:
    target, _si, done = with_si
    starts = section_starts(target, done.bits_per_second)
    limits = {0x42: 2.0, 0x4E: 2.0, 0x50: 10.0, 0x70: 30.0, 0x73: 30.0}
    last_version = {table_id: version for table_id, version, _number in sorted(starts, key=lambda k: starts[k][0])}
    for (table_id, version, _number), times in starts.items():
        gaps = [b - a for a, b in pairwise(times)]
        tail = [SECONDS - times[-1]] if version == last_version[table_id] else []  # sent on to the end
        assert max(gaps + tail, default=0) <= limits[table_id]
    assert {t for t, _v, _n in starts if min(starts[(t, _v, _n)]) < 0.2} == set(limits)  # each at once
    by_table = defaultdict(list)
    for (table_id, _version, _number), times in starts.items():
        by_table[table_id] += times
    for times in by_table.values():  # sections of one table_id at least 25 ms apart
        ordered = sorted(times)
        assert min((b - a for a, b in pairwise(ordered)), default=1) >= 0.024
    assert set(done.intervals) == set(limits) and all(done.intervals[t] <= limits[t] for t in limits)


def test_patching_in_place_gives_the_same_file(cable_ts: Path, with_si: tuple, tmp_path: Path) -> None:
    target, si, _done = with_si
    copy = tmp_path / "in_place.ts"
    copy.write_bytes(cable_ts.read_bytes())
    patch_si(copy, dvb_tables(si.present_following, si.schedule, si.service, si.clock))
    assert copy.read_bytes() == target.read_bytes()


def test_a_file_that_is_not_a_transport_stream_is_refused(tmp_path: Path, cable_ts: Path) -> None:
    odd = tmp_path / "odd.ts"
    odd.write_bytes(cable_ts.read_bytes()[:188 * 50] + b"\x00")
    with pytest.raises(UnsupportedMedia):
        mux_rate(odd)
    assert mux_rate(cable_ts) == pytest.approx(SMALL_CABLE.muxrate_kbps * 1000, rel=1e-5)

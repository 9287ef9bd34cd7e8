"""DVB SI tables of one service (ETSI EN 300 468 §5.2, scheduling rules of ETSI TR 101 211 §4.1.4):
EIT present/following (0x4E), EIT schedule (0x50-0x5F), SDT (0x42), TDT (0x70), TOT (0x73). Pure: values in,
section bytes out; text through a TextEncoder, which collects what it had to replace."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from scheduler.exports.dvb_sections import (
    EIT_MAX_SECTION,
    bcd_duration,
    bcd_offset,
    descriptor,
    long_section,
    short_section,
    utc_time,
)
from scheduler.exports.dvb_text import TextEncoder

EIT_PF, EIT_SCHEDULE, SDT, TDT, TOT = 0x4E, 0x50, 0x42, 0x70, 0x73
SEGMENT = timedelta(hours=3)
SEGMENTS_PER_TABLE = 32  # 4 days a table, 16 tables: 64 days from today's midnight (UTC)
SECTIONS_PER_SEGMENT = 8
RUNNING, NOT_RUNNING, UNDEFINED = 4, 1, 0
DIGITAL_TV = 0x01  # service_type; what ffmpeg writes too
_EIT_HEAD = 14 + 4  # section header, ids, segment_last_section_number, last_table_id, CRC


@dataclass(frozen=True)
class ServiceIds:
    """The ids tying SI to the stream: the PAT/PMT's program_number is service_id (ffmpeg's defaults)."""

    transport_stream_id: int = 1
    original_network_id: int = 1
    service_id: int = 1


@dataclass(frozen=True)
class SiEvent:
    """One EIT event: id unique in the service, start, duration, name and one-line text."""

    event_id: int
    start: datetime
    duration: timedelta
    name: str
    text: str


def short_event(event: SiEvent, encoder: TextEncoder, language: bytes = b"zho") -> bytes:
    """short_event_descriptor (0x4D): language, event name, text (together within 255 bytes)."""
    name = encoder.encode(event.name, "event name", 125)
    text = encoder.encode(event.text, "event text", 250 - len(name))
    return descriptor(0x4D, language + bytes((len(name),)) + name + bytes((len(text),)) + text)


def eit_event(event: SiEvent, running_status: int, encoder: TextEncoder) -> bytes:
    """One event of an EIT section's loop, with its short_event_descriptor."""
    descriptors = short_event(event, encoder)
    return (
        struct.pack(">H", event.event_id) + utc_time(event.start) + bcd_duration(event.duration)
        + struct.pack(">H", running_status << 13 | len(descriptors)) + descriptors
    )


def _eit_section(ids: ServiceIds, table_id: int, version: int, number: int, last: int, segment_last: int,
                 last_table_id: int, events: bytes) -> bytes:
    body = struct.pack(">HHBB", ids.transport_stream_id, ids.original_network_id, segment_last, last_table_id)
    return long_section(table_id, ids.service_id, version, number, last, body + events)


def eit_present_following(ids: ServiceIds, present: SiEvent | None, following: SiEvent | None, version: int,
                          encoder: TextEncoder) -> tuple[bytes, bytes]:
    """EIT p/f actual: section 0 the event on air (running), section 1 the next (not running); either may be empty."""
    loops = [eit_event(e, status, encoder) if e else b"" for e, status in ((present, RUNNING), (following, NOT_RUNNING))]
    first, second = (_eit_section(ids, EIT_PF, version, n, 1, 1, EIT_PF, loop) for n, loop in enumerate(loops))
    return first, second


def eit_schedule(ids: ServiceIds, events: Sequence[SiEvent], today: date, version: int,
                 encoder: TextEncoder) -> list[bytes]:
    """EIT schedule actual from `today`'s midnight UTC: 3-hour segments of up to 8 sections, every segment up
    to the last used one sent (an empty one as one empty section); events before that midnight are left out."""
    midnight = datetime.combine(today, datetime.min.time(), UTC)
    segments: dict[int, list[bytes]] = {}
    for event in sorted(events, key=lambda e: e.start):
        index = (event.start - midnight) // SEGMENT
        if 0 <= index < 16 * SEGMENTS_PER_TABLE:
            segments.setdefault(index, []).append(eit_event(event, UNDEFINED, encoder))
    if not segments:
        return []
    last_index = max(segments)
    chunks = [_split(segments.get(i, []), i) for i in range(last_index + 1)]
    last_table_id = EIT_SCHEDULE + last_index // SEGMENTS_PER_TABLE
    sections = []
    for table in range(last_table_id - EIT_SCHEDULE + 1):
        in_table = chunks[table * SEGMENTS_PER_TABLE:(table + 1) * SEGMENTS_PER_TABLE]
        last = (len(in_table) - 1) * SECTIONS_PER_SEGMENT + len(in_table[-1]) - 1
        for segment, parts in enumerate(in_table):
            first_number = segment * SECTIONS_PER_SEGMENT
            for k, part in enumerate(parts):
                sections.append(_eit_section(ids, EIT_SCHEDULE + table, version, first_number + k, last,
                                             first_number + len(parts) - 1, last_table_id, part))
    return sections


def _split(loops: list[bytes], segment: int) -> list[bytes]:
    """A segment's events packed into as few sections as the EIT's 4,096 bytes allow (at least one)."""
    parts = [b""]
    for loop in loops:
        if parts[-1] and len(parts[-1]) + len(loop) + _EIT_HEAD > EIT_MAX_SECTION:
            parts.append(b"")
        parts[-1] += loop
    if len(parts) > SECTIONS_PER_SEGMENT:
        raise ValueError(f"segment {segment} needs {len(parts)} sections, more than {SECTIONS_PER_SEGMENT}")
    return parts


def sdt(ids: ServiceIds, service_name: str, provider_name: str, version: int, encoder: TextEncoder,
        service_type: int = DIGITAL_TV) -> bytes:
    """SDT actual: one running service with EIT schedule and p/f flags set and its service_descriptor (0x48)."""
    provider = encoder.encode(provider_name, "service provider")
    name = encoder.encode(service_name, "service name")
    service = descriptor(0x48, bytes((service_type, len(provider))) + provider + bytes((len(name),)) + name)
    flags = 0xFC | 0b10 | 0b01  # reserved, EIT_schedule_flag, EIT_present_following_flag
    body = struct.pack(">HBHBH", ids.original_network_id, 0xFF, ids.service_id, flags, RUNNING << 13 | len(service))
    return long_section(SDT, ids.transport_stream_id, version, 0, 0, body + service)


def tdt(now: datetime) -> bytes:
    """TDT: the UTC time."""
    return short_section(TDT, utc_time(now), with_crc=False)


def local_time_offset(now: datetime, offset: timedelta, change: datetime, next_offset: timedelta,
                      country: bytes = b"CHN") -> bytes:
    """local_time_offset_descriptor (0x58) for one country: the offset now, when it changes and to what."""
    negative = offset < timedelta(0)
    body = (
        country + bytes((0x02 | negative,)) + bcd_offset(offset) + utc_time(change) + bcd_offset(next_offset)
    )
    return descriptor(0x58, body)


def tot(now: datetime, offset: timedelta, change: datetime | None = None, next_offset: timedelta | None = None,
        country: bytes = b"CHN") -> bytes:
    """TOT: the UTC time and the local offset (no change ahead: the change is written as now, to the same offset)."""
    offsets = local_time_offset(now, offset, change or now, offset if next_offset is None else next_offset, country)
    return short_section(TOT, utc_time(now) + struct.pack(">H", 0xF000 | len(offsets)) + offsets, with_crc=True)

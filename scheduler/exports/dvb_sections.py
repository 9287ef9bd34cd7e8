"""The byte-level syntax of DVB SI sections (ISO/IEC 13818-1 §2.4.4, ETSI EN 300 468 §5): section
headers, CRC-32/MPEG-2, MJD + BCD UTC times, BCD durations, descriptors. Pure, standard library only."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta

MJD_EPOCH = date(1858, 11, 17)
MAX_SECTION = {0x42: 1024, 0x4E: 4096, 0x70: 8, 0x73: 1024}  # whole section, header and CRC included
EIT_MAX_SECTION = 4096


def _crc_table() -> tuple[int, ...]:
    """The byte table of CRC-32/MPEG-2 (polynomial 0x04C11DB7, not reflected)."""
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = (crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc32_mpeg2(data: bytes) -> int:
    """CRC-32/MPEG-2: initial 0xFFFFFFFF, no reflection, no final xor (a whole section checks to 0)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC_TABLE[(crc >> 24) ^ byte]
    return crc


def bcd(value: int) -> int:
    """Two decimal digits 0-99 as one BCD byte."""
    if not 0 <= value <= 99:
        raise ValueError(f"{value} does not fit two BCD digits")
    return (value // 10) << 4 | value % 10


def utc_time(moment: datetime) -> bytes:
    """40 bits: the UTC date as Modified Julian Date (16 bits), then hh:mm:ss in BCD (whole seconds)."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    utc = moment.astimezone(UTC)
    mjd = (utc.date() - MJD_EPOCH).days
    return struct.pack(">HBBB", mjd, bcd(utc.hour), bcd(utc.minute), bcd(utc.second))


def bcd_duration(length: timedelta) -> bytes:
    """24 bits: hh:mm:ss in BCD (whole seconds, at most 99:59:59)."""
    seconds = int(length.total_seconds())
    if seconds < 0:
        raise ValueError("a duration is never negative")
    hours, rest = divmod(seconds, 3600)
    return bytes((bcd(hours), bcd(rest // 60), bcd(rest % 60)))


def bcd_offset(offset: timedelta) -> bytes:
    """16 bits: an offset from UTC as hh:mm in BCD (its sign is written elsewhere)."""
    minutes = abs(int(offset.total_seconds())) // 60
    return bytes((bcd(minutes // 60), bcd(minutes % 60)))


def descriptor(tag: int, body: bytes) -> bytes:
    """A descriptor: tag, length, body (at most 255 bytes)."""
    if len(body) > 255:
        raise ValueError(f"descriptor 0x{tag:02X} body is {len(body)} bytes, more than 255")
    return bytes((tag, len(body))) + body


def long_section(table_id: int, extension: int, version: int, number: int, last: int, body: bytes) -> bytes:
    """A section with the long syntax: header, table_id_extension, version (current), numbers, body, CRC."""
    length = 5 + len(body) + 4
    limit = MAX_SECTION.get(table_id, EIT_MAX_SECTION if 0x4E <= table_id <= 0x6F else 1024)
    if length + 3 > limit:
        raise ValueError(f"section of table 0x{table_id:02X} is {length + 3} bytes, more than {limit}")
    head = struct.pack(">BHHBBB", table_id, 0xF000 | length, extension, 0xC1 | (version % 32) << 1, number, last)
    section = head + body
    return section + struct.pack(">I", crc32_mpeg2(section))


def short_section(table_id: int, body: bytes, *, with_crc: bool) -> bytes:
    """A section with the short syntax (section_syntax_indicator 0), as TDT (no CRC) and TOT (CRC) are."""
    length = len(body) + (4 if with_crc else 0)
    section = struct.pack(">BH", table_id, 0x7000 | length) + body
    return section + struct.pack(">I", crc32_mpeg2(section)) if with_crc else section

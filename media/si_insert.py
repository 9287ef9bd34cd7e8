"""DVB SI placed into a CBR MPEG-TS in the packets it does not need: null packets (PID 0x1FFF), and the SDT,
EIT and TDT/TOT packets it already has (ffmpeg's SDT, with both EIT flags 0, is replaced by ours).

No packet moves, so the mux rate, PCR spacing and PAT/PMT spacing stay as they were. A packet's time is
its position at the mux rate the file's PCRs show (a CBR stream's PCR is linear in its position). The file
is read in chunks, never whole: `insert_si` writes a copy beside the target and renames it into place;
`patch_si` rewrites only the changed packets of a file nobody reads yet (a render's temporary file).
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from media.atomic_write import atomic_output
from media.errors import UnsupportedMedia
from media.si_carousel import EIT_PID, PACKET, SDT_PID, TIME_PID, Carousel, SiTable, stepwise

CHUNK_PACKETS = 16384  # about 3 MB read at a time
RATE_WINDOW = 32 * 1024 * 1024  # bytes read to measure the mux rate from the PCRs
NULL_PACKET = bytes((0x47, 0x1F, 0xFF, 0x10)) + b"\xff" * (PACKET - 4)
_NULL = re.compile(rb"\x47[\x1f\x3f\x5f\x7f\x9f\xbf\xdf\xff]\xff")
_OLD_SI = re.compile(rb"\x47[\x00\x20\x40\x60\x80\xa0\xc0\xe0][\x11\x12\x14]")
# Repetition (ETSI TR 101 211 §4.4 maxima: SDT and EIT p/f 2 s, EIT schedule 10 s, TDT/TOT 30 s).
PERIODS = {"present_following": 1.0, "service": 1.0, "schedule": 5.0, "clock": 5.0}

Writer = Callable[[bytearray, int, set[int]], object]


@dataclass(frozen=True)
class SiInsertion:
    """What was done: packets in the file, its mux rate, packets now carrying SI, the longest repetition
    interval measured per table_id (seconds), and the wall time it took."""

    path: Path
    packets: int
    bits_per_second: float
    si_packets: int
    intervals: dict[int, float]
    wall_seconds: float


def dvb_tables(
    present_following: Sequence[tuple[float, Sequence[bytes]]],
    schedule: Sequence[tuple[float, Sequence[bytes]]],
    service: Sequence[bytes],
    clock: Callable[[float], Sequence[bytes]],
) -> list[SiTable]:
    """The usual tables on their PIDs at PERIODS: clock (TDT, TOT), SDT, EIT p/f, EIT schedule."""
    return [
        SiTable(TIME_PID, PERIODS["clock"], clock),
        SiTable(SDT_PID, PERIODS["service"], lambda _second: service),
        SiTable(EIT_PID, PERIODS["present_following"], stepwise(present_following)),
        SiTable(EIT_PID, PERIODS["schedule"], stepwise(schedule)),
    ]


def insert_si(source: Path, target: Path, tables: Sequence[SiTable]) -> SiInsertion:
    """Copy source to target (may be the same file) with the SI in its free packets, renamed into place."""
    began = time.monotonic()
    rate = mux_rate(source)
    with source.open("rb") as reader, atomic_output(target) as temp, temp.open("wb") as out:
        count, carousel = _run(_chunks(reader), tables, rate, lambda buf, _index, _changed: out.write(buf))
    return _result(target, count, rate, carousel, began)


def patch_si(path: Path, tables: Sequence[SiTable]) -> SiInsertion:
    """Put the SI into the file's free packets in place, writing only the packets that change."""
    began = time.monotonic()
    rate = mux_rate(path)
    with path.open("r+b") as file:
        fd = file.fileno()

        def write(buf: bytearray, index: int, changed: set[int]) -> None:
            for j in sorted(changed):
                os.pwrite(fd, bytes(buf[j * PACKET:(j + 1) * PACKET]), (index + j) * PACKET)

        count, carousel = _run(_chunks(file), tables, rate, write)
    return _result(path, count, rate, carousel, began)


def mux_rate(path: Path) -> float:
    """Bits per second between the first and the last PCR of the first PCR PID in the file's first 32 MB."""
    with path.open("rb") as file:
        head = file.read(RATE_WINDOW)
    if len(head) < PACKET or head[0] != 0x47 or path.stat().st_size % PACKET:
        raise UnsupportedMedia(f"{path.name} is not an MPEG-TS of 188-byte packets")
    pcrs = list(_pcrs(head))
    if len(pcrs) < 2 or pcrs[-1][1] <= pcrs[0][1]:
        raise UnsupportedMedia(f"{path.name} has no PCRs to time its packets by")
    (first, first_pcr), (last, last_pcr) = pcrs[0], pcrs[-1]
    return (last - first) * PACKET * 8 * 27_000_000 / (last_pcr - first_pcr)


def _pcrs(data: bytes) -> Iterable[tuple[int, int]]:
    """(packet index, PCR in 27 MHz ticks) of the first PID that carries a PCR."""
    pid = None
    for index in range(len(data) // PACKET):
        p = data[index * PACKET:(index + 1) * PACKET]
        if not (p[3] & 0x20 and p[4] >= 7 and p[5] & 0x10):
            continue
        this = (p[1] & 0x1F) << 8 | p[2]
        pid = this if pid is None else pid
        if this == pid:
            base = int.from_bytes(p[6:11], "big")
            yield index, (base >> 7) * 300 + (base & 0x1FF)


def _chunks(file: BinaryIO) -> Iterable[bytearray]:
    while chunk := file.read(CHUNK_PACKETS * PACKET):
        yield bytearray(chunk)


def _run(chunks: Iterable[bytearray], tables: Sequence[SiTable], rate: float, write: Writer) -> tuple[int, Carousel]:
    """Fill each chunk's free packets with what the carousel has due; hand each chunk to write."""
    carousel = Carousel(tables)
    seconds_per_packet = PACKET * 8 / rate
    index = 0
    for buf in chunks:
        count = len(buf) // PACKET
        changed = _clear_old_si(buf)
        k = 0
        while k < count:
            due = carousel.next_due()
            if math.isinf(due) and due > 0:
                break
            k = max(k, math.ceil(due / seconds_per_packet) - index) if due > -math.inf else k
            j = _next_null(buf, k, count)
            if j >= count:
                break
            packet = carousel.take((index + j) * seconds_per_packet)
            if packet is not None:
                buf[j * PACKET:(j + 1) * PACKET] = packet
                changed.add(j)
            k = j + 1
        write(buf, index, changed)
        index += count
    return index, carousel


def _clear_old_si(buf: bytearray) -> set[int]:
    """Turn the SDT, EIT and TDT/TOT packets already in the chunk into null packets; their indices."""
    cleared = {m.start() // PACKET for m in _OLD_SI.finditer(buf) if m.start() % PACKET == 0}
    for j in cleared:
        buf[j * PACKET:(j + 1) * PACKET] = NULL_PACKET
    return cleared


def _next_null(buf: bytearray, k: int, count: int) -> int:
    """The index of the first null packet at or after k (count if none)."""
    at = k * PACKET
    while match := _NULL.search(buf, at):
        if match.start() % PACKET == 0:
            return match.start() // PACKET
        at = (match.start() // PACKET + 1) * PACKET
    return count


def _result(path: Path, count: int, rate: float, carousel: Carousel, began: float) -> SiInsertion:
    return SiInsertion(path, count, rate, carousel.sent_packets, dict(carousel.intervals),
                       time.monotonic() - began)

"""Which SI packet goes into the next free packet of a transport stream: tables repeated at their periods.

Each table's sections are asked for when its cycle starts (so TDT and TOT carry the time of that moment)
and sent one by one, each starting a packet (pointer_field 0) and stuffed with 0xFF to its end. Sections of
one table_id are at least 25 ms apart (ETSI TR 101 211 §4.4), sections on one PID never interleave, and
continuity counters run on per PID. The longest time between two sendings of each section is measured.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PACKET = 188
SDT_PID, EIT_PID, TIME_PID = 0x11, 0x12, 0x14
SECTION_GAP = 0.025  # seconds from the last byte of a section to the next of the same table_id


@dataclass(frozen=True)
class SiTable:
    """Sections repeated on a PID every `period` seconds: `sections(second)` gives those in force then."""

    pid: int
    period: float
    sections: Callable[[float], Sequence[bytes]]


def stepwise(carousel: Sequence[tuple[float, Sequence[bytes]]]) -> Callable[[float], Sequence[bytes]]:
    """The sections of the last (from second, sections) entry begun at a second (none before the first)."""
    starts = [start for start, _ in carousel]

    def at(second: float) -> Sequence[bytes]:
        index = bisect.bisect_right(starts, second) - 1
        return () if index < 0 else carousel[index][1]

    return at


def packets(pid: int, section: bytes, counter: int) -> tuple[list[bytes], int]:
    """A section split into TS packets from the continuity counter given; the counter after them."""
    payload = b"\x00" + section
    out = []
    for offset in range(0, len(payload), PACKET - 4):
        start = 0x40 if offset == 0 else 0x00
        head = bytes((0x47, start | pid >> 8, pid & 0xFF, 0x10 | counter))
        out.append((head + payload[offset:offset + PACKET - 4]).ljust(PACKET, b"\xff"))
        counter = (counter + 1) % 16
    return out, counter


def _key(section: bytes) -> tuple[int, int]:
    """A section's table_id and section_number (0 for short sections, which have none)."""
    return section[0], section[6] if section[1] & 0x80 else 0


class Carousel:
    """The state of every table's cycle and each PID's packets under way."""

    def __init__(self, tables: Sequence[SiTable]) -> None:
        self.tables = list(tables)
        self.due = [0.0] * len(self.tables)
        self.pending: list[deque[bytes]] = [deque() for _ in self.tables]
        self.queues: dict[int, deque[bytes]] = {t.pid: deque() for t in self.tables}
        self.sending: dict[int, int] = {}  # pid -> table_id of the section under way
        self.counters: dict[int, int] = dict.fromkeys(self.queues, 0)
        self.ready: dict[int, float] = {}  # table_id -> when its next section may start
        self.last_sent: dict[tuple[int, int], float] = {}
        self.intervals: dict[int, float] = {}  # table_id -> longest time between sendings of one section
        self.sent_packets = 0

    def next_due(self) -> float:
        """The earliest second at which take() may give a packet."""
        if any(self.queues.values()):
            return -math.inf
        times = [self.due[i] for i in range(len(self.tables)) if not self.pending[i]]
        times += [self.ready.get(p[0][0], -math.inf) for p in self.pending if p]
        return min(times, default=math.inf)

    def take(self, second: float) -> bytes | None:
        """The packet to send at this second, if any."""
        for i, table in enumerate(self.tables):
            if not self.pending[i] and second >= self.due[i]:
                self.pending[i].extend(table.sections(second))
                self.due[i] = max(self.due[i] + table.period, second)
        for i, table in enumerate(self.tables):
            pending = self.pending[i]
            if pending and not self.queues[table.pid] and second >= self.ready.get(pending[0][0], -math.inf):
                self._start(table.pid, pending.popleft(), second)
        for pid, queue in self.queues.items():
            if queue:
                packet = queue.popleft()
                self.sent_packets += 1
                if not queue:
                    self.ready[self.sending.pop(pid)] = second + SECTION_GAP
                return packet
        return None

    def _start(self, pid: int, section: bytes, second: float) -> None:
        """Queue a section's packets and note when it went out."""
        out, self.counters[pid] = packets(pid, section, self.counters[pid])
        self.queues[pid].extend(out)
        self.sending[pid] = section[0]
        key = _key(section)
        if key in self.last_sent:
            gap = second - self.last_sent[key]
            self.intervals[key[0]] = max(self.intervals.get(key[0], 0.0), gap)
        self.last_sent[key] = second

"""The SI carousel without a file: packetisation, continuity counters, periods and the 25 ms gap."""

from __future__ import annotations

import itertools
from collections import defaultdict

from media.si_carousel import EIT_PID, Carousel, SiTable, packets, stepwise


def long_section(table_id: int, number: int, size: int) -> bytes:
    """A stand-in long-syntax section of `size` bytes (the carousel reads only its header)."""
    return bytes((table_id, 0xF0, 0x00, 0, 1, 0xC1, number, 0)) + b"\x55" * (size - 8)


def test_a_section_is_split_into_packets_the_first_starting_it_the_last_stuffed() -> None:
    section = long_section(0x50, 0, 400)
    out, counter = packets(EIT_PID, section, 14)
    assert len(out) == 3 and counter == 1 and all(len(p) == 188 and p[0] == 0x47 for p in out)
    assert [p[1] & 0x40 for p in out] == [0x40, 0, 0]  # payload_unit_start on the first only
    assert [(p[1] & 0x1F) << 8 | p[2] for p in out] == [EIT_PID] * 3
    assert [p[3] for p in out] == [0x1E, 0x1F, 0x10]  # payload only, counter 14, 15, 0
    payload = b"".join(p[4:] for p in out)
    assert payload[0] == 0 and payload[1:401] == section and set(payload[401:]) == {0xFF}


def test_stepwise_gives_the_sections_begun_last() -> None:
    at = stepwise([(0.0, (b"a",)), (4.0, (b"b",)), (8.0, (b"c",))])
    assert [at(s) for s in (0.0, 3.99, 4.0, 100.0)] == [(b"a",), (b"a",), (b"b",), (b"c",)]
    assert stepwise([(2.0, (b"a",))])(1.0) == ()


def test_tables_repeat_at_their_period_and_sections_of_a_table_keep_25_ms_apart() -> None:
    schedule = tuple(long_section(0x50, n, 300) for n in range(0, 40, 8))
    pf = (long_section(0x4E, 0, 100), long_section(0x4E, 1, 100))
    carousel = Carousel([SiTable(EIT_PID, 1.0, lambda _s: pf), SiTable(EIT_PID, 5.0, lambda _s: schedule)])
    starts: dict[tuple[int, int], list[float]] = defaultdict(list)
    counters = []
    for slot in range(12_000):  # a free packet every millisecond for 12 s
        second = slot / 1000
        packet = carousel.take(second)
        if packet is not None:
            counters.append(packet[3] & 0x0F)
            if packet[1] & 0x40:
                starts[(packet[5], packet[11])].append(second)
    assert all((b - a) % 16 == 1 for a, b in itertools.pairwise(counters))  # one PID, no gap
    assert len(starts[(0x4E, 0)]) == 12 and len(starts[(0x50, 32)]) == 3
    for times in starts.values():
        assert max(b - a for a, b in itertools.pairwise(times)) <= 5.01
    by_table: dict[int, list[float]] = defaultdict(list)
    for (table_id, _number), times in starts.items():
        by_table[table_id] += times
    for times in by_table.values():
        ordered = sorted(times)
        assert min(b - a for a, b in itertools.pairwise(ordered)) >= 0.025 - 1e-9
    assert carousel.intervals[0x4E] <= 1.01 and carousel.intervals[0x50] <= 5.01

"""The DVB SI of a day file in time: which EIT, SDT, TDT and TOT sections are in force at each second.

A day file starts at its broadcast day's start. EIT p/f changes (new version) at each programme's start;
the EIT schedule (the day and, when published, the next day, from the programmes XMLTV writes) is rebuilt
when the UTC date changes, since its segments count from today's midnight UTC; SDT never changes in a
file; TDT and TOT are built for the second asked. Versions derive from the published plan versions, so a
republication gives new ones. Pure: data in, bytes out.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import pairwise

from scheduler.exports.dvb_si import (
    ServiceIds,
    SiEvent,
    eit_present_following,
    eit_schedule,
    sdt,
    tdt,
    tot,
)
from scheduler.exports.dvb_text import Charset, TextEncoder, TextWarning
from scheduler.exports.programmes import Programme

Carousel = tuple[tuple[float, tuple[bytes, ...]], ...]  # (from second, sections in force), in time order


@dataclass(frozen=True)
class SiOptions:
    """How the SI is written: ids matching the mux, the EIT text's table, the SDT names' table, the provider."""

    ids: ServiceIds = field(default_factory=ServiceIds)
    charset: Charset = Charset.GB2312
    sdt_names_gb2312: bool = False  # False: the SDT names in UTF-8, as ffmpeg writes them
    provider: str = "airclass"


@dataclass(frozen=True)
class EpgDay:
    """A published channel day for the EIT: its date, plan version and programmes."""

    day: date
    version: int
    programmes: Sequence[Programme]


@dataclass(frozen=True)
class DaySi:
    """The SI of one file: carousels of sections by second, the SDT, the zone for TDT/TOT, what was replaced."""

    start: datetime
    present_following: Carousel
    schedule: Carousel
    service: tuple[bytes, ...]
    zone: tzinfo
    warnings: tuple[TextWarning, ...] = ()
    changes: tuple[datetime, ...] = ()  # UTC offset changes of the zone ahead (DST)

    def clock(self, second: float) -> tuple[bytes, ...]:
        """TDT and TOT at that second of the file."""
        now = self.start.astimezone(UTC) + timedelta(seconds=int(second))
        offset = now.astimezone(self.zone).utcoffset() or timedelta(0)
        change = next((c for c in self.changes if c > now), None)
        following = (change.astimezone(self.zone).utcoffset() or offset) if change else None
        return tdt(now), tot(now, offset, change, following)


def event_id(day: date, index: int) -> int:
    """An event id unique among two months of days (day ordinal mod 64, then the programme's index)."""
    if not 0 <= index < 1024:
        raise ValueError(f"programme {index} of {day}: at most 1,024 programmes a day")
    return (day.toordinal() % 64) << 10 | index


def si_events(epg: EpgDay) -> list[SiEvent]:
    """A day's programmes as EIT events: same start, duration and title as XMLTV; text subject and teacher."""
    return [
        SiEvent(event_id(epg.day, i), p.start, p.stop - p.start, p.title, p.text)
        for i, p in enumerate(epg.programmes)
    ]


def day_si(name: str, today: EpgDay, tomorrow: EpgDay | None, *, start: datetime, seconds: float,
           options: SiOptions | None = None) -> DaySi:
    """The SI of a file `seconds` long starting at `start`, carrying today's and (if given) tomorrow's EIT."""
    if start.tzinfo is None:
        raise ValueError("an aware start is needed")
    options = options or SiOptions()
    events = si_events(today)
    later = si_events(tomorrow) if tomorrow else []
    encoder = TextEncoder(options.charset)
    present_following = _present_following(events, later, start, seconds, today.version, options.ids, encoder)
    schedule = _schedule([*events, *later], start, seconds, today.version + (tomorrow.version if tomorrow else 0),
                         options.ids, encoder)
    names = TextEncoder(Charset.GB2312 if options.sdt_names_gb2312 else Charset.UTF8)
    service = (sdt(options.ids, name, options.provider, today.version, names),)
    warnings = tuple(dict.fromkeys([*encoder.warnings, *names.warnings]))
    zone = start.tzinfo
    return DaySi(start, present_following, schedule, service, zone, warnings, _changes(zone, start))


def _second(start: datetime, moment: datetime) -> float:
    return max((moment - start).total_seconds(), 0.0)


def _present_following(events: list[SiEvent], later: list[SiEvent], start: datetime, seconds: float, version: int,
                       ids: ServiceIds, encoder: TextEncoder) -> Carousel:
    """One p/f pair per programme on air during the file (versions counted on from the plan's)."""
    after = [*events, *later]
    carousel: list[tuple[float, tuple[bytes, ...]]] = []
    for index, event in enumerate(events):
        on_air = _second(start, event.start)
        if on_air >= seconds or event.start + event.duration <= start:
            continue
        following = after[index + 1] if index + 1 < len(after) else None
        pair = eit_present_following(ids, event, following, version + index, encoder)
        carousel.append((on_air if carousel else 0.0, pair))
    return tuple(carousel)


def _schedule(events: list[SiEvent], start: datetime, seconds: float, version: int, ids: ServiceIds,
              encoder: TextEncoder) -> Carousel:
    """The EIT schedule as of each UTC date the file spans (it changes at midnight UTC)."""
    first = start.astimezone(UTC)
    carousel: list[tuple[float, tuple[bytes, ...]]] = []
    day, index = first.date(), 0
    while (at := _second(first, datetime.combine(day, datetime.min.time(), UTC))) < seconds:
        sections = tuple(eit_schedule(ids, events, day, version + index, encoder))
        carousel.append((at, sections))
        day, index = day + timedelta(days=1), index + 1
    return tuple(carousel)


def _changes(zone: tzinfo, start: datetime, days: int = 400) -> tuple[datetime, ...]:
    """The instants (UTC) when the zone's offset changes within `days` of start: found by day, then bisected."""
    utc = start.astimezone(UTC)
    hours = [utc + timedelta(hours=h) for h in range(0, days * 24, 24)]
    found = []
    for before, after in pairwise(hours):
        if before.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            seconds = list(range(int((after - before).total_seconds()) + 1))
            offset = before.astimezone(zone).utcoffset()
            cut = bisect.bisect_left(
                seconds, True, key=lambda s: (before + timedelta(seconds=s)).astimezone(zone).utcoffset() != offset
            )
            found.append(before + timedelta(seconds=cut))
    return tuple(found)

"""iCalendar feeds (RFC 5545, RFC 7986) of a grade's lessons, built with the icalendar library.

Pure builder: data in, bytes out; a fixed `stamp` gives byte-identical output. One calendar per
feed: the caller picks the events (a grade's, or a grade's in one subject) and the title.

- A feed event is one lesson or replay slot that airs a recording, from its slot's start to its
  end. Its UID is derived from channel, date and slot (`20200210-s3@grade3.jiaxing.airclass`),
  so it survives republishing. `revise` compares the events about to be published with the ones
  published before: SEQUENCE goes up when an event changes, and an event that disappeared (a
  revoked recording replaced by standby, a removed slot) is kept with STATUS:CANCELLED.
- The calendar has VERSION, PRODID, NAME and X-WR-CALNAME, REFRESH-INTERVAL;VALUE=DURATION:PT1H,
  X-PUBLISHED-TTL:PT1H, and a VTIMEZONE for each zone its events use (icalendar builds it from
  zoneinfo, covering just the span of the events).
- Text (summary, description, calendar name and description, always escaped as TEXT; the name on
  one line): CR LF and a lone CR become LF (escaped `\\n` on the
  wire); other control characters (C0 but tab and LF, and DEL: RFC 5545 forbids them in TEXT; C1
  too, as the XMLTV export does), lone surrogates and stray byte order marks (U+FEFF, which
  icalendar strips at a value's start) are dropped; the rest passes byte for byte.
- Lines end in CRLF and fold at 75 octets, never inside a UTF-8 character or a TEXT escape:
  icalendar 7.3 keeps `\\n`, `\\,`, `\\;` whole but can still split `\\\\` (it only looks at the
  last character), so its unfolded content lines are folded here by escape-aware rules.
- A zone's VTIMEZONE over a span is built once and kept (icalendar walks the zone hour by hour).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urljoin

from icalendar import Calendar, Event, Timezone, vDuration, vText

from scheduler.domain.channels import Channel, SlotKind
from scheduler.domain.plan import Airing, ChannelDayPlan, SlotStatus

PRODID = "-//airclass//air classroom schedule//ZH"
REFRESH = timedelta(hours=1)
ON_DEMAND = "点播："  # the description line with the lesson's on-demand address
_FOLD_OCTETS = 75
_TOKEN = re.compile(r"\\.|.", re.DOTALL)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")


def ical_text(text: str) -> str:
    """Text fit for a TEXT value: line breaks as LF, no other control character, no lone surrogate."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Feed:
    """A calendar: its title (e.g. 嘉兴空中课堂·三年级 数学) and an optional description."""

    title: str
    description: str = ""


@dataclass(frozen=True)
class FeedEvent:
    """One lesson on a feed, as published at one version."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    url: str | None = None
    cancelled: bool = False


def event_uid(channel_id: str, day: date, slot: int) -> str:
    """The stable UID of a slot's event: 20200210-s3@grade3.jiaxing.airclass."""
    return f"{day:%Y%m%d}-s{slot}@{channel_id}"


def _description(channel: Channel, airing: Airing) -> str:
    """Teacher, school and county; where to watch (where to watch again is added when the feed is written)."""
    recording = airing.recording
    assert recording is not None
    numbers = "，".join(f"{d.name} {d.number}" for d in channel.distributors)
    lines = [f"主讲：{recording.teacher}（{recording.school}，{recording.county}）"]
    lines.append(f"频道：{channel.name}" + (f"（{numbers}）" if numbers else ""))
    return "\n".join(lines)


def _on_demand(channel: Channel, airing: Airing) -> str | None:
    """The channel's on-demand address of the lesson's recording, when the channel has one."""
    if channel.on_demand_url is None or airing.recording is None:
        return None
    return channel.on_demand_url.format(recording=airing.recording.id)


def feed_events(
    channel: Channel,
    plan: ChannelDayPlan,
    *,
    subject: str | None = None,
    on_demand: Callable[[Airing], str | None] | None = None,
) -> tuple[FeedEvent, ...]:
    """The feed events of a day: its filled lesson and replay slots (of one subject if given), SEQUENCE 0."""
    airing_by_slot = {e.slot: e.airing for e in plan.events if e.airing is not None}
    events = []
    for report in plan.slots:
        airing = airing_by_slot.get(report.slot)
        if report.status is not SlotStatus.FILLED or report.kind not in (SlotKind.LESSON, SlotKind.REPLAY):
            continue
        if airing is None or (subject is not None and airing.lesson.subject != subject):
            continue
        url = on_demand(airing) if on_demand else _on_demand(channel, airing)
        summary = airing.lesson.label + ("（重播）" if report.kind is SlotKind.REPLAY else "")
        start, end = channel.moment(plan.day, report.start), channel.moment(plan.day, report.start + report.frames)
        uid = event_uid(channel.id, plan.day, report.slot)
        events.append(FeedEvent(uid, 0, start, end, summary, _description(channel, airing), url))
    return tuple(events)


def _same_content(a: FeedEvent, b: FeedEvent) -> bool:
    """Whether two versions of an event differ only in SEQUENCE."""
    return all(getattr(a, f.name) == getattr(b, f.name) for f in fields(FeedEvent) if f.name != "sequence")


def revise(previous: Sequence[FeedEvent], current: Sequence[FeedEvent]) -> tuple[FeedEvent, ...]:
    """The events to publish now: SEQUENCE up for changed ones, the vanished ones kept as cancelled."""
    before = {event.uid: event for event in previous}
    now = {event.uid for event in current}
    revised = []
    for event in current:
        old = before.get(event.uid)
        sequence = event.sequence if old is None else old.sequence + (0 if _same_content(old, event) else 1)
        revised.append(replace(event, sequence=sequence))
    for old in previous:
        if old.uid not in now:
            revised.append(old if old.cancelled else replace(old, cancelled=True, sequence=old.sequence + 1))
    return tuple(sorted(revised, key=lambda event: (event.start, event.uid)))


def _vevent(event: FeedEvent, stamp: datetime, base_url: str) -> Event:
    """A VEVENT with a fixed DTSTAMP, its times in their zone (TZID)."""
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("dtstart", event.start)
    vevent.add("dtend", event.end)
    vevent.add("summary", ical_text(event.summary))
    url = urljoin(base_url + "/", event.url) if event.url else None
    description = event.description
    if url and ON_DEMAND not in description:  # feeds published before the line was added here carry it already
        description += f"\n{ON_DEMAND}{url}"
    if ical_text(description):
        vevent.add("description", ical_text(description))
    if url:
        vevent.add("url", url)
    return vevent


def _calendar(feed: Feed) -> Calendar:
    """The calendar's own properties."""
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # vText: icalendar would write NAME and X-WR-* raw (unescaped), and refuses a line break there.
    title, description = vText(" ".join(ical_text(feed.title).split())), vText(ical_text(feed.description))
    calendar.add("name", title)
    calendar.add("x-wr-calname", title)
    if description:
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


def _fold(line: str) -> str:
    """Fold one content line at 75 octets, never inside a UTF-8 character or a backslash escape."""
    if len(line) * 4 <= _FOLD_OCTETS or len(line.encode()) <= _FOLD_OCTETS:
        return line
    parts: list[str] = []
    current, size, limit = "", 0, _FOLD_OCTETS
    for token in _TOKEN.findall(line):
        octets = len(token.encode())
        if current and size + octets > limit:
            parts.append(current)
            current, size, limit = "", 0, _FOLD_OCTETS - 1  # a continuation line starts with a space
        current, size = current + token, size + octets
    return "\r\n ".join([*parts, current])


def refold(ical: bytes) -> bytes:
    """Unfold a serialised calendar and fold it again by `_fold`'s rules."""
    lines = ical.decode("utf-8").replace("\r\n ", "").split("\r\n")
    return "\r\n".join(_fold(line) if line else line for line in lines).encode("utf-8")


def to_ical(feed: Feed, events: Sequence[FeedEvent], *, stamp: datetime, base_url: str) -> bytes:
    """One iCalendar feed of these events; `stamp` (aware) is every DTSTAMP; an on-demand address that is a
    path (/watch/12) is made absolute on `base_url`, where families reach the service."""
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("stamp must be an aware datetime")
    calendar = _calendar(feed)
    for event in sorted(events, key=lambda item: (item.start, item.uid)):
        calendar.add_component(_vevent(event, stamp.astimezone(UTC), base_url))
    if events:
        first = min(e.start for e in events).date() - timedelta(days=1)
        last = max(e.end for e in events).date() + timedelta(days=1)
        for index, tzid in enumerate(sorted(calendar.get_missing_tzids())):
            calendar.subcomponents.insert(index, _timezone(tzid, first, last))  # before the events
    # icalendar's unfolded content lines, folded once by our rules (its own folding can split `\\`).
    lines = (_fold(line) for line in calendar.content_lines() if line)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@lru_cache(maxsize=64)
def _timezone(tzid: str, first: date, last: date) -> Timezone:
    """The VTIMEZONE of a zone over a span; building it walks every hour of the span, so it is kept."""
    return Timezone.from_tzid(tzid, first_date=first, last_date=last)

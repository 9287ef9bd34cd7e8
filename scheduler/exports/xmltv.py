"""XMLTV export of channel days (the programme guide cable head-ends and EPG tools read), built with lxml.

Pure builder: data in, bytes out. The output follows the XMLTV DTD and passes `tv_validate_file`:

- `<channel id>` with `display-name lang="zh"`: the channel's name, then "number name" once per
  distinct number on its distributors (e.g. "801 嘉兴空中课堂·三年级").
- One `<programme>` per slot, from its start to its end: a lesson slot's recording and the tail
  filler after it make one programme, as do all passes of a looped break, filler or standby
  clip; the programme filler between two slots is one programme too. So the guide shows the
  published timetable, and consecutive events are merged by one rule: same slot, same programme.
- `start`/`stop` as `YYYYMMDDhhmmss +0800`: the offset of the channel's zone at that instant.
  XMLTV counts in seconds: a boundary inside a second is written at its whole second.
- Children in DTD order: title, sub-title (the lesson's title), desc (teacher, school, county),
  category (subject), episode-num system="onscreen" (第12课), previously-shown for replays.
- Text: characters XML 1.0 forbids, C1 controls and U+FFFD are dropped; runs of whitespace
  (CR, LF, tabs) become one space; an empty desc is left out; a title never is empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import groupby

from lxml import etree

from scheduler.domain.channels import Channel
from scheduler.domain.plan import ChannelDayPlan, Event, EventKind

DOCTYPE = '<!DOCTYPE tv SYSTEM "xmltv.dtd">'
_UNWANTED = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffc\U00010000-\U0010ffff]")
_WHITESPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Text fit for an XMLTV element: no forbidden or control characters, on one line."""
    return _WHITESPACE.sub(" ", _UNWANTED.sub("", text)).strip()


def _add(parent: etree._Element, tag: str, text: str, **attributes: str) -> None:
    """Append a child element with cleaned text, unless the text is empty."""
    cleaned = clean_text(text)
    if cleaned:
        child = etree.SubElement(parent, tag, attributes)
        child.text = cleaned


def _channel_element(channel: Channel) -> etree._Element:
    """`<channel>` with its name and its numbers."""
    element = etree.Element("channel", id=channel.id)
    names = [channel.name, *(f"{d.number} {channel.name}" for d in channel.distributors)]
    for name in dict.fromkeys(clean_text(n) for n in names):
        _add(element, "display-name", name, lang="zh")
    return element


def _stamp(channel: Channel, plan: ChannelDayPlan, offset: int) -> str:
    """An XMLTV time with the zone's offset at that instant."""
    return channel.moment(plan.day, offset).strftime("%Y%m%d%H%M%S %z")


def _programme(channel: Channel, plan: ChannelDayPlan, events: Sequence[Event]) -> etree._Element:
    """One `<programme>` for a slot's events (or the filler between two slots)."""
    first = events[0]
    element = etree.Element(
        "programme",
        start=_stamp(channel, plan, first.start),
        stop=_stamp(channel, plan, events[-1].end),
        channel=channel.id,
    )
    etree.SubElement(element, "title", lang="zh").text = clean_text(first.title) or clean_text(channel.name)
    airing = first.airing
    if airing is not None and airing.recording is not None:
        lesson, recording = airing.lesson, airing.recording
        _add(element, "sub-title", lesson.title, lang="zh")
        _add(element, "desc", f"主讲：{recording.teacher}（{recording.school}，{recording.county}）", lang="zh")
        _add(element, "category", lesson.subject_name, lang="zh")
        _add(element, "episode-num", f"第{lesson.sequence}课", system="onscreen")
        if first.kind is EventKind.REPLAY:
            etree.SubElement(element, "previously-shown")
    return element


def _programmes(channel: Channel, plan: ChannelDayPlan) -> Iterator[etree._Element]:
    """A day's programmes: consecutive events of one slot merged."""
    for _, group in groupby(plan.events, key=lambda event: event.slot):
        yield _programme(channel, plan, list(group))


def _ordered_days(channels: Sequence[Channel], days: Sequence[ChannelDayPlan]) -> list[tuple[Channel, ChannelDayPlan]]:
    """Days paired with their channel, in channel order then date; refuses strays and empty channels."""
    by_id = {channel.id: channel for channel in channels}
    if len(by_id) != len(channels):
        raise ValueError("a channel is listed twice")
    strays = sorted({plan.channel_id for plan in days} - by_id.keys())
    if strays:
        raise ValueError(f"days given for channels not listed: {', '.join(strays)}")
    empty = [c.id for c in channels if all(plan.channel_id != c.id for plan in days)]
    if empty:
        raise ValueError(f"no day to export for {', '.join(empty)}")
    order = {channel.id: index for index, channel in enumerate(channels)}
    ordered = sorted(days, key=lambda plan: (order[plan.channel_id], plan.day))
    return [(by_id[plan.channel_id], plan) for plan in ordered]


def to_xmltv(channels: Sequence[Channel], days: Sequence[ChannelDayPlan], *, generator_info: str) -> bytes:
    """One XMLTV document for these channels and their days (each channel needs at least one day)."""
    pairs = _ordered_days(channels, days)
    root = etree.Element("tv", {"generator-info-name": clean_text(generator_info) or "airclass"})
    root.extend(_channel_element(channel) for channel in channels)
    for channel, plan in pairs:
        root.extend(_programmes(channel, plan))
    document: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True, doctype=DOCTYPE, pretty_print=True)
    return document

"""XMLTV export of channel days (the programme guide cable head-ends and EPG tools read), built with lxml.

Pure builder: data in, bytes out. The output follows the XMLTV DTD and passes `tv_validate_file`:

- `<channel id>` with `display-name lang="zh"`: the channel's name, then "number name" once per
  distinct number on its distributors (e.g. "801 嘉兴空中课堂·三年级").
- One `<programme>` per slot, from its start to its end: a lesson slot's recording and the tail
  filler after it make one programme, as do all passes of a looped break, filler or standby
  clip; the programme filler between two slots is one programme too. So the guide shows the
  published timetable, and consecutive events are merged by one rule: same slot, same programme.
  The list comes from programmes.py, which the DVB EIT in the day files uses too (dvb_epg.py).
- `start`/`stop` as `YYYYMMDDhhmmss +0800`: the offset of the channel's zone at that instant.
  XMLTV counts in seconds: a boundary inside a second is written at its whole second.
- Children in DTD order: title, sub-title (the lesson's title), desc (teacher, school, county),
  category (subject), episode-num system="onscreen" (第12课), previously-shown for replays.
- Text: characters XML 1.0 forbids, C1 controls and U+FFFD are dropped; runs of whitespace
  (CR, LF, tabs) become one space; an empty desc is left out; a title never is empty.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from scheduler.domain.channels import Channel
from scheduler.domain.plan import ChannelDayPlan
from scheduler.exports.programmes import Programme, clean_text, day_programmes

__all__ = ["clean_text", "to_xmltv"]

DOCTYPE = '<!DOCTYPE tv SYSTEM "xmltv.dtd">'
STAMP = "%Y%m%d%H%M%S %z"


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


def _programme(channel: Channel, entry: Programme) -> etree._Element:
    """One `<programme>`: its times with the zone's offset, texts in DTD order."""
    element = etree.Element(
        "programme", start=entry.start.strftime(STAMP), stop=entry.stop.strftime(STAMP), channel=channel.id
    )
    etree.SubElement(element, "title", lang="zh").text = entry.title
    _add(element, "sub-title", entry.sub_title, lang="zh")
    _add(element, "desc", entry.desc, lang="zh")
    _add(element, "category", entry.category, lang="zh")
    _add(element, "episode-num", entry.episode, system="onscreen")
    if entry.replay:
        etree.SubElement(element, "previously-shown")
    return element


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
        root.extend(_programme(channel, entry) for entry in day_programmes(channel, plan))
    document: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True, doctype=DOCTYPE, pretty_print=True)
    return document

"""Operator playlists of a channel day: JSON (schema in playlist.schema.json), CSV, and an as-run style log.

Pure builders: data in, bytes out. One item per programme or slot item of the day, in order, tiling
it exactly: start (ISO 8601 with the zone's offset, to the millisecond: a frame at 25 fps is 40 ms),
start frame, duration in frames and as timecode, kind, title, the source file of its playout
rendition (`rendition(event)`, given by the caller; the event's media reference by default), the
[in, out) points within that source, and how many passes of it play.

- The plan has one event per pass of a looped clip (a 10-second slate filling a day makes
  thousands); consecutive passes of one clip in one slot are one item: `passes` times from
  `in_point`, each full pass `pass_frames` long, the last stopping before `out_point`, so
  `duration_frames == (passes - 1) * pass_frames + out_point - in_point`, frame-exact.

- CSV is spreadsheet.to_csv's: UTF-8 with a byte order mark (Excel garbles Chinese without it), a
  cell starting with = + - @ prefixed with ' so a spreadsheet shows it as text instead of running
  it as a formula (titles come from uploads).
- Titles are one line of printable text in every format: control characters other than
  whitespace and lone surrogates are dropped, runs of whitespace (CR, LF, tabs, U+2028...)
  become one space; Chinese passes byte for byte.
- The as-run log is plain UTF-8 text, one line per item: wall-clock start with frames, duration,
  kind, source, passes (×1 for a single play), title.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scheduler.domain.channels import Channel
from scheduler.domain.frames import frames_to_timecode
from scheduler.domain.plan import ChannelDayPlan, Event
from scheduler.exports import spreadsheet

SCHEMA_PATH = Path(__file__).with_name("playlist.schema.json")
CSV_COLUMNS = (
    "index",
    "start",
    "start_frame",
    "duration_frames",
    "duration_timecode",
    "kind",
    "slot",
    "title",
    "source",
    "in_point",
    "out_point",
    "passes",
    "pass_frames",
)
Rendition = Callable[[Event], str]
# Control characters that are not whitespace (str.split handles those), and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


def _media(event: Event) -> str:
    """The default rendition: the event's own media reference."""
    return event.media


def _start(channel: Channel, plan: ChannelDayPlan, offset: int) -> str:
    """ISO 8601 with the zone's offset, to the millisecond."""
    return channel.moment(plan.day, offset).isoformat(timespec="milliseconds")


def _same_clip(first: Event, event: Event) -> bool:
    """Whether an event plays what `first` plays, in the same slot, from the same point."""
    key = (first.kind, first.slot, first.source, first.media, first.title, first.in_point)
    return key == (event.kind, event.slot, event.source, event.media, event.title, event.in_point)


def loop_runs(events: Sequence[Event]) -> list[list[Event]]:
    """The events grouped into items: consecutive passes of one clip (each but the last a full pass) together."""
    items: list[list[Event]] = []
    for event in events:
        run = items[-1] if items else None
        if (
            run
            and run[-1].end == event.start
            and run[-1].length == run[0].length >= event.length
            and _same_clip(run[0], event)
        ):
            run.append(event)
        else:
            items.append([event])
    return items


def _item(
    channel: Channel, plan: ChannelDayPlan, index: int, run: Sequence[Event], rendition: Rendition
) -> dict[str, Any]:
    """One playlist item: an event, or the passes of a looped clip."""
    first, last = run[0], run[-1]
    frames = last.end - first.start
    return {
        "index": index,
        "start": _start(channel, plan, first.start),
        "start_frame": first.start,
        "duration_frames": frames,
        "duration_timecode": frames_to_timecode(frames, channel.fps),
        "kind": first.kind.value,
        "slot": first.slot,
        "title": _one_line(first.title),
        "source": rendition(first),
        "in_point": first.in_point,
        "out_point": last.out_point,
        "passes": len(run),
        "pass_frames": first.length,
        "recording_id": first.airing.recording.id if first.airing and first.airing.recording else None,
    }


def playlist_items(channel: Channel, plan: ChannelDayPlan, rendition: Rendition = _media) -> list[dict[str, Any]]:
    """The day's items: one per programme or slot item, a looped clip's passes in one."""
    if plan.channel_id != channel.id:
        raise ValueError(f"the day is of channel {plan.channel_id}, not {channel.id}")
    return [_item(channel, plan, index, run, rendition) for index, run in enumerate(loop_runs(plan.events), start=1)]


def to_json(channel: Channel, plan: ChannelDayPlan, *, rendition: Rendition = _media) -> bytes:
    """The day's playlist as JSON following playlist.schema.json."""
    document = {
        "channel": channel.id,
        "channel_name": channel.name,
        "date": plan.day.isoformat(),
        "start": _start(channel, plan, 0),
        "fps": channel.fps,
        "frames": plan.frames,
        "timecode": frames_to_timecode(plan.frames, channel.fps),
        "items": playlist_items(channel, plan, rendition),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def to_csv(channel: Channel, plan: ChannelDayPlan, *, rendition: Rendition = _media) -> bytes:
    """The day's playlist as CSV for spreadsheets: UTF-8 with BOM, CRLF rows."""
    items = playlist_items(channel, plan, rendition)
    return spreadsheet.to_csv(CSV_COLUMNS, ([item[column] for column in CSV_COLUMNS] for item in items))


def _clock(channel: Channel, plan: ChannelDayPlan, offset: int) -> str:
    """Wall-clock date and time with the frame: 2020-02-10 08:50:00:00."""
    moment = channel.moment(plan.day, offset)
    frame = moment.microsecond * channel.fps // 1_000_000
    return f"{moment:%Y-%m-%d %H:%M:%S}:{frame:02d}"


def _one_line(text: str) -> str:
    """Printable text on one line."""
    return " ".join(_UNPRINTABLE.sub("", text).split())


def to_as_run(channel: Channel, plan: ChannelDayPlan, *, rendition: Rendition = _media) -> bytes:
    """An as-run style log of the day: one line per item."""
    header = f"# {channel.id} {_one_line(channel.name)} {plan.day} {channel.tz} {channel.fps} fps"
    lines = [header]
    for item in playlist_items(channel, plan, rendition):
        clock = _clock(channel, plan, item["start_frame"])
        fields = [clock, item["duration_timecode"], item["kind"], item["source"], f"×{item['passes']}", item["title"]]
        lines.append("  ".join(_one_line(field) for field in fields))
    return ("\n".join(lines) + "\n").encode("utf-8")

"""DVB SI as a decoder we did not write reads it: GStreamer's MPEG-TS library (GstMpegts, through PyGObject).

`stream_sections` runs a file through GStreamer's `tsparse` and records each section it posts with the
byte offset of the packet that completed it; `decode` parses one section's bytes. What comes back is
plain data (names, times, flags), so tests compare it with what the plan says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import gi

try:
    gi.require_version("Gst", "1.0")
    gi.require_version("GstMpegts", "1.0")
    from gi.repository import GLib, Gst, GstMpegts  # type: ignore[attr-defined]
except (ValueError, ImportError) as missing:  # a failure, not a skip: the SI checks must run
    raise RuntimeError("GStreamer's MPEG-TS typelibs are missing: run scripts/system-packages.sh") from missing

Gst.init(None)
GstMpegts.initialize()


@dataclass(frozen=True)
class SiEventSeen:
    """An EIT event as GStreamer decodes it."""

    event_id: int
    start: datetime
    duration: timedelta
    running_status: int
    language: str
    name: str
    text: str


@dataclass(frozen=True)
class SectionSeen:
    """One section GStreamer decoded: where it ended in the file, its header and what it says."""

    offset: int
    pid: int
    table_id: int
    section_number: int
    last_section_number: int
    version: int
    events: tuple[SiEventSeen, ...] = ()
    segment_last_section_number: int | None = None
    last_table_id: int | None = None
    services: tuple[dict[str, Any], ...] = ()
    utc: datetime | None = None
    descriptors: tuple[tuple[int, bytes], ...] = field(default=())


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(value.to_iso8601_string().replace("Z", "+00:00"))


def _event(event: Any) -> SiEventSeen:
    language, name, text = "", "", ""
    for descriptor in event.descriptors:
        if descriptor.tag == 0x4D:
            ok, language, name, text = descriptor.parse_dvb_short_event()
            assert ok
    return SiEventSeen(event.event_id, _time(event.start_time), timedelta(seconds=event.duration),
                       int(event.running_status), language, name, text)


def _service(service: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"service_id": service.service_id, "eit_schedule": service.EIT_schedule_flag,
                             "eit_present_following": service.EIT_present_following_flag,
                             "running_status": int(service.running_status)}
    for descriptor in service.descriptors:
        if descriptor.tag == 0x48:
            ok, service_type, found["name"], found["provider"] = descriptor.parse_dvb_service()
            assert ok
            found["service_type"] = int(service_type)
    return found


def _seen(section: Any, offset: int) -> SectionSeen:
    """Plain data from a GstMpegtsSection."""
    kind = section.section_type
    head = {"offset": offset, "pid": section.pid, "table_id": section.table_id,
            "section_number": section.section_number, "last_section_number": section.last_section_number,
            "version": section.version_number}
    raw = bytes(section.get_data().get_data())
    if kind == GstMpegts.SectionType.EIT:
        eit = section.get_eit()
        return SectionSeen(**head, events=tuple(_event(e) for e in eit.events),
                           segment_last_section_number=eit.segment_last_section_number, last_table_id=eit.last_table_id)
    if kind == GstMpegts.SectionType.SDT:
        return SectionSeen(**head, services=tuple(_service(s) for s in section.get_sdt().services))
    if kind == GstMpegts.SectionType.TDT:
        return SectionSeen(**head, utc=_time(section.get_tdt()))
    if kind == GstMpegts.SectionType.TOT:
        tot = section.get_tot()
        # GstMpegts has no parser for local_time_offset_descriptor (0x58): its bytes, cut from the section
        # GStreamer checked (CRC, lengths), are given for the test to read.
        descriptors, at = [], 10  # header 3, UTC_time 5, descriptors_loop_length 2
        for d in tot.descriptors:
            descriptors.append((d.tag, raw[at + 2:at + 2 + d.length]))
            at += 2 + d.length
        return SectionSeen(**head, utc=_time(tot.utc_time), descriptors=tuple(descriptors))
    return SectionSeen(**head)


def decode(pid: int, data: bytes) -> SectionSeen:
    """One section's bytes as GStreamer parses them (it refuses a bad CRC: AssertionError)."""
    section = GstMpegts.Section.new(pid, GLib.Bytes.new(data).get_data())
    assert section is not None, "GStreamer refused the section"
    return _seen(section, 0)


def stream_sections(path: Path) -> list[SectionSeen]:
    """Every SI section tsparse posts while reading the file (offsets to within the 100 packets tsparse pulls at a time)."""
    pipeline = Gst.parse_launch(f"filesrc name=src blocksize=188 location={path} ! tsparse ! fakesink")
    offset = [0]

    def on_buffer(_pad: Any, info: Any) -> Any:
        offset[0] = info.get_buffer().offset
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("src").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, on_buffer)
    seen: list[SectionSeen] = []

    def on_message(_bus: Any, message: Any) -> Any:
        section = GstMpegts.message_parse_mpegts_section(message)
        if section is not None and section.pid in (0x11, 0x12, 0x14):
            seen.append(_seen(section, offset[0]))
        return Gst.BusSyncReply.PASS

    bus = pipeline.get_bus()
    bus.set_sync_handler(on_message)
    pipeline.set_state(Gst.State.PLAYING)
    done = bus.timed_pop_filtered(120 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    assert done is not None and done.type == Gst.MessageType.EOS, "GStreamer did not read the file to its end"
    return seen

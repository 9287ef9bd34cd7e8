"""Plain-JSON forms of channels, slot templates and assembled days, for storage and the API.

Pure, standard library only. Times are "HH:MM" or "HH:MM:SS", lengths are timecodes
("00:20:00:00" at the channel's frame rate), dates ISO 8601. `*_from_dict` raise
`InvalidTemplate` naming the field when a document is malformed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.domain.channels import (
    Channel,
    DayOverride,
    Distributor,
    InvalidTemplate,
    ReplayRef,
    SlotKind,
    SlotSpec,
    WeeklyTemplate,
)
from scheduler.domain.frames import FPS, frames_to_timecode, timecode_to_frames
from scheduler.domain.plan import (
    Airing,
    ChannelDayPlan,
    DayEvents,
    Event,
    EventKind,
    LessonRecording,
    NoteKind,
    PlannedLesson,
    Run,
    SlotNote,
    SlotReport,
    SlotStatus,
    StandIn,
)
from scheduler.domain.review_terms import ReviewState
from scheduler.exports.ical import FeedEvent

Json = dict[str, Any]


def _clock(moment: time) -> str:
    if moment.microsecond:  # a frame-exact start (09:00:00.040000 is frame 1 at 25 fps): "seconds" would drop it
        return moment.isoformat(timespec="microseconds")
    return moment.isoformat(timespec="seconds" if moment.second else "minutes")


def _parse(where: str, parse: Any, value: Any) -> Any:
    try:
        return parse(value)
    except (TypeError, ValueError, KeyError) as error:
        raise InvalidTemplate(where, f"cannot read {value!r}: {error}") from None


# --- channels -------------------------------------------------------------------------------


def channel_to_dict(channel: Channel) -> Json:
    return {
        "id": channel.id,
        "name": channel.name,
        "grades": list(channel.grades),
        "distributors": [{"name": d.name, "number": d.number} for d in channel.distributors],
        "tz": channel.tz,
        "day_start": _clock(channel.day_start),
        "fps": channel.fps,
        "standby_id": channel.standby_id,
        "break_filler_id": channel.break_filler_id,
        "tail_filler_id": channel.tail_filler_id,
        "programme_filler_id": channel.programme_filler_id,
        "day_minutes": channel.day_minutes,
        "on_demand_url": channel.on_demand_url,
        "public": channel.public,
    }


def channel_from_dict(doc: Mapping[str, Any]) -> Channel:
    """A channel from its JSON form (InvalidChannel when a value breaks a rule)."""
    where = f"channel {doc.get('id', '?')}"
    fields = dict(doc)
    fields["grades"] = tuple(_parse(f"{where} grades", lambda g: [int(x) for x in g], doc.get("grades", [])))
    fields["distributors"] = tuple(
        _parse(f"{where} distributors", lambda d: Distributor(str(d["name"]), str(d["number"])), item)
        for item in doc.get("distributors", [])
    )
    if "day_start" in doc:
        fields["day_start"] = _parse(f"{where} day_start", time.fromisoformat, doc["day_start"])
    return Channel(**fields)


# --- templates ------------------------------------------------------------------------------


def _slot_to_dict(spec: SlotSpec, fps: int) -> Json:
    doc: Json = {"start": _clock(spec.start), "length": frames_to_timecode(spec.frames, fps), "kind": spec.kind.value}
    if spec.subject:
        doc["subject"] = spec.subject
    if spec.replay_of:
        doc["replay_of"] = {"slot": spec.replay_of.slot, "days_back": spec.replay_of.days_back}
    if spec.filler_id:
        doc["filler_id"] = spec.filler_id
    if spec.title:
        doc["title"] = spec.title
    return doc


def _slot_from_dict(doc: Mapping[str, Any], fps: int, where: str) -> SlotSpec:
    replay = doc.get("replay_of")
    return SlotSpec(
        start=_parse(f"{where} start", time.fromisoformat, doc.get("start")),
        frames=_parse(f"{where} length", lambda v: timecode_to_frames(v, fps), doc.get("length")),
        kind=_parse(f"{where} kind", SlotKind, doc.get("kind")),
        subject=doc.get("subject"),
        replay_of=_parse(f"{where} replay_of", lambda r: ReplayRef(int(r["slot"]), int(r.get("days_back", 0))), replay)
        if replay is not None
        else None,
        filler_id=doc.get("filler_id"),
        title=doc.get("title"),
    )


def template_to_dict(template: WeeklyTemplate, fps: int = FPS) -> Json:
    return {
        "week": [[_slot_to_dict(s, fps) for s in day] for day in template.week],
        "overrides": [
            {
                "first": o.first.isoformat(),
                "last": o.last.isoformat(),
                "label": o.label,
                "slots": [_slot_to_dict(s, fps) for s in o.slots],
            }
            for o in template.overrides
        ],
    }


def template_from_dict(doc: Mapping[str, Any], fps: int = FPS) -> WeeklyTemplate:
    """A weekly template from its JSON form: "week" is 7 lists of slots, Monday first."""
    week = doc.get("week")
    if not isinstance(week, list) or len(week) != 7 or not all(isinstance(d, list) for d in week):
        raise InvalidTemplate("weekly template", "week must be 7 lists of slots, Monday first")
    days = tuple(
        tuple(_slot_from_dict(s, fps, f"weekday {d + 1} slot {n}") for n, s in enumerate(slots, 1))
        for d, slots in enumerate(week)
    )
    overrides = tuple(_override_from_dict(o, fps, i) for i, o in enumerate(doc.get("overrides") or [], 1))
    return WeeklyTemplate(days, overrides)


def _override_from_dict(doc: Mapping[str, Any], fps: int, number: int) -> DayOverride:
    where = f"override {number}"
    first = _parse(f"{where} first", date.fromisoformat, doc.get("first"))
    last = _parse(f"{where} last", date.fromisoformat, doc.get("last", doc.get("first")))
    slots = tuple(_slot_from_dict(s, fps, f"{where} slot {n}") for n, s in enumerate(doc.get("slots") or [], 1))
    return DayOverride(first, last, slots, str(doc.get("label", "")))


# --- assembled days -------------------------------------------------------------------------


def _recording_to_dict(r: LessonRecording) -> Json:
    return {
        "id": r.id, "state": r.state.value, "frames": r.frames, "teacher": r.teacher, "school": r.school,
        "county": r.county, "media": r.media, "revision": r.revision,
    }


def _airing_to_dict(airing: Airing) -> Json:
    lesson = airing.lesson
    return {
        "lesson": {
            "id": lesson.id, "grade": lesson.grade, "subject": lesson.subject, "subject_name": lesson.subject_name,
            "sequence": lesson.sequence, "title": lesson.title,
        },
        "recording": _recording_to_dict(airing.recording) if airing.recording else None,
    }


def _airing_from_dict(doc: Mapping[str, Any]) -> Airing:
    recording = doc["recording"]
    return Airing(
        PlannedLesson(**doc["lesson"]),
        None if recording is None else LessonRecording(**{**recording, "state": ReviewState(recording["state"])}),
    )


def event_to_dict(e: Event) -> Json:
    """One event's JSON form (the API lists a day's events one by one)."""
    return {
        "start": e.start, "length": e.length, "kind": e.kind.value, "slot": e.slot, "source": e.source,
        "media": e.media, "in": e.in_point, "out": e.out_point, "title": e.title,
        "airing": _airing_to_dict(e.airing) if e.airing else None,
    }


def _runs_to_list(events: DayEvents) -> list[Json]:
    """A day's events as stored: the passes of a looped clip as one entry with "passes" (a full demo day is ~8,500
    events, 7,560 of them one 10 s filler: 2 MB of JSON one by one, ~7 KB as runs; migration 0010)."""
    return [event_to_dict(run.first) | ({"passes": run.passes} if run.passes > 1 else {}) for run in events.runs]


def _runs_from_list(docs: Sequence[Mapping[str, Any]]) -> DayEvents:
    """A day's events from their stored entries (one without "passes" is one event), spelled out only when read."""
    return DayEvents(runs=(Run(_event_from_dict(doc), doc.get("passes", 1)) for doc in docs))


def _event_from_dict(doc: Mapping[str, Any]) -> Event:
    return Event(
        doc["start"], doc["length"], EventKind(doc["kind"]), doc["slot"], doc["source"], doc["media"],
        doc["in"], doc["out"], doc["title"], _airing_from_dict(doc["airing"]) if doc["airing"] else None,
    )


def _note_to_dict(why: SlotNote) -> Json:
    doc = {**vars(why), "kind": why.kind.value, "state": why.state and why.state.value}
    doc["ref"] = why.ref and {"slot": why.ref.slot, "days_back": why.ref.days_back}
    doc["stood_in"] = why.stood_in and vars(why.stood_in)
    return {key: value for key, value in doc.items() if value not in ("", None)}


def _note_from_dict(doc: Mapping[str, Any]) -> SlotNote:
    ref, state, stood_in = doc.get("ref"), doc.get("state"), doc.get("stood_in")
    return SlotNote(**{
        **doc, "kind": NoteKind(doc["kind"]), "state": ReviewState(state) if state else None,
        "ref": ReplayRef(ref["slot"], ref["days_back"]) if ref else None,
        "stood_in": StandIn(**stood_in) if stood_in else None,
    })


def _report_to_dict(r: SlotReport) -> Json:
    return {
        "day": r.day.isoformat(), "slot": r.slot, "kind": r.kind.value, "start": r.start, "frames": r.frames,
        "status": r.status.value, "note": r.note, "lesson_id": r.lesson_id, "recording_id": r.recording_id,
        "why": _note_to_dict(r.why) if r.why else None,
    }


def _report_from_dict(doc: Mapping[str, Any]) -> SlotReport:
    why = doc.get("why")  # absent from plans stored before slot notes were data
    return SlotReport(
        date.fromisoformat(doc["day"]), doc["slot"], SlotKind(doc["kind"]), doc["start"], doc["frames"],
        SlotStatus(doc["status"]), doc["note"], doc["lesson_id"], doc["recording_id"],
        _note_from_dict(why) if why else None,
    )


def slot_reports_to_list(reports: Sequence[SlotReport]) -> list[Json]:
    """A plan's slot reports alone (its "slots"), stored beside it for readers that need not parse the events."""
    return [_report_to_dict(r) for r in reports]


def slot_reports_from_list(docs: Sequence[Mapping[str, Any]]) -> tuple[SlotReport, ...]:
    """Slot reports from their JSON form (a plan's "slots")."""
    return tuple(_report_from_dict(r) for r in docs)


def plan_to_dict(plan: ChannelDayPlan) -> Json:
    return {
        "channel_id": plan.channel_id,
        "day": plan.day.isoformat(),
        "frames": plan.frames,
        "events": _runs_to_list(plan.events),
        "slots": slot_reports_to_list(plan.slots),
        "airings": {str(n): _airing_to_dict(a) for n, a in plan.airings.items()},
        "cursor": dict(plan.cursor),
    }


def plan_from_dict(doc: Mapping[str, Any]) -> ChannelDayPlan:
    return ChannelDayPlan(
        doc["channel_id"],
        date.fromisoformat(doc["day"]),
        doc["frames"],
        _runs_from_list(doc["events"]),
        tuple(_report_from_dict(r) for r in doc["slots"]),
        {int(n): _airing_from_dict(a) for n, a in doc["airings"].items()},
        dict(doc["cursor"]),
    )


def feed_event_to_dict(event: FeedEvent) -> Json:
    """JSON form of a feed event; its times keep their IANA zone (a VTIMEZONE needs it)."""
    doc = asdict(event)
    doc["start"], doc["end"] = event.start.isoformat(), event.end.isoformat()
    doc["tz"] = str(event.start.tzinfo)
    return doc


def feed_event_from_dict(doc: Mapping[str, Any]) -> FeedEvent:
    fields = dict(doc)
    zone = ZoneInfo(fields.pop("tz"))
    start, end = (datetime.fromisoformat(fields[k]).astimezone(zone) for k in ("start", "end"))
    return FeedEvent(**{**fields, "start": start, "end": end})

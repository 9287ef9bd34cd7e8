"""Assembly of channel days: every slot filled to its exact length in frames, each day covered end to end.

Pure, standard library only, deterministic: the same inputs give the same `ChannelDayPlan`.

- A lesson slot takes the lesson due for its subject: the first one in the curriculum plan after
  `cursor[subject]` (the last sequence already scheduled on earlier days). Lessons are never
  skipped: if the due lesson cannot air, the slot gets the standby programme and the next slot of
  that subject tries the same lesson again, so pupils see lessons in order and none is lost.
- Only a recording in state `approved` ever airs (the highest approved revision of its lesson);
  a replay re-checks the state of the recording it repeats, so a revoked one is not replayed.
- A recording is never cut: one longer than its slot leaves the slot to the standby programme
  and the slot is reported `overlong`. A lesson with no approved recording is `at_risk` while a
  revision is in preparation or review, else `unfilled`.
- A filled slot is the recording, then the tail filler up to the slot's end. Break and filler
  slots, the standby programme and the gaps between slots (programme filler) are clips played from
  their start, repeated and the last pass trimmed: one event per pass, `length == out - in`.
- `readiness` projects the next days as if every due lesson aired in turn, so each slot shows the
  lesson it will need and whether that lesson is ready.
- Each slot report says why in English (`note`) and as data (`why`, a `SlotNote`), which the web
  layer words in the page's language.

Its values and errors live in plan.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from scheduler.domain.channels import (
    Channel,
    PlacedSlot,
    ReplayRef,
    SlotKind,
    SlotSpec,
    WeeklyTemplate,
    describe_day,
    place_slots,
    slots_for,
)
from scheduler.domain.frames import frames_to_timecode
from scheduler.domain.plan import (
    Airing,
    ChannelDayPlan,
    Clip,
    DayEvents,
    Event,
    EventKind,
    InvalidPlan,
    MissingClip,
    NoteKind,
    PlannedLesson,
    SlotNote,
    SlotReport,
    SlotStatus,
)
from scheduler.domain.review_terms import ReviewState


@dataclass(frozen=True)
class _Decision:
    """What one slot airs: its report, and the airing when a recording fills it."""

    placed: PlacedSlot
    report: SlotReport
    on_air: Airing | None = None


def _curriculum(plan: Sequence[PlannedLesson]) -> dict[str, list[PlannedLesson]]:
    """Index the plan by subject in sequence order, refusing duplicates and empty recordings."""
    by_subject: dict[str, list[PlannedLesson]] = {}
    for lesson in sorted(plan, key=lambda item: (item.subject, item.sequence)):
        lessons = by_subject.setdefault(lesson.subject, [])
        if lessons and lessons[-1].sequence == lesson.sequence:
            raise InvalidPlan(f"{lesson.subject} lesson {lesson.sequence} is planned twice")
        if any(r.frames <= 0 for r in lesson.recordings):
            raise InvalidPlan(f"a recording of {lesson.label} lasts no frames")
        lessons.append(lesson)
    return by_subject


def _due(curriculum: Mapping[str, list[PlannedLesson]], subject: str, after: int) -> PlannedLesson | None:
    """The first lesson of a subject after the given sequence."""
    return next((lesson for lesson in curriculum.get(subject, ()) if lesson.sequence > after), None)


def _report(
    day: date, placed: PlacedSlot, status: SlotStatus, why: SlotNote, airing: Airing | None = None
) -> SlotReport:
    """A slot report, naming the lesson and recording when there are."""
    lesson_id = airing.lesson.id if airing else None
    recording_id = airing.recording.id if airing and airing.recording else None
    spec = placed.spec
    return SlotReport(
        day, placed.number, spec.kind, placed.start, spec.frames, status, str(why), lesson_id, recording_id, why
    )


def _judge(day: date, placed: PlacedSlot, airing: Airing, fps: int, ref: ReplayRef | None = None) -> _Decision:
    """Decide whether an airing's recording can fill the slot (`ref`: the slot a replay repeats)."""
    lesson, recording = airing.lesson, airing.recording
    if recording is None:
        status = SlotStatus.AT_RISK if lesson.in_preparation() else SlotStatus.UNFILLED
        kind = NoteKind.IN_PREPARATION if status is SlotStatus.AT_RISK else NoteKind.NO_APPROVED
        return _Decision(placed, _report(day, placed, status, SlotNote(kind, lesson.label, ref=ref), airing))
    if recording.state is not ReviewState.APPROVED:
        why = SlotNote(NoteKind.NOT_APPROVED, lesson.label, recording=recording.id, state=recording.state, ref=ref)
        return _Decision(placed, _report(day, placed, SlotStatus.UNFILLED, why, airing))
    if recording.frames > placed.spec.frames:
        lasts, length = frames_to_timecode(recording.frames, fps), frames_to_timecode(placed.spec.frames, fps)
        why = SlotNote(NoteKind.OVERLONG, lesson.label, recording=recording.id, lasts=lasts, length=length, ref=ref)
        return _Decision(placed, _report(day, placed, SlotStatus.OVERLONG, why, airing))
    why = SlotNote(NoteKind.ON_AIR, lesson.label, ref=ref)
    return _Decision(placed, _report(day, placed, SlotStatus.FILLED, why, airing), airing)


def _decide_lesson(
    day: date, placed: PlacedSlot, curriculum: Mapping[str, list[PlannedLesson]], cursor: dict[str, int], fps: int
) -> tuple[_Decision, Airing | None]:
    """Give a lesson slot the lesson due, moving the cursor past it when it airs."""
    subject = placed.spec.subject or ""
    lesson = _due(curriculum, subject, cursor.get(subject, 0))
    if lesson is None:
        planned = curriculum.get(subject)
        why = SlotNote(NoteKind.NO_LESSON_LEFT, subject=planned[0].subject_name if planned else subject)
        return _Decision(placed, _report(day, placed, SlotStatus.UNFILLED, why)), None
    decision = _judge(day, placed, Airing(lesson, lesson.approved()), fps)
    if decision.on_air is not None:
        cursor[subject] = lesson.sequence
    return decision, Airing(lesson, decision.on_air.recording if decision.on_air else None)


def _decide_replay(
    day: date, placed: PlacedSlot, today: Mapping[int, Airing], earlier: Mapping[date, Mapping[int, Airing]], fps: int
) -> _Decision:
    """Give a replay slot the recording of the lesson slot it repeats, if that may still air."""
    ref = placed.spec.replay_of
    assert ref is not None  # place_slots refuses a replay slot without it
    source = today if ref.days_back == 0 else earlier.get(day - timedelta(days=ref.days_back), {})
    airing = source.get(ref.slot)
    if airing is None:
        return _Decision(placed, _report(day, placed, SlotStatus.UNFILLED, SlotNote(NoteKind.NOTHING_HELD, ref=ref)))
    if airing.recording is None:
        status = SlotStatus.AT_RISK if airing.lesson.in_preparation() else SlotStatus.UNFILLED
        why = SlotNote(NoteKind.DID_NOT_AIR, airing.lesson.label, ref=ref)
        return _Decision(placed, _report(day, placed, status, why, airing))
    return _judge(day, placed, airing, fps, ref)


def _decide_day(
    channel: Channel,
    day: date,
    placed: Sequence[PlacedSlot],
    curriculum: Mapping[str, list[PlannedLesson]],
    cursor: dict[str, int],
    earlier: Mapping[date, Mapping[int, Airing]],
    project: bool,
) -> tuple[list[_Decision], dict[int, Airing]]:
    """Decide every slot of a day in order; `project` moves the cursor past lessons that cannot air yet."""
    decisions: list[_Decision] = []
    airings: dict[int, Airing] = {}
    for slot in placed:
        if slot.spec.kind is SlotKind.LESSON:
            decision, airing = _decide_lesson(day, slot, curriculum, cursor, channel.fps)
            if airing is not None:
                airings[slot.number] = airing
                if project:
                    cursor[airing.lesson.subject] = airing.lesson.sequence
        elif slot.spec.kind is SlotKind.REPLAY:
            decision = _decide_replay(day, slot, airings, earlier, channel.fps)
        else:
            why = SlotNote(NoteKind.ON_AIR, slot.spec.title or slot.spec.kind.value)
            decision = _Decision(slot, _report(day, slot, SlotStatus.FILLED, why))
        decisions.append(decision)
    return decisions, airings


def require_clip(clips: Mapping[str, Clip], clip_id: str) -> Clip:
    """A clip by id, refused if missing or empty."""
    clip = clips.get(clip_id)
    if clip is None:
        raise MissingClip(clip_id)
    if clip.frames <= 0:
        raise InvalidPlan(f"clip {clip_id!r} lasts no frames")
    return clip


def loop_clip(clip: Clip, start: int, length: int, kind: EventKind, slot: int | None, title: str = "") -> list[Event]:
    """Fill a span with a clip from its start: full passes, the last one trimmed."""
    events = []
    for offset in range(0, length, clip.frames):
        part = min(clip.frames, length - offset)
        source = f"clip:{clip.id}"
        events.append(Event(start + offset, part, kind, slot, source, clip.media, 0, part, title or clip.title))
    return events


def _recording_events(channel: Channel, decision: _Decision, clips: Mapping[str, Clip]) -> list[Event]:
    """A filled lesson or replay slot: the recording, then the tail filler to the slot's end."""
    airing, placed = decision.on_air, decision.placed
    assert airing is not None and airing.recording is not None
    recording, lesson = airing.recording, airing.lesson
    kind = EventKind.LESSON if placed.spec.kind is SlotKind.LESSON else EventKind.REPLAY
    title = lesson.label if kind is EventKind.LESSON else f"{lesson.label}（重播）"
    slim = Airing(replace(lesson, recordings=()), recording)
    first = Event(
        placed.start,
        recording.frames,
        kind,
        placed.number,
        f"recording:{recording.id}",
        recording.media,
        0,
        recording.frames,
        title,
        slim,
    )
    tail = require_clip(clips, channel.tail_filler_id)
    return [first, *loop_clip(tail, first.end, placed.end - first.end, EventKind.TAIL_FILLER, placed.number)]


def _slot_events(channel: Channel, decision: _Decision, clips: Mapping[str, Clip]) -> list[Event]:
    """The events that fill one slot exactly."""
    placed, spec = decision.placed, decision.placed.spec
    if decision.on_air is not None:
        return _recording_events(channel, decision, clips)
    if spec.kind in (SlotKind.LESSON, SlotKind.REPLAY):
        standby = require_clip(clips, channel.standby_id)
        return loop_clip(standby, placed.start, spec.frames, EventKind.STANDBY, placed.number)
    kind = EventKind.BREAK if spec.kind is SlotKind.BREAK else EventKind.FILLER
    default = channel.break_filler_id if kind is EventKind.BREAK else channel.programme_filler_id
    clip = require_clip(clips, spec.filler_id or default)
    return loop_clip(clip, placed.start, spec.frames, kind, placed.number, spec.title or "")


def _gap(channel: Channel, start: int, end: int, clips: Mapping[str, Clip]) -> list[Event]:
    """Programme filler between two slots (nothing when they touch)."""
    if end <= start:
        return []
    return loop_clip(require_clip(clips, channel.programme_filler_id), start, end - start, EventKind.FILLER, None)


def _lay_out(channel: Channel, decisions: Sequence[_Decision], frames: int, clips: Mapping[str, Clip]) -> list[Event]:
    """Tile the whole day: each slot's events, programme filler in every gap."""
    events: list[Event] = []
    position = 0
    for decision in decisions:
        events += _gap(channel, position, decision.placed.start, clips)
        events += _slot_events(channel, decision, clips)
        position = decision.placed.end
    return events + _gap(channel, position, frames, clips)


def assemble_day(
    channel: Channel,
    day: date,
    slots: Sequence[SlotSpec],
    plan: Sequence[PlannedLesson],
    clips: Mapping[str, Clip],
    *,
    cursor: Mapping[str, int] | None = None,
    earlier: Mapping[date, Mapping[int, Airing]] | None = None,
) -> ChannelDayPlan:
    """Assemble the broadcast day that starts on `day` from its slots, the curriculum plan and the clips.

    `cursor` gives, per subject, the last lesson sequence scheduled before this day; `earlier`
    the airings of earlier days (their `ChannelDayPlan.airings`, with current review states) for
    replays of yesterday's slots.
    """
    placed = place_slots(channel, slots, day)
    moving = dict(cursor or {})
    decisions, airings = _decide_day(channel, day, placed, _curriculum(plan), moving, earlier or {}, project=False)
    frames = channel.day_frames(day)
    events = DayEvents(_lay_out(channel, decisions, frames, clips))
    reports = tuple(d.report for d in decisions)
    return ChannelDayPlan(channel.id, day, frames, events, reports, airings, moving)


def readiness(
    channel: Channel,
    template: WeeklyTemplate,
    first: date,
    days: int,
    plan: Sequence[PlannedLesson],
    *,
    cursor: Mapping[str, int] | None = None,
    earlier: Mapping[date, Mapping[int, Airing]] | None = None,
) -> tuple[SlotReport, ...]:
    """Lesson and replay slots of the next `days` days, each filled, at risk, unfilled or overlong."""
    curriculum, moving = _curriculum(plan), dict(cursor or {})
    history = dict(earlier or {})
    reports: list[SlotReport] = []
    for day in (first + timedelta(days=n) for n in range(days)):
        placed = place_slots(channel, slots_for(template, day), day, describe_day(template, day))
        decisions, history[day] = _decide_day(channel, day, placed, curriculum, moving, history, project=True)
        reports += [d.report for d in decisions if d.report.kind in (SlotKind.LESSON, SlotKind.REPLAY)]
    return tuple(reports)

"""The plan vocabulary: what assembly takes (clips, lessons, recordings) and gives (events, slot
reports, the channel day plan), and its errors. Pure, standard library only.

    ScheduleError (channels.py)
    └── AssemblyError             the inputs of assembly cannot make a day
        ├── MissingClip           .clip_id: a filler, break or standby clip is not given
        └── InvalidPlan           .reason: a lesson or recording in the plan is unusable
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import overload

from scheduler.domain.catalogue import lesson_label
from scheduler.domain.channels import ReplayRef, ScheduleError, SlotKind
from scheduler.domain.review_terms import ReviewState
from scheduler.domain.sentences import N_

# States from which a revision may still become approved: a slot waiting on one is at risk.
IN_PREPARATION = frozenset(map(ReviewState, ("draft", "submitted", "county_review", "city_review", "final_review")))


class AssemblyError(ScheduleError):
    """Base class of inputs that cannot make a channel day."""


class MissingClip(AssemblyError):
    """A clip the channel or a slot names is not among the clips given."""

    def __init__(self, clip_id: str) -> None:
        super().__init__(clip_id)
        self.clip_id = clip_id

    def __str__(self) -> str:
        return f"Clip {self.clip_id!r} is needed to fill the day but was not given."


class InvalidPlan(AssemblyError):
    """A lesson, recording or clip of the inputs is unusable."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"Invalid curriculum plan: {self.reason}."


@dataclass(frozen=True)
class Clip:
    """A filler, break or standby clip: eye exercises, a slate, the standby programme."""

    id: str
    frames: int
    title: str
    media: str


@dataclass(frozen=True)
class LessonRecording:
    """One revision of a lesson's recording, as assembly sees it, with its review state."""

    id: int
    state: ReviewState
    frames: int
    teacher: str
    school: str
    county: str
    media: str
    revision: int = 1


@dataclass(frozen=True)
class PlannedLesson:
    """A lesson of the curriculum plan with the revisions recorded for it."""

    id: int
    grade: int
    subject: str  # the key lesson slots name, usually the subject code
    subject_name: str
    sequence: int
    title: str
    recordings: tuple[LessonRecording, ...] = ()

    @property
    def label(self) -> str:
        """The label families read: 三年级 数学 第12课《两位数乘两位数》."""
        return lesson_label(self.grade, self.subject_name, self.sequence, self.title)

    def approved(self) -> LessonRecording | None:
        """The recording that may air: the highest approved revision, if any."""
        ready = [r for r in self.recordings if r.state is ReviewState.APPROVED]
        return max(ready, key=lambda r: (r.revision, r.id), default=None)

    def in_preparation(self) -> bool:
        """Whether some revision may still become approved."""
        return any(r.state in IN_PREPARATION for r in self.recordings)


@dataclass(frozen=True)
class Airing:
    """What a lesson slot was given: the lesson due, and the recording on air (None if it could not air)."""

    lesson: PlannedLesson
    recording: LessonRecording | None


class EventKind(StrEnum):
    """What an event of a channel day plays."""

    LESSON = "lesson"
    REPLAY = "replay"
    BREAK = "break"
    FILLER = "filler"
    STANDBY = "standby"
    TAIL_FILLER = "tail_filler"


@dataclass(frozen=True)
class Event:
    """One item on air: `length` frames from `start` (frames from the day start), playing [in, out) of its source."""

    start: int
    length: int
    kind: EventKind
    slot: int | None  # None: programme filler between slots
    source: str  # "recording:12" or "clip:eye-exercise"
    media: str
    in_point: int
    out_point: int
    title: str
    airing: Airing | None = None  # lessons and replays; the lesson without its other revisions

    @property
    def end(self) -> int:
        """The offset just after the event."""
        return self.start + self.length


class SlotStatus(StrEnum):
    """Whether a slot airs what it is meant to."""

    FILLED = "filled"
    AT_RISK = "at_risk"
    UNFILLED = "unfilled"
    OVERLONG = "overlong"


class NoteKind(StrEnum):
    """Why a slot airs what it airs; NOTES words each kind in English (a msgid, translated by the web layer)."""

    ON_AIR = "on_air"  # the lesson (or a break's title) airs as planned
    IN_PREPARATION = "in_preparation"
    NO_APPROVED = "no_approved"
    NOT_APPROVED = "not_approved"
    OVERLONG = "overlong"
    NO_LESSON_LEFT = "no_lesson_left"
    NOTHING_HELD = "nothing_held"
    DID_NOT_AIR = "did_not_air"


NOTES = {
    NoteKind.ON_AIR: "%(label)s",  # no words to translate: the lesson's label or the slot's title
    NoteKind.IN_PREPARATION: N_("%(label)s: a recording is still in preparation or review"),
    NoteKind.NO_APPROVED: N_("%(label)s: no approved recording"),
    NoteKind.NOT_APPROVED: N_("%(label)s: recording %(recording)s is %(state)s, not approved"),
    NoteKind.OVERLONG: N_("%(label)s: recording %(recording)s lasts %(lasts)s, longer than the slot's %(length)s"),
    NoteKind.NO_LESSON_LEFT: N_("no %(subject)s lesson left in the plan"),
    NoteKind.NOTHING_HELD: N_("nothing to replay: %(ref)s held no lesson"),
    NoteKind.DID_NOT_AIR: N_("nothing to replay: %(label)s did not air in %(ref)s"),
}
REPLAY_KINDS = frozenset({NoteKind.NOTHING_HELD, NoteKind.DID_NOT_AIR})  # their sentence names `ref` itself
REPLAY_OF = N_("%(note)s (replay of %(ref)s)")  # the note of a replay of another kind
STOOD_IN = N_("%(note)s: %(stood_in)s")  # the note of a slot the standby programme took after assembly


@dataclass(frozen=True)
class StandIn:
    """Why the standby programme took a slot after assembly: its recording was revoked, with the
    reviewer's reason, or (reason None) was found no longer approved at publication."""

    recording: int
    revoked_because: str | None = None

    @property
    def sentence(self) -> str:
        """The msgid: revoked with a reason, or found unapproved."""
        if self.revoked_because is None:
            return N_("no longer approved at publication")
        return N_("recording %(recording)s revoked: %(reason)s")

    def __str__(self) -> str:
        return self.sentence % {"recording": self.recording, "reason": self.revoked_because}


@dataclass(frozen=True)
class SlotNote:
    """Why a slot airs what it airs, as data; `str()` is the English note."""

    kind: NoteKind
    label: str = ""  # the lesson's label, or a break or filler slot's title
    subject: str = ""
    recording: int | None = None
    state: ReviewState | None = None
    lasts: str = ""  # timecodes
    length: str = ""
    ref: ReplayRef | None = None  # the slot a replay repeats
    stood_in: StandIn | None = None  # set by changes.without_recording

    def __str__(self) -> str:
        text = NOTES[self.kind] % {**vars(self), "state": self.state and self.state.value.replace("_", " ")}
        if self.ref is not None and self.kind not in REPLAY_KINDS:
            text = REPLAY_OF % {"note": text, "ref": self.ref}
        return STOOD_IN % {"note": text, "stood_in": self.stood_in} if self.stood_in is not None else text


@dataclass(frozen=True)
class SlotReport:
    """How one slot of a day came out, for operators."""

    day: date
    slot: int
    kind: SlotKind
    start: int
    frames: int
    status: SlotStatus
    note: str  # str(why); stored plans keep only this
    lesson_id: int | None = None
    recording_id: int | None = None
    why: SlotNote | None = None  # None in reports read back from plans stored before it existed


@dataclass(frozen=True)
class Run:
    """`passes` events alike but for their start, each right after the one before: the passes of a looped clip."""

    first: Event
    passes: int = 1

    @property
    def end(self) -> int:
        """The offset just after the last pass."""
        return self.first.start + self.passes * self.first.length

    def events(self) -> Iterator[Event]:
        """The passes, one event each."""
        return (replace(self.first, start=start) for start in range(self.first.start, self.end, self.first.length))

    def continued_by(self, run: Run) -> bool:
        """Whether `run` repeats this run's passes right after it (the same event in every field but its start)."""
        return run.first.start == self.end and replace(run.first, start=self.first.start) == self.first


def joined_runs(runs: Iterable[Run]) -> tuple[Run, ...]:
    """Runs with each one that continues the one before joined to it (events are runs of one pass)."""
    joined: list[Run] = []
    for run in runs:
        if joined and joined[-1].continued_by(run):
            joined[-1] = Run(joined[-1].first, joined[-1].passes + run.passes)
        else:
            joined.append(run)
    return tuple(joined)


class DayEvents(Sequence[Event]):
    """A day's events, also as runs, each form made from the other when first asked for. A demo day is ~8,500
    events in ~25 runs (21 hours of one 10 s filler): a day read back from storage (runs) is spelled out event by
    event only for readers that go through every event, not for those that read its runs (the guide, the week)."""

    def __init__(self, events: Iterable[Event] = (), *, runs: Iterable[Run] | None = None) -> None:
        if runs is None:
            self.__dict__["_events"] = tuple(events)
        else:
            self.__dict__["runs"] = joined_runs(runs)

    @cached_property
    def runs(self) -> tuple[Run, ...]:
        """The events as runs of passes, each as long as it can be."""
        return joined_runs(Run(event) for event in self._events)

    @cached_property
    def _events(self) -> tuple[Event, ...]:
        return tuple(event for run in self.runs for event in run.events())

    @overload
    def __getitem__(self, index: int) -> Event: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Event, ...]: ...
    def __getitem__(self, index: int | slice) -> Event | tuple[Event, ...]:
        return self._events[index]

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DayEvents):
            return self.runs == other.runs
        return isinstance(other, Sequence) and self._events == tuple(other)

    def __hash__(self) -> int:
        return hash(self.runs)

    def __repr__(self) -> str:
        return f"DayEvents({len(self.runs)} runs)"


@dataclass(frozen=True)
class ChannelDayPlan:
    """An assembled broadcast day: events tiling it exactly, a report per slot, the cursor after it."""

    channel_id: str
    day: date
    frames: int
    events: DayEvents
    slots: tuple[SlotReport, ...]
    airings: Mapping[int, Airing]  # lesson slot → the lesson due there (replays of later days read it)
    cursor: Mapping[str, int]  # subject → last sequence scheduled, for the next day

    @property
    def problems(self) -> tuple[SlotReport, ...]:
        """The slots that do not air what they are meant to."""
        return tuple(s for s in self.slots if s.status is not SlotStatus.FILLED)

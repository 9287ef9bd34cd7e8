"""The slot template editor's rows: a weekly template as form rows, form rows back as a template, and each
problem of the template (a flaw of its slots, a screen-time violation) put next to the row it concerns.

A row is one slot of one weekday; rows are sorted by weekday and start before they become a template, so a
problem's slot number (the n-th slot of its day) leads back to its row. Date overrides are not rows: the
advanced (JSON) view edits them, and the editor keeps them as stored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from itertools import zip_longest
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from scheduler.domain.channels import WEEKDAYS, InvalidTemplate, ReplayRef, SlotKind, SlotSpec, WeeklyTemplate
from scheduler.domain.frames import frames_to_timecode, timecode_to_frames
from scheduler.domain.policy import Violation
from web.presenters.messages import RULE_LABELS, template_refusal, violation_detail

FIELDS = ("weekday", "start", "length", "kind", "subject", "replay_slot", "replay_days", "title", "filler_id")
KIND_LABELS = {SlotKind.LESSON: _l("lesson"), SlotKind.REPLAY: _l("replay"), SlotKind.BREAK: _l("break"),
               SlotKind.FILLER: _l("filler")}
_CLOCK = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
_SECONDS = re.compile(r"^(\d{2,}):([0-5]\d):([0-5]\d)$")


@dataclass
class Row:
    """One slot as the form shows it: every value as typed, and what is wrong with it."""

    weekday: str = "0"
    start: str = ""
    length: str = ""
    kind: str = SlotKind.LESSON.value
    subject: str = ""
    replay_slot: str = ""
    replay_days: str = "0"
    title: str = ""
    filler_id: str = ""  # a break or filler slot's own clip, set in the JSON view: kept as a hidden field
    messages: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        """A row added but not filled in: left out of the template."""
        return not self.start.strip() and not self.length.strip()


def _clock(moment: time) -> str:
    """HH:MM:SS, with the fraction of a second a frame-exact start needs (09:00:00.04)."""
    whole = f"{moment:%H:%M:%S}"
    return f"{whole}.{moment.microsecond:06d}".rstrip("0") if moment.microsecond else whole


def rows_of(template: WeeklyTemplate, fps: int) -> list[Row]:
    """The weekly slots of a template as rows, Monday first."""
    return [
        Row(str(day), _clock(spec.start), frames_to_timecode(spec.frames, fps), spec.kind.value, spec.subject or "",
            str(spec.replay_of.slot) if spec.replay_of else "", str(spec.replay_of.days_back) if spec.replay_of else "0",
            spec.title or "", spec.filler_id or "")
        for day, slots in enumerate(template.week)
        for spec in slots
    ]


def rows_from_form(form: Any) -> list[Row]:
    """The rows a submitted editor holds (each field a list, one value a row)."""
    columns = [form.getlist(name) for name in FIELDS]
    rows = []
    for values in zip_longest(*columns):
        row = Row()
        for name, value in zip(FIELDS, values, strict=True):
            setattr(row, name, value or "")
        rows.append(row)
    return rows


def _length(text: str, fps: int) -> int:
    """Frames from HH:MM:SS:FF, HH:MM:SS or whole minutes."""
    text = text.strip()
    if text.isdigit():
        return int(text) * 60 * fps
    if seconds := _SECONDS.match(text):
        hh, mm, ss = (int(part) for part in seconds.groups())
        return ((hh * 60 + mm) * 60 + ss) * fps
    return timecode_to_frames(text, fps)


def _slot(row: Row, fps: int, subjects: set[str]) -> SlotSpec | None:
    """The slot a row describes, or None with the reasons added to the row."""
    start = frames = kind = None
    if _CLOCK.match(row.start.strip()):
        start = time.fromisoformat(row.start.strip())
    else:
        row.messages.append(_("Enter the start as HH:MM, HH:MM:SS or HH:MM:SS.ff."))
    try:
        frames = _length(row.length, fps)
    except ValueError:
        row.messages.append(_("Enter the length as minutes, HH:MM:SS or a timecode HH:MM:SS:FF."))
    try:
        kind = SlotKind(row.kind)
    except ValueError:
        row.messages.append(_("Choose a kind from the list."))
    if kind is SlotKind.LESSON and row.subject not in subjects:
        row.messages.append(_("Choose the lesson's subject from the list."))
    replay = None
    if kind is SlotKind.REPLAY:
        if row.replay_slot.strip().isdigit() and row.replay_days.strip().isdigit():
            replay = ReplayRef(int(row.replay_slot), int(row.replay_days))
        else:
            row.messages.append(_("A replay names the slot it repeats (its number) and how many days back."))
    if row.messages or start is None or frames is None or kind is None:
        return None
    teaching = kind in (SlotKind.LESSON, SlotKind.REPLAY)
    return SlotSpec(start, frames, kind, subject=row.subject if kind is SlotKind.LESSON else None,
                    replay_of=replay, title=None if teaching else (row.title.strip() or None),
                    filler_id=None if teaching else (row.filler_id.strip() or None))


def _weekday(row: Row) -> int | None:
    if row.weekday.isdigit() and int(row.weekday) < 7:
        return int(row.weekday)
    row.messages.append(_("Choose a weekday."))
    return None


@dataclass
class EditedTemplate:
    """What the rows make: the template (None if a row cannot be read) and which row each day's slot came from."""

    rows: list[Row]
    template: WeeklyTemplate | None
    row_of: dict[tuple[str, int], Row]


def template_of(rows: list[Row], fps: int, subjects: set[str], kept: WeeklyTemplate) -> EditedTemplate:
    """The weekly template the rows describe, with the overrides of the template they replace."""
    rows = [row for row in rows if not row.blank]
    read = [(_weekday(row), _slot(row, fps, subjects), row) for row in rows]
    if any(day is None or spec is None for day, spec, _row in read):
        return EditedTemplate(rows, None, {})
    ordered = sorted(read, key=lambda item: (item[0], item[1].start))  # type: ignore[union-attr]
    rows = [row for _day, _spec, row in ordered]
    week: dict[int, list[SlotSpec]] = {}
    row_of: dict[tuple[str, int], Row] = {}
    for day, spec, row in ordered:
        assert day is not None and spec is not None
        week.setdefault(day, []).append(spec)
        row_of[(WEEKDAYS[day], len(week[day]))] = row
    return EditedTemplate(rows, WeeklyTemplate.from_weekdays(week, kept.overrides), row_of)


def problem_text(problem: InvalidTemplate | Violation) -> str:
    """A problem in the page's language, to stand next to its row."""
    if isinstance(problem, Violation):
        return _("%(rule)s: %(detail)s", rule=RULE_LABELS[problem.rule], detail=violation_detail(problem))
    return template_refusal(problem)


def place(edited: EditedTemplate, problems: tuple[InvalidTemplate | Violation, ...]) -> list[str]:
    """Put each problem next to its row; those about no row (an override) are returned, worded."""
    elsewhere = []
    for problem in problems:
        row = edited.row_of.get((problem.where, problem.slot or 0))
        if row is None:
            elsewhere.append(problem_text(problem))
        else:
            row.messages.append(problem_text(problem))
    return elsewhere

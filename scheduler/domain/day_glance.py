"""A channel day at a glance, as the operator's start page shows it: published, draft or not assembled, its lesson
slots by readiness, the timed jobs that failed on it, and whether it needs the operator. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from scheduler.domain.channels import SlotKind
from scheduler.domain.plan import SlotReport, SlotStatus


class DayState(StrEnum):
    """What the channel will air on a day: the published version, only a draft (not on air yet), or nothing."""

    PUBLISHED = "published"
    DRAFT = "draft"
    NOT_ASSEMBLED = "not_assembled"


@dataclass(frozen=True)
class DayGlance:
    """One channel day's cell: its state, its lesson slots counted by readiness, failed timed jobs."""

    channel_id: str
    day: date
    state: DayState
    version: int | None  # the published version, else the draft's; None when not assembled
    draft_waiting: bool  # a published day with a newer draft not published yet
    filled: int
    at_risk: int  # a recording still in preparation or review: the standby programme airs unless it is approved
    unfilled: int  # no recording to air, or one longer than its slot: the standby programme airs
    failed_jobs: int
    projected: bool  # not assembled: the counts are what assembling now would give

    @property
    def lessons(self) -> int:
        """Lesson slots of the day."""
        return self.filled + self.at_risk + self.unfilled

    @property
    def needs_attention(self) -> bool:
        """Not published as it stands, a lesson slot that would air the standby programme, or a failed job."""
        return (self.state is not DayState.PUBLISHED or self.draft_waiting or bool(self.at_risk)
                or bool(self.unfilled) or bool(self.failed_jobs))


def glance(
    channel_id: str, day: date, *, published: int | None, draft: int | None, reports: Iterable[SlotReport],
    failed_jobs: int = 0,
) -> DayGlance:
    """The glance of a day from its current published and draft version numbers and the slot reports of the
    version that airs as things stand (the published one, else the draft; the projection when neither is stored)."""
    state = DayState.PUBLISHED if published else DayState.DRAFT if draft else DayState.NOT_ASSEMBLED
    lessons = [r.status for r in reports if r.kind is SlotKind.LESSON]
    return DayGlance(
        channel_id, day, state, published or draft, bool(published and draft),
        filled=lessons.count(SlotStatus.FILLED), at_risk=lessons.count(SlotStatus.AT_RISK),
        unfilled=lessons.count(SlotStatus.UNFILLED) + lessons.count(SlotStatus.OVERLONG),
        failed_jobs=failed_jobs, projected=state is DayState.NOT_ASSEMBLED,
    )

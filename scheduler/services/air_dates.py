"""When lessons are planned to air: the earliest day from today on that a lesson slot needs the lesson.

A stored day (published, else the draft) names the lesson of each slot in its slot reports, whether its
recording is ready or not; after the stored days, the readiness projection of the channel's template (the
assembly's own rule: each subject's lessons in order, one per lesson slot) says which day needs it. Reviewers
sort their queue by it and teachers see it next to each lesson. One pass for a whole page: the stored days'
slot reports in one query, the plan read once, one projection per channel.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from scheduler.domain.channels import SlotKind
from scheduler.domain.plan import SlotReport
from scheduler.services import channel_days
from scheduler.services.channels import channel_from_row, channel_rows
from scheduler.services.guide import broadcast_day
from scheduler.store.models import ChannelDay, DayStatus, Lesson

HORIZON_DAYS = 28  # how far ahead a lesson counts as planned


def planned_air_dates(session: Session, lesson_ids: Collection[int], *, at: datetime) -> dict[int, date]:
    """In the caller's transaction: the earliest day from the broadcast day at `at` (within HORIZON_DAYS) that a
    lesson slot of any channel needs each lesson; lessons no slot needs that soon are left out."""
    wanted = set(lesson_ids)
    if not wanted:
        return {}
    grades = set(session.scalars(select(Lesson.grade).where(Lesson.id.in_(wanted))))
    channels = [channel_from_row(row) for row in channel_rows(session)]
    channels = [(c, t) for c, t in channels if grades & set(c.grades)]
    if not channels:
        return {}
    first = min(broadcast_day(c, at) for c, _t in channels)
    last = first + timedelta(days=HORIZON_DAYS)
    rows = list(session.scalars(
        select(ChannelDay).options(defer(ChannelDay.plan))
        .where(ChannelDay.channel_id.in_([c.id for c, _t in channels]), ChannelDay.day >= first,
               ChannelDay.day < last, ChannelDay.status != DayStatus.SUPERSEDED)
    ))
    reports = channel_days.slot_reports(session, rows)
    on_air = {(r.channel_id, r.day): r for r in rows if r.status is DayStatus.DRAFT}
    on_air |= {(r.channel_id, r.day): r for r in rows if r.status is DayStatus.PUBLISHED}  # the published one airs
    found: dict[int, date] = {}
    _earliest(found, wanted, (s for row in on_air.values() for s in reports[row.id]))
    lessons = channel_days.planned_lessons(session, sorted(grades))
    for channel, template in channels:
        start = broadcast_day(channel, at)
        while (channel.id, start) in on_air:  # the projection takes over after the stored days
            start += timedelta(days=1)
        if start < last:
            _earliest(found, wanted, channel_days.project(session, channel, template, start, (last - start).days,
                                                          lessons))
    return found


def _earliest(found: dict[int, date], wanted: set[int], reports: Iterable[SlotReport]) -> None:
    for report in reports:
        lesson = report.lesson_id
        if report.kind is SlotKind.LESSON and lesson in wanted and (lesson not in found or report.day < found[lesson]):
            found[lesson] = report.day

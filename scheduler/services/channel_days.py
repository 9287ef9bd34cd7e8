"""Use cases of channel days: assembly, publishing, the stand-in after a revocation, readiness.

Each public function takes a session and plain values and owns its transaction, except
`stand_in_for_revoked`, which runs inside the review decision that revoked the recording so that
both commit or neither does. Stored days are versions: a draft may be replaced, a published
version is frozen and a change to it becomes the next version (the old one is `superseded`).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload

from scheduler.domain.assembly import assemble_day, readiness
from scheduler.domain.changes import SlotChange, diff_days, uses_recording, without_recording
from scheduler.domain.channels import Channel, ScheduleError, SlotKind, WeeklyTemplate, describe_day, slots_for
from scheduler.domain.plan import (
    Airing,
    ChannelDayPlan,
    Clip,
    LessonRecording,
    PlannedLesson,
    SlotReport,
    SlotStatus,
    StandIn,
)
from scheduler.domain.policy import check_day, policy_for
from scheduler.domain.review_terms import ReviewState
from scheduler.exports.ical import feed_events, revise
from scheduler.services.channels import clips_by_id, load_channel
from scheduler.services.operator_alerts import REVOKED_ALERT, REVOKED_ALERT_TEXT
from scheduler.store import plan_json
from scheduler.store.models import ChannelDay, DayStatus, Lesson, OperatorAlert, Recording, User

FEED_ALL = "*"  # the key of a day's grade-wide feed events; the others are subject codes


class DayNotPublished(ScheduleError):
    """An export asked for a channel day that has no published version."""

    def __init__(self, channel_id: str, day: date) -> None:
        super().__init__(f"{channel_id} has no published day on {day}")
        self.channel_id = channel_id
        self.day = day


@dataclass(frozen=True)
class DayOutcome:
    """What assembling or publishing did to one channel day."""

    channel_id: str
    day: date
    version: int
    status: DayStatus
    action: str  # assembled, unchanged, published, republished, stood_in
    problems: tuple[SlotReport, ...] = ()
    changes: tuple[SlotChange, ...] = ()
    refilled: int = 0  # publishing re-assembled the draft: lesson slots an approval since has filled


# --- the catalogue as assembly sees it -------------------------------------------------------


def _lesson_recording(recording: Recording) -> LessonRecording:
    teacher = recording.teacher
    school = teacher.school.name if teacher.school else ""
    return LessonRecording(
        recording.id, recording.state, recording.duration_frames, teacher.display_name, school,
        recording.lesson.county.name, f"recordings/{recording.media_name}", recording.revision,
    )


def planned_lessons(session: Session, grades: Sequence[int]) -> list[PlannedLesson]:
    """The curriculum plan of some grades, with every recording and its review state now."""
    lessons = session.scalars(
        select(Lesson).where(Lesson.grade.in_(grades)).options(joinedload(Lesson.subject), joinedload(Lesson.county))
    ).all()
    recordings: dict[int, list[LessonRecording]] = {}
    query = (
        select(Recording)
        .join(Recording.lesson)
        .where(Lesson.grade.in_(grades))
        .options(joinedload(Recording.teacher).joinedload(User.school), joinedload(Recording.lesson))
    )
    for recording in session.scalars(query):
        recordings.setdefault(recording.lesson_id, []).append(_lesson_recording(recording))
    return [
        PlannedLesson(
            lesson.id, lesson.grade, lesson.subject.code, lesson.subject.name, lesson.sequence, lesson.title,
            tuple(recordings.get(lesson.id, ())),
        )
        for lesson in lessons
    ]


# --- stored days ------------------------------------------------------------------------------


def _versions(session: Session, channel_id: str, day: date) -> list[ChannelDay]:
    """A day's versions; their plans are read when asked for (`plan_of` keeps the published ones parsed)."""
    query = select(ChannelDay).options(defer(ChannelDay.plan)).where(ChannelDay.channel_id == channel_id, ChannelDay.day == day)
    return list(session.scalars(query.order_by(ChannelDay.version)))


_FROZEN: OrderedDict[tuple[object, ...], ChannelDayPlan] = OrderedDict()
_FROZEN_KEPT = 256  # a week ahead and two back of eight channels, with room


def plan_of(row: ChannelDay) -> ChannelDayPlan:
    """A stored version's plan. A version once published never changes, so its parse is kept: a grade day is
    ~9,000 events (stored as ~25 runs, spelled out event by event when first read so), and the guide, the live
    timer and the family pages ask often. Kept by the version's identity and publication stamp (ids alone repeat
    across databases)."""
    if row.published_at is None:
        return plan_json.plan_from_dict(row.plan)
    key = _frozen_key(row)
    if key not in _FROZEN:
        _FROZEN[key] = plan_json.plan_from_dict(row.plan)
        while len(_FROZEN) > _FROZEN_KEPT:
            _FROZEN.popitem(last=False)
    _FROZEN.move_to_end(key)
    return _FROZEN[key]


def slot_reports(session: Session, rows: Sequence[ChannelDay]) -> dict[int, tuple[SlotReport, ...]]:
    """In the caller's transaction: the slot reports of stored versions by row id, read from the column kept
    beside each plan (a full demo day's plan was ~2 MB of JSON before 0010); from the plan for rows without it."""
    found = {row.id: plan_json.slot_reports_from_list(row.slots) for row in rows if row.slots is not None}
    unread = [row.id for row in rows if row.slots is None]
    if unread:
        query = select(ChannelDay.id, ChannelDay.plan["slots"]).where(ChannelDay.id.in_(unread))
        found.update((row_id, plan_json.slot_reports_from_list(docs)) for row_id, docs in session.execute(query))
    return found


def _frozen_key(row: ChannelDay) -> tuple[object, ...]:
    """A published version's identity: ids alone repeat across databases."""
    return (row.id, row.channel_id, row.day, row.version, row.published_at)


def published_plans(session: Session, row_ids: Sequence[int]) -> dict[int, ChannelDayPlan]:
    """Published versions' plans by row id. Call outside a transaction: each version is read in one of its
    own and parsed after it (on SQLite every transaction holds the write lock, BEGIN IMMEDIATE)."""
    found: dict[int, ChannelDayPlan] = {}
    for row_id in row_ids:
        with session.begin():
            row = session.get(ChannelDay, row_id, options=[defer(ChannelDay.plan)])
            if row is None or row.published_at is None:
                continue
            key = _frozen_key(row)
            raw = None if key in _FROZEN else row.plan
        if raw is not None:
            _FROZEN[key] = plan_json.plan_from_dict(raw)
            while len(_FROZEN) > _FROZEN_KEPT:
                _FROZEN.popitem(last=False)
        _FROZEN.move_to_end(key)
        found[row_id] = _FROZEN[key]
    return found


def _current(versions: Sequence[ChannelDay], status: DayStatus) -> ChannelDay | None:
    return next((v for v in versions if v.status is status), None)


def _on_air(session: Session, channel_id: str, day: date) -> ChannelDay | None:
    """The version that will air: the published one, else the draft."""
    versions = _versions(session, channel_id, day)
    return _current(versions, DayStatus.PUBLISHED) or _current(versions, DayStatus.DRAFT)


def _with_current_states(airing: Airing, lessons: Mapping[int, PlannedLesson]) -> Airing | None:
    """An earlier day's airing rebuilt from today's lessons and recordings, so it carries today's review states
    (a revoked recording must not be replayed); None when the lesson is gone."""
    lesson = lessons.get(airing.lesson.id)
    if lesson is None:
        return None
    recording = airing.recording and next((r for r in lesson.recordings if r.id == airing.recording.id), None)
    return Airing(lesson, recording)


def _history(
    session: Session, channel: Channel, template: WeeklyTemplate, day: date, lessons: Sequence[PlannedLesson]
) -> tuple[dict[str, int], dict[date, dict[int, Airing]]]:
    """The cursor before `day` (from the nearest earlier stored day) and earlier days' airings for replays."""
    by_id = {lesson.id: lesson for lesson in lessons}
    # Only the plan's cursor: assembling a range reads the day before each day (~2 MB of JSON each before 0010).
    earlier_cursor = session.scalars(
        select(ChannelDay.plan["cursor"])
        .where(ChannelDay.channel_id == channel.id, ChannelDay.day < day, ChannelDay.status != DayStatus.SUPERSEDED)
        .order_by(ChannelDay.day.desc(), ChannelDay.version.desc())
        .limit(1)
    ).first()
    cursor = dict(earlier_cursor or {})
    reach = max((s.replay_of.days_back for s in slots_for(template, day) if s.replay_of), default=0)
    earlier: dict[date, dict[int, Airing]] = {}
    for back in range(1, reach + 1):
        row = _on_air(session, channel.id, day - timedelta(days=back))
        if row is not None:
            airings = plan_of(row).airings.items()
            current = {slot: _with_current_states(a, by_id) for slot, a in airings}
            earlier[row.day] = {slot: a for slot, a in current.items() if a is not None}
    return cursor, earlier


def _assemble(
    session: Session, channel: Channel, template: WeeklyTemplate, day: date, lessons: Sequence[PlannedLesson]
) -> ChannelDayPlan:
    cursor, earlier = _history(session, channel, template, day, lessons)
    slots = slots_for(template, day)
    plan = assemble_day(channel, day, slots, lessons, clips_by_id(session), cursor=cursor, earlier=earlier)
    check_day(policy_for(channel), channel, plan)
    return plan


def _recording_ids(plan: ChannelDayPlan) -> list[int]:
    return sorted({r.recording_id for r in plan.slots if r.recording_id is not None and r.status == "filled"})


def _store(
    session: Session, channel_id: str, day: date, version: int, status: DayStatus, plan: ChannelDayPlan,
    *, at: datetime, by: int | None, note: str = "",
) -> ChannelDay:
    row = ChannelDay(
        channel_id=channel_id, day=day, version=version, status=status, plan=plan_json.plan_to_dict(plan),
        slots=plan_json.slot_reports_to_list(plan.slots), recording_ids=_recording_ids(plan),
        problems=len(plan.problems), note=note, created_at=at, created_by=by,
    )
    session.add(row)
    session.flush()
    return row


def _days(first: date, days: int) -> Iterator[date]:
    if days < 1:
        raise ValueError("days must be at least 1")
    return (first + timedelta(days=n) for n in range(days))


# --- assemble ---------------------------------------------------------------------------------


def assemble(session: Session, channel_id: str, first: date, days: int, *, at: datetime, by: int | None) -> list[DayOutcome]:
    """Assemble days as drafts, in order; all or nothing (a policy violation refuses the whole run)."""
    with session.begin():
        return _each_day(session, channel_id, first, days, _assemble_one, at, by)


def _each_day(session: Session, channel_id: str, first: date, days: int, one_day: Callable[..., DayOutcome],
              at: datetime, by: int | None) -> list[DayOutcome]:
    """one_day(session, channel, template, day, planned lessons, at, by) for each day of the range, in order."""
    channel, template = load_channel(session, channel_id)
    lessons = planned_lessons(session, channel.grades)
    return [one_day(session, channel, template, day, lessons, at, by) for day in _days(first, days)]


def _assemble_one(
    session: Session, channel: Channel, template: WeeklyTemplate, day: date,
    lessons: Sequence[PlannedLesson], at: datetime, by: int | None,
) -> DayOutcome:
    plan = _assemble(session, channel, template, day, lessons)
    versions = _versions(session, channel.id, day)
    draft, published = _current(versions, DayStatus.DRAFT), _current(versions, DayStatus.PUBLISHED)
    latest = draft or published
    if latest is not None and plan_of(latest) == plan:
        return DayOutcome(channel.id, day, latest.version, latest.status, "unchanged", plan.problems)
    if draft is not None:
        session.delete(draft)
        session.flush()
    version = draft.version if draft else (versions[-1].version + 1 if versions else 1)
    _store(session, channel.id, day, version, DayStatus.DRAFT, plan, at=at, by=by, note=describe_day(template, day))
    changes = diff_days(plan_of(published), plan) if published else ()
    return DayOutcome(channel.id, day, version, DayStatus.DRAFT, "assembled", plan.problems, changes)


# --- publish ------------------------------------------------------------------------------------


def publish(session: Session, channel_id: str, first: date, days: int, *, at: datetime, by: int | None) -> list[DayOutcome]:
    """Publish each day's draft (assembling one first where a day has neither draft nor published version)."""
    with session.begin():
        return _publish_days(session, channel_id, first, days, at, by)


def publish_preview(session: Session, channel_id: str, first: date, days: int, *, at: datetime) -> list[DayOutcome]:
    """What `publish` would do to these days now, done and rolled back (nothing is saved)."""
    return _rolled_back(session, lambda scratch: _publish_days(scratch, channel_id, first, days, at, None))


def assemble_and_publish(session: Session, channel_id: str, first: date, days: int, *, at: datetime,
                         by: int | None) -> list[DayOutcome]:
    """Assemble the days afresh from the plan and the approvals now, then publish them: all of the channel's days
    in one transaction, or none (a day's cursor follows from the day before, so half a range would be wrong)."""
    with session.begin():
        return assemble_and_publish_within(session, channel_id, first, days, at=at, by=by)


def assemble_and_publish_within(session: Session, channel_id: str, first: date, days: int, *, at: datetime,
                                by: int | None) -> list[DayOutcome]:
    """`assemble_and_publish` in the caller's transaction (which commits, or rolls back, with the rest of its work)."""
    return _each_day(session, channel_id, first, days, _assemble_and_publish_one, at, by)


def assemble_and_publish_preview(session: Session, channel_id: str, first: date, days: int, *,
                                 at: datetime) -> list[DayOutcome]:
    """What `assemble_and_publish` would do to these days now, done and rolled back (nothing is saved)."""
    return _rolled_back(session, lambda scratch: _each_day(
        scratch, channel_id, first, days, _assemble_and_publish_one, at, None))


def _rolled_back(session: Session, run: Callable[[Session], list[DayOutcome]]) -> list[DayOutcome]:
    """Run a use case in a scratch session and roll it back. A session of its own: a rollback expires every
    object of the caller's (the signed-in user, for one)."""
    with Session(session.get_bind()) as scratch:
        scratch.begin()
        try:
            return run(scratch)
        finally:
            scratch.rollback()


def _assemble_and_publish_one(
    session: Session, channel: Channel, template: WeeklyTemplate, day: date,
    lessons: Sequence[PlannedLesson], at: datetime, by: int | None,
) -> DayOutcome:
    """Publish the day as assembled now, unless nothing on air would change: a published version is only
    replaced for a change families would see (a new version revises the feeds and needs a new playout file).
    Assembly airs approved recordings only, so the plan is published as it comes (no re-assembly, no stale check)."""
    plan = _assemble(session, channel, template, day, lessons)
    versions = _versions(session, channel.id, day)
    draft, published = _current(versions, DayStatus.DRAFT), _current(versions, DayStatus.PUBLISHED)
    if published is not None and draft is None and not diff_days(plan_of(published), plan):
        before = plan_of(published)
        return DayOutcome(channel.id, day, published.version, published.status, "unchanged", before.problems)
    if draft is not None:
        session.delete(draft)
        session.flush()
    version = draft.version if draft else (versions[-1].version + 1 if versions else 1)
    row = _replace_published(session, channel, published, plan, version, at=at, by=by, note=describe_day(template, day))
    changes = diff_days(plan_of(published), plan) if published else ()
    return DayOutcome(channel.id, day, row.version, row.status, "republished" if published else "published",
                      plan.problems, changes)


def standby_lessons(outcomes: Sequence[DayOutcome]) -> list[SlotReport]:
    """The lesson slots that air the standby programme in these outcomes (unfilled, at risk or overlong)."""
    return [p for o in outcomes for p in o.problems if p.kind == SlotKind.LESSON]


def _publish_days(session: Session, channel_id: str, first: date, days: int, at: datetime,
                  by: int | None) -> list[DayOutcome]:
    channel, template = load_channel(session, channel_id)
    lessons = planned_lessons(session, channel.grades)
    outcomes = []
    for day in _days(first, days):
        versions = _versions(session, channel.id, day)
        if not versions:
            _assemble_one(session, channel, template, day, lessons, at, by)
            versions = _versions(session, channel.id, day)
        outcomes.append(_publish_one(session, channel, template, versions, lessons, at, by))
    return outcomes


def _filled_lessons(plan: ChannelDayPlan) -> set[int]:
    return {r.slot for r in plan.slots if r.kind == SlotKind.LESSON and r.status == SlotStatus.FILLED}


def _newer_than(channel: Channel, template: WeeklyTemplate, draft: ChannelDayPlan, lessons: Sequence[PlannedLesson],
                session: Session) -> tuple[ChannelDayPlan, int]:
    """The draft, or the day re-assembled when that fills lesson slots the draft could not (a recording approved
    after the draft was made), with how many it fills."""
    fresh = _assemble(session, channel, template, draft.day, lessons)
    refilled = len(_filled_lessons(fresh) - _filled_lessons(draft))
    return (fresh, refilled) if refilled else (draft, 0)


def _approved_only(channel: Channel, plan: ChannelDayPlan, lessons: Sequence[PlannedLesson], clips: Mapping[str, Clip]) -> ChannelDayPlan:
    """The plan with the standby programme wherever a recording is no longer approved (a stale draft)."""
    approved = {r.id for lesson in lessons for r in lesson.recordings if r.state is ReviewState.APPROVED}
    for recording_id in _recording_ids(plan):
        if recording_id not in approved:
            plan = without_recording(channel, plan, recording_id, clips, None)
    return plan


def _publish_one(
    session: Session, channel: Channel, template: WeeklyTemplate, versions: Sequence[ChannelDay],
    lessons: Sequence[PlannedLesson], at: datetime, by: int | None,
) -> DayOutcome:
    draft, published = _current(versions, DayStatus.DRAFT), _current(versions, DayStatus.PUBLISHED)
    if draft is None:
        assert published is not None
        plan = plan_of(published)
        return DayOutcome(channel.id, published.day, published.version, published.status, "unchanged", plan.problems)
    plan, refilled = _newer_than(channel, template, plan_json.plan_from_dict(draft.plan), lessons, session)
    plan = _approved_only(channel, plan, lessons, clips_by_id(session))
    session.delete(draft)
    session.flush()
    row = _replace_published(session, channel, published, plan, draft.version, at=at, by=by, note=draft.note)
    changes = diff_days(plan_of(published), plan) if published else ()
    action = "republished" if published else "published"
    return DayOutcome(channel.id, row.day, row.version, row.status, action, plan.problems, changes, refilled)


def _replace_published(
    session: Session, channel: Channel, published: ChannelDay | None, plan: ChannelDayPlan, version: int,
    *, at: datetime, by: int | None, note: str,
) -> ChannelDay:
    """Store `plan` as the published version, superseding the old one, with its feed events revised."""
    previous_feeds = (published.feeds or {}) if published else {}
    if published is not None:
        published.status = DayStatus.SUPERSEDED
        session.flush()
    row = _store(session, channel.id, plan.day, version, DayStatus.PUBLISHED, plan, at=at, by=by, note=note)
    row.published_at, row.published_by = at, by
    row.feeds = _revised_feeds(channel, plan, previous_feeds)
    session.flush()
    return row


def _revised_feeds(channel: Channel, plan: ChannelDayPlan, previous: Mapping[str, list[dict]]) -> dict[str, list[dict]]:
    """Feed events of the grade-wide feed and of each subject feed, SEQUENCE and CANCELLED revised."""
    current = {FEED_ALL: feed_events(channel, plan)}
    for subject in {a.lesson.subject for a in plan.airings.values()} | (previous.keys() - {FEED_ALL}):
        current[subject] = feed_events(channel, plan, subject=subject)
    revised = {}
    for key, events in current.items():
        before = [plan_json.feed_event_from_dict(e) for e in previous.get(key, [])]
        kept = revise(before, events)
        if kept:
            revised[key] = [plan_json.feed_event_to_dict(e) for e in kept]
    return revised


# --- revocation -------------------------------------------------------------------------------


def stand_in_for_revoked(session: Session, recording_id: int, *, at: datetime, by: int | None, reason: str) -> list[DayOutcome]:
    """In the caller's transaction: every published day not yet over that airs the recording gets the
    standby programme in its place, as a new published version, and operators get an alert."""
    clips = clips_by_id(session)
    return [_stand_in(session, channel, row, plan, recording_id, clips, at=at, by=by, reason=reason)
            for channel, row, plan in _days_airing(session, recording_id, at)]


def published_days_airing(session: Session, recording_id: int, *, at: datetime) -> list[tuple[str, date]]:
    """In the caller's transaction: the channels (by name) and published days not yet over that air a recording,
    which revoking it would give the standby programme."""
    return [(channel.name, row.day) for channel, row, _plan in _days_airing(session, recording_id, at)
            if row.status is DayStatus.PUBLISHED]


def _days_airing(session: Session, recording_id: int, at: datetime) -> list[tuple[Channel, ChannelDay, ChannelDayPlan]]:
    """Drafts and published days not yet over that air a recording (days that aired keep their history)."""
    rows = session.scalars(
        select(ChannelDay).options(defer(ChannelDay.plan))
        .where(ChannelDay.status != DayStatus.SUPERSEDED, ChannelDay.day >= at.date() - timedelta(days=1))
        .order_by(ChannelDay.day)
    )
    found = []
    for row in [r for r in rows if recording_id in r.recording_ids]:
        channel, _template = load_channel(session, row.channel_id)
        if channel.day_bounds(row.day)[1] > at and uses_recording(plan := plan_of(row), recording_id):
            found.append((channel, row, plan))
    return found


def _stand_in(
    session: Session, channel: Channel, row: ChannelDay, plan: ChannelDayPlan, recording_id: int,
    clips: Mapping[str, Clip], *, at: datetime, by: int | None, reason: str,
) -> DayOutcome:
    note = str(StandIn(recording_id, reason))
    changed = without_recording(channel, plan, recording_id, clips, reason)
    if row.status is DayStatus.DRAFT:
        row.plan, row.recording_ids, row.problems = plan_json.plan_to_dict(changed), _recording_ids(changed), len(changed.problems)
        row.slots = plan_json.slot_reports_to_list(changed.slots)
        return DayOutcome(channel.id, row.day, row.version, row.status, "stood_in", changed.problems, diff_days(plan, changed))
    version = max(v.version for v in _versions(session, channel.id, row.day)) + 1
    new = _replace_published(session, channel, row, changed, version, at=at, by=by, note=note)
    lesson = next(a.lesson.label for a in plan.airings.values() if a.recording and a.recording.id == recording_id)
    facts = {"channel": channel.name, "day": row.day.isoformat(), "lesson": lesson, "recording": recording_id,
             "reason": reason, "version": version}
    session.add(OperatorAlert(
        channel_id=channel.id, day=row.day, kind=REVOKED_ALERT, recording_id=recording_id, created_at=at,
        message=REVOKED_ALERT_TEXT.format(**facts), facts=facts,
    ))
    return DayOutcome(channel.id, row.day, new.version, new.status, "stood_in", changed.problems, diff_days(plan, changed))


# --- reading days -------------------------------------------------------------------------------


def day_plan(session: Session, channel_id: str, day: date, *, drafts: bool = False) -> tuple[Channel, ChannelDayPlan, ChannelDay]:
    """The published plan of a day (or its draft when asked and there is one)."""
    with session.begin():
        return _day_plan(session, channel_id, day, drafts)


def _day_plan(session: Session, channel_id: str, day: date, drafts: bool) -> tuple[Channel, ChannelDayPlan, ChannelDay]:
    channel, _template = load_channel(session, channel_id)
    versions = _versions(session, channel_id, day)
    row = (_current(versions, DayStatus.DRAFT) if drafts else None) or _current(versions, DayStatus.PUBLISHED)
    if row is None:
        raise DayNotPublished(channel_id, day)
    return channel, plan_of(row), row


def day_plans(
    session: Session, channel_ids: Sequence[str], first: date, days: int, *, drafts: bool = False
) -> list[tuple[Channel, ChannelDayPlan]]:
    """Plans of several channels and days; every one must exist (DayNotPublished names the first missing). Each
    channel is loaded once and its days' versions read in one query (a week's XMLTV of nine channels spent 270 ms
    loading a channel and its versions for each of its 63 days)."""
    with session.begin():
        found = []
        for channel_id in channel_ids:
            channel, _template = load_channel(session, channel_id)
            query = select(ChannelDay).options(defer(ChannelDay.plan), defer(ChannelDay.feeds)).where(
                ChannelDay.channel_id == channel_id, ChannelDay.day >= first,
                ChannelDay.day < first + timedelta(days=days), ChannelDay.status != DayStatus.SUPERSEDED)
            current = {(row.day, row.status): row for row in session.scalars(query)}
            for day in _days(first, days):
                row = (current.get((day, DayStatus.DRAFT)) if drafts else None) or current.get((day, DayStatus.PUBLISHED))
                if row is None:
                    raise DayNotPublished(channel_id, day)
                found.append((channel, plan_of(row)))
        return found


def day_versions(session: Session, channel_id: str, first: date, days: int, *, plans: bool = True) -> list[ChannelDay]:
    """Every stored version of some days of a channel, oldest first; without their plans when not asked (a plan was
    ~2 MB of JSON on a full day before 0010: the week grid read a week's versions in 150 ms to learn which exist)."""
    with session.begin():
        load_channel(session, channel_id)
        last = first + timedelta(days=days)
        query = select(ChannelDay).where(ChannelDay.channel_id == channel_id, ChannelDay.day >= first, ChannelDay.day < last)
        if not plans:
            query = query.options(defer(ChannelDay.plan, raiseload=True))
        return list(session.scalars(query.order_by(ChannelDay.day, ChannelDay.version)))


def readiness_report(session: Session, channel_id: str, first: date, days: int) -> tuple[SlotReport, ...]:
    """Lesson and replay slots of the coming days: filled, at risk, unfilled or overlong."""
    with session.begin():
        channel, template = load_channel(session, channel_id)
        return project(session, channel, template, first, days, planned_lessons(session, channel.grades))


def project(session: Session, channel: Channel, template: WeeklyTemplate, first: date, days: int,
            lessons: Sequence[PlannedLesson]) -> tuple[SlotReport, ...]:
    """In the caller's transaction: the readiness of days as assembling them now would give, from the cursor
    of the nearest earlier stored day (`lessons`: the plan of the channel's grades, or of more)."""
    lessons = [lesson for lesson in lessons if lesson.grade in channel.grades]
    cursor, earlier = _history(session, channel, template, first, lessons)
    return readiness(channel, template, first, days, lessons, cursor=cursor, earlier=earlier)

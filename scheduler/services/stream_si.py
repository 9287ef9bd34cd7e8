"""The DVB SI a channel's day file carries: its programmes (the same list XMLTV writes) as EIT p/f and
schedule, with the next day's when it is published, the SDT under the channel's name, TDT and TOT; and the
SI of a lesson's cable rendition, for its own event (`rendition_si`).

Characters the text table lacks are written as 〓: each day they touch gets an operator alert naming them.

The sections are built here (scheduler/exports/dvb_epg.py) and handed to media/si_insert.py as tables in
time, since the media side imports nothing of ours.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, sessionmaker

from media.profiles import CABLE, CableProfile
from media.si_carousel import SiTable
from media.si_insert import dvb_tables
from scheduler.domain.catalogue import NotFound
from scheduler.domain.channels import DEFAULT_ZONE, Channel
from scheduler.domain.frames import FPS
from scheduler.domain.plan import ChannelDayPlan, Event, PlannedLesson
from scheduler.exports.dvb_epg import DaySi, EpgDay, SiOptions, day_si
from scheduler.exports.dvb_si import ServiceIds
from scheduler.exports.dvb_text import Charset, TextWarning
from scheduler.exports.programmes import Programme, day_programmes, lesson_programme
from scheduler.services import channel_days, operator_alerts
from scheduler.services.channels import load_channel
from scheduler.store.models import ChannelDay, DayStatus, Recording

log = logging.getLogger(__name__)


def si_options(profile: CableProfile) -> SiOptions:
    """The SI options a cable profile asks for: its ids, text tables and provider."""
    ids = ServiceIds(profile.transport_stream_id, profile.original_network_id, profile.service_id)
    return SiOptions(ids, Charset(profile.si_charset), profile.sdt_names_gb2312, profile.service_provider)


def _next_day(sessions: sessionmaker[Session], channel: Channel, day: date) -> EpgDay | None:
    """The next day's programmes if it is published (its EIT schedule goes out with today's)."""
    following = day + timedelta(days=1)
    try:
        _channel, plan, row = channel_days.day_plan(sessions(), channel.id, following)
    except channel_days.DayNotPublished:
        return None
    return EpgDay(following, row.version, day_programmes(channel, plan))


def day_file_si(sessions: sessionmaker[Session], channel: Channel, plan: ChannelDayPlan, version: int,
                profile: CableProfile = CABLE, *, at: datetime | None = None) -> DaySi:
    """The SI of a published version's day file; text the tables could not hold is logged and, when `at` (now)
    is given, characters they lack are an operator alert for the day."""
    today = EpgDay(plan.day, version, day_programmes(channel, plan))
    si = day_si(channel.name, today, _next_day(sessions, channel, plan.day), start=channel.moment(plan.day, 0),
                seconds=float(Fraction(plan.frames, channel.fps)), options=si_options(profile))
    _report(sessions, f"day file {channel.id} {plan.day} v{version}", si.warnings, (channel, plan.day), at)
    return si


def _report(sessions: sessionmaker[Session], what: str, warnings: Sequence[TextWarning],
            day: tuple[Channel, date] | None, at: datetime | None) -> None:
    """Log what the SI's text tables could not hold; alert operators to replaced characters of a channel day."""
    for warning in warnings:
        log.warning("DVB SI of %s: %s", what, warning)
    replaced = [(w.character, w.text) for w in warnings if w.character]
    if day is not None and at is not None and replaced:
        channel, when = day
        operator_alerts.alert_si_text(sessions(), channel.id, channel.name, when, replaced, at=at)


def rendition_si(sessions: sessionmaker[Session], recording_id: int, *, at: datetime,
                 profile: CableProfile = CABLE) -> DaySi:
    """The SI of a recording's cable rendition: SDT, and EIT p/f (and schedule) of its one event.

    The event is the recording's first planned airing (the earliest among published days), as the guides
    show it: the programme of its slot, with the start, title and text XMLTV and the day file's EIT give it,
    under the channel's name; a head-end playing the rendition in that slot shows the same guide entry. A
    recording not planned yet is described from `at` (when the rendition is made), for its own length, under
    the profile's service name: a rendition is made once, usually before it is planned, and a start in the
    past or an invented one would be worse. The file's TDT/TOT count from the event's start.
    """
    with sessions() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise NotFound("recording", recording_id)
        frames, grade, lesson_id = recording.duration_frames, recording.lesson.grade, recording.lesson_id
        airing = _first_airing(session, recording_id)
        lesson = next(p for p in channel_days.planned_lessons(session, [grade]) if p.id == lesson_id)
    seconds = frames / FPS
    if airing is None:
        start = at.astimezone(ZoneInfo(DEFAULT_ZONE)).replace(microsecond=0)
        shown = _unplanned(lesson, recording_id, start, seconds)
        name, day, version = profile.service_name, start.date(), 1
    else:
        channel, row, event = airing
        plan = channel_days.plan_of(row)
        start = channel.moment(row.day, event.start).replace(microsecond=0)
        shown = next(p for p in day_programmes(channel, plan) if p.start <= start < p.stop)
        name, day, version = channel.name, row.day, row.version
    si = day_si(name, EpgDay(day, version, [shown]), None, start=shown.start, seconds=seconds,
                options=si_options(profile))
    _report(sessions, f"recording {recording_id}'s rendition", si.warnings,
            None if airing is None else (airing[0], day), at)
    return si


def _unplanned(lesson: PlannedLesson, recording_id: int, start: datetime, seconds: float) -> Programme:
    recording = next(r for r in lesson.recordings if r.id == recording_id)
    return lesson_programme(lesson, recording, start, start + timedelta(seconds=round(seconds)))


def _first_airing(session: Session, recording_id: int) -> tuple[Channel, ChannelDay, Event] | None:
    """The earliest event airing a recording among the published days, with its channel and day."""
    source = f"recording:{recording_id}"
    found: list[tuple[datetime, Channel, ChannelDay, Event]] = []
    published = select(ChannelDay).options(defer(ChannelDay.plan)).where(ChannelDay.status == DayStatus.PUBLISHED)
    for row in session.scalars(published.order_by(ChannelDay.day)):
        if recording_id not in row.recording_ids:
            continue
        if found and row.day > found[0][2].day + timedelta(days=1):
            break  # later days cannot start earlier (a broadcast day is at most a day long)
        try:
            channel, _template = load_channel(session, row.channel_id)
        except NotFound:  # a retired channel
            continue
        for event in channel_days.plan_of(row).events:
            if event.source == source:
                found.append((channel.moment(row.day, event.start).astimezone(UTC), channel, row, event))
                break
        found.sort(key=lambda f: f[0])
    return None if not found else found[0][1:]


def tables(si: DaySi) -> list[SiTable]:
    """The tables media/si_insert.py repeats in the file."""
    return dvb_tables(si.present_following, si.schedule, si.service, si.clock)

"""The DVB SI a channel's day file carries: its programmes (the same list XMLTV writes) as EIT p/f and
schedule, with the next day's when it is published, the SDT under the channel's name, TDT and TOT.

The sections are built here (scheduler/exports/dvb_epg.py) and handed to media/si_insert.py as tables in
time, since the media side imports nothing of ours.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy.orm import Session, sessionmaker

from media.profiles import CABLE, CableProfile
from media.si_carousel import SiTable
from media.si_insert import dvb_tables
from scheduler.domain.channels import Channel
from scheduler.domain.plan import ChannelDayPlan
from scheduler.exports.dvb_epg import DaySi, EpgDay, SiOptions, day_si
from scheduler.exports.dvb_si import ServiceIds
from scheduler.exports.dvb_text import Charset
from scheduler.exports.programmes import day_programmes
from scheduler.services import channel_days

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
                profile: CableProfile = CABLE) -> DaySi:
    """The SI of a published version's day file; text the tables could not hold is logged."""
    today = EpgDay(plan.day, version, day_programmes(channel, plan))
    si = day_si(channel.name, today, _next_day(sessions, channel, plan.day), start=channel.moment(plan.day, 0),
                seconds=float(Fraction(plan.frames, channel.fps)), options=si_options(profile))
    for warning in si.warnings:
        log.warning("DVB SI of %s %s v%s: %s", channel.id, plan.day, version, warning)
    return si


def tables(si: DaySi) -> list[SiTable]:
    """The tables media/si_insert.py repeats in the file."""
    return dvb_tables(si.present_following, si.schedule, si.service, si.clock)

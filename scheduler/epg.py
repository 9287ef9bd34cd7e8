"""Exports of stored channel days: XMLTV, the iCal feeds per grade and per grade+subject, playlists.

Built from published days only (drafts when a caller asks). The bytes depend only on what is
published, so an unchanged schedule exports byte-identical files and the same ETag.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import codec
from scheduler.catalogue import GRADE_NAMES, NotFound
from scheduler.channel_days import FEED_ALL, channel_from_row, channel_rows, day_plan, day_plans
from scheduler.channels import Channel
from scheduler.exports import playlist as playlists
from scheduler.exports.ical import Feed, FeedEvent, to_ical
from scheduler.exports.xmltv import to_xmltv
from scheduler.models import ChannelDay, DayStatus, Subject

FEED_HISTORY = timedelta(days=31)  # how far back a feed keeps past lessons
NOTHING_PUBLISHED = datetime(2020, 1, 1, tzinfo=UTC)
PLAYLIST_FORMATS = {"json": playlists.to_json, "csv": playlists.to_csv, "txt": playlists.to_as_run}
GENERATOR = "airclass"


@dataclass(frozen=True)
class FeedDocument:
    """A serialised feed with what HTTP caching needs."""

    body: bytes
    etag: str
    last_modified: datetime
    title: str


def xmltv(session: Session, channel_ids: Sequence[str], first: date, days: int, *, drafts: bool = False) -> bytes:
    """One XMLTV file for the channels and days (each day must be published, or drafted when asked)."""
    found = day_plans(session, channel_ids, first, days, drafts=drafts)
    channels = list({channel.id: channel for channel, _plan in found}.values())
    return to_xmltv(channels, [plan for _channel, plan in found], generator_info=GENERATOR)


def playlist(session: Session, channel_id: str, day: date, fmt: str, *, drafts: bool = False) -> bytes:
    """A channel day's playlist as JSON, CSV or an as-run style text log."""
    if fmt not in PLAYLIST_FORMATS:
        raise ValueError(f"playlist format must be one of {', '.join(PLAYLIST_FORMATS)}")
    channel, plan, _row = day_plan(session, channel_id, day, drafts=drafts)
    return PLAYLIST_FORMATS[fmt](channel, plan)


def _feed(channels: Sequence[Channel], grade: int, subject_name: str | None) -> Feed:
    title = channels[0].name if len(channels) == 1 else f"空中课堂·{GRADE_NAMES.get(grade, grade)}"
    if subject_name:
        title = f"{title}·{subject_name}"
    numbers = "；".join(
        f"{c.name}：" + "，".join(f"{d.name} {d.number}" for d in c.distributors) for c in channels if c.distributors
    )
    return Feed(title, f"收看频道：{numbers}" if numbers else "")


def grade_feed(session: Session, grade: int, subject: str | None = None, *, now: datetime) -> FeedDocument:
    """The iCal feed of a grade (or of one subject of it): the published lessons from a month back on."""
    with session.begin():
        channels = [channel_from_row(row)[0] for row in channel_rows(session, grade)]
        if not channels:
            raise NotFound("grade", grade)
        subject_name = None
        if subject is not None:
            subject_name = session.scalar(select(Subject.name).where(Subject.code == subject))
            if subject_name is None:
                raise NotFound("subject", subject)
        rows = session.scalars(
            select(ChannelDay).where(
                ChannelDay.channel_id.in_([c.id for c in channels]),
                ChannelDay.status == DayStatus.PUBLISHED,
                ChannelDay.day >= (now - FEED_HISTORY).date(),
            )
        ).all()
        events = _events(rows, subject or FEED_ALL)
        stamp = max((row.published_at for row in rows if row.published_at), default=NOTHING_PUBLISHED)
        feed = _feed(channels, grade, subject_name)
    body = to_ical(feed, events, stamp=stamp)
    return FeedDocument(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', stamp, feed.title)


def _events(rows: Sequence[ChannelDay], key: str) -> list[FeedEvent]:
    return [codec.feed_event_from_dict(doc) for row in rows for doc in (row.feeds or {}).get(key, [])]

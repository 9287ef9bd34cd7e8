"""Exports of stored channel days: XMLTV, the iCal feeds per grade and per grade+subject, playlists.

Built from published days only (drafts when a caller asks). The bytes depend only on what is
published, so an unchanged schedule exports byte-identical files and the same ETag.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from scheduler.domain.catalogue import GRADE_NAMES, NotFound
from scheduler.domain.channels import Channel
from scheduler.domain.plan import Event
from scheduler.exports import playlist as playlists
from scheduler.exports.ical import Feed, to_ical
from scheduler.exports.xmltv import to_xmltv
from scheduler.services.channel_days import FEED_ALL, day_plan, day_plans
from scheduler.services.channels import channel_from_row, channel_rows
from scheduler.services.renditions import cable_renditions
from scheduler.store import plan_json
from scheduler.store.models import ChannelDay, ChannelRow, DayStatus, Subject

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
    """A channel day's playlist as JSON, CSV or an as-run style text log; sources are playout files."""
    if fmt not in PLAYLIST_FORMATS:
        raise ValueError(f"playlist format must be one of {', '.join(PLAYLIST_FORMATS)}")
    channel, plan, _row = day_plan(session, channel_id, day, drafts=drafts)
    with session.begin():
        ids = [e.airing.recording.id for e in plan.events if e.airing and e.airing.recording]
        cable = cable_renditions(session, ids)

    def playout_file(event: Event) -> str:
        """The cable rendition of a recording when it is made, else the file itself."""
        recording = event.airing.recording if event.airing else None
        return cable.get(recording.id, event.media) if recording else event.media

    return PLAYLIST_FORMATS[fmt](channel, plan, rendition=playout_file)


def _feed(channels: Sequence[Channel], grade: int, subject_name: str | None) -> Feed:
    title = channels[0].name if len(channels) == 1 else f"空中课堂·{GRADE_NAMES.get(grade, grade)}"
    if subject_name:
        title = f"{title}·{subject_name}"
    numbers = "；".join(
        f"{c.name}：" + "，".join(f"{d.name} {d.number}" for d in c.distributors) for c in channels if c.distributors
    )
    return Feed(title, f"收看频道：{numbers}" if numbers else "")


_FEED_CACHE: OrderedDict[tuple[object, ...], FeedDocument] = OrderedDict()
_FEED_LOCK = threading.Lock()
FEED_CACHE_SIZE = 128


def grade_feed(
    session: Session, grade: int, subject: str | None = None, *, now: datetime, public_url: str
) -> FeedDocument:
    """The iCal feed of a grade (or of one subject of it): the published lessons from a month back on.

    Built once per published state: a cheap query tells whether anything was published since, and
    the same bytes (and ETag) are served until it has.
    """
    since = (now - FEED_HISTORY).date()
    with session.begin():
        rows = channel_rows(session, grade, public_only=True)
        if not rows:
            raise NotFound("grade", grade)
        subject_name = None
        if subject is not None:
            subject_name = session.scalar(select(Subject.name).where(Subject.code == subject))
            if subject_name is None:
                raise NotFound("subject", subject)
        published = _published(rows, since)
        count, newest, stamp = session.execute(
            select(func.count(ChannelDay.id), func.max(ChannelDay.id), func.max(ChannelDay.published_at))
            .where(*published)
        ).one()
        key = (str(session.get_bind().engine.url), public_url, grade, subject, since, count, newest,
               tuple((row.id, row.updated_at) for row in rows))
        with _FEED_LOCK:
            if (cached := _FEED_CACHE.get(key)) is not None:
                _FEED_CACHE.move_to_end(key)
                return cached
        feeds = session.scalars(select(ChannelDay.feeds).where(*published)).all()
        channels = [channel_from_row(row)[0] for row in rows]
    feed = _feed(channels, grade, subject_name)
    events = [plan_json.feed_event_from_dict(doc) for day in feeds for doc in (day or {}).get(subject or FEED_ALL, [])]
    stamp = stamp or NOTHING_PUBLISHED
    body = to_ical(feed, events, stamp=stamp, base_url=public_url)
    document = FeedDocument(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', stamp, feed.title)
    with _FEED_LOCK:
        _FEED_CACHE[key] = document
        while len(_FEED_CACHE) > FEED_CACHE_SIZE:
            _FEED_CACHE.popitem(last=False)
    return document


def _published(rows: Sequence[ChannelRow], since: date) -> tuple[ColumnElement[bool], ...]:
    """Where-clauses of the published days of these channels from `since` on."""
    return (
        ChannelDay.channel_id.in_([row.id for row in rows]),
        ChannelDay.status == DayStatus.PUBLISHED,
        ChannelDay.day >= since,
    )

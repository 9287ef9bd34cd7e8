"""The playout file of a published channel day: one continuous MPEG-TS, every event at its exported offset.

Lessons come from their cable renditions, stream-copied from their keyframes; a lesson whose rendition is
not made yet is ingested first (QC and renditions, in the render's process), never re-encoded raw into the
day. Fillers, breaks, the standby programme and padding are prepared once per profile and copied in
(media/prepared.py). Room is checked before a render is queued and again before it writes (media/disk_space.py:
a day at 10 Mb/s takes 4.5 GB an hour). The file
carries the day's programme guide as DVB SI (EIT p/f and schedule, SDT, TDT/TOT: services/stream_si.py),
put into its null packets before it is renamed into place. The
job `render_day` (scheduler/ops/job_kinds.py) and `airclass media render-day` both run
`render_published_day`; the operator's day page queues the job with `request_render` (one job per
published version, deduplicated by `render_key`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from media.dayrender import DayRender, DayRenderItem, ItemKind, render_day
from media.disk_space import FreeBytes, check_free_space, disk_free, render_bytes
from media.profiles import CABLE, CableProfile
from media.progress import Watch
from media.si_insert import patch_si
from scheduler.domain.channels import ScheduleError
from scheduler.domain.plan import Event
from scheduler.queue.job_queue import JobQueue
from scheduler.queue.registry import JobContext
from scheduler.services import channel_days, renditions, stream_si
from scheduler.services.ingest import ingest_now
from scheduler.store.models import DayStatus, Job

DAYS_DIR = "days"


def _recording_id(event: Event) -> int | None:
    kind, _, key = event.source.partition(":")
    return int(key) if kind == "recording" else None


def render_items(events: Sequence[Event], cable: dict[int, str]) -> list[DayRenderItem]:
    """One render item per event, consecutive passes of a clip within a slot joined into one looped item.

    Raises RenditionMissing for a lesson without its cable rendition (render_published_day ingests it first).
    """
    items: list[DayRenderItem] = []
    previous: Event | None = None
    for event in events:
        recording_id = _recording_id(event)
        if recording_id is not None:
            if recording_id not in cable:
                raise RenditionMissing(recording_id)
            items.append(DayRenderItem(Path(cable[recording_id]), event.start, event.length, ItemKind.LESSON,
                                       event.in_point))
        elif previous is not None and _continues(previous, event) and items[-1].kind is ItemKind.FILLER:
            last = items[-1]
            items[-1] = DayRenderItem(last.path, last.start_frame, last.frames + event.length, ItemKind.FILLER,
                                      last.in_frame)
        else:
            items.append(DayRenderItem(Path(event.media), event.start, event.length, ItemKind.FILLER, event.in_point))
        previous = event
    return items


class RenditionMissing(ScheduleError):
    """A lesson of the day has no cable rendition, even after its ingest (recording_id)."""

    def __init__(self, recording_id: int) -> None:
        super().__init__(f"recording {recording_id} has no cable rendition: its ingest made none")
        self.recording_id = recording_id


class VersionNotPublished(ScheduleError):
    """A render asked for a version of the day that is not the published one (any more)."""

    def __init__(self, channel_id: str, day: date, version: int, published: int) -> None:
        super().__init__(f"version {version} of {channel_id} {day} is not the published version ({published}): "
                         "nothing was queued")
        self.channel_id, self.day, self.version, self.published = channel_id, day, version, published


def _continues(previous: Event, event: Event) -> bool:
    """The event is the next pass of the same looping clip in the same slot."""
    return (
        event.source == previous.source and event.slot == previous.slot and event.in_point == 0
        and _recording_id(event) is None and previous.end == event.start
    )


def day_file(channel_id: str, day: date, version: int) -> str:
    """Where a day's playout file lives in the media store (a new version is a new file)."""
    return f"{DAYS_DIR}/{channel_id}/{day.isoformat()}-v{version}.ts"


def render_key(channel_id: str, day: date, version: int) -> str:
    """The dedupe key of a version's render: asking twice for it queues one job."""
    return f"render_day:{channel_id}:{day.isoformat()}:v{version}"


def request_render(session: Session, channel_id: str, day: date, version: int, *, at: datetime,
                   by: int | None, media_dir: Path | None = None, free_bytes: FreeBytes = disk_free) -> Job:
    """Queue the `render_day` job of a published version (once: asking again returns the same job).

    media_dir: check first that its file system has room for the day (NotEnoughSpace; nothing queued).
    """
    if media_dir is not None:
        check_free_space(media_dir, render_estimate(session, channel_id, day), free_bytes)
    queue = JobQueue()
    try:
        return queue.submit(session, "render_day", {"channel_id": channel_id, "day": day.isoformat()}, now=at,
                            submitted_by=by, dedupe_key=render_key(channel_id, day, version))
    finally:
        queue.close()


def request_published_render(session: Session, channel_id: str, day: date, version: int, *, at: datetime,
                             by: int | None, media_dir: Path, free_bytes: FreeBytes = disk_free) -> Job:
    """Queue the render of the day's published version, named by the caller as it saw it (DayNotPublished if
    none, VersionNotPublished if another is published now; NotEnoughSpace if the disk has no room)."""
    _channel, _plan, row = channel_days.day_plan(session, channel_id, day)
    if row.version != version:
        raise VersionNotPublished(channel_id, day, version, row.version)
    return request_render(session, channel_id, day, row.version, at=at, by=by, media_dir=media_dir,
                          free_bytes=free_bytes)


def render_estimate(session: Session, channel_id: str, day: date, profile: CableProfile = CABLE) -> int:
    """Bytes the render of the published day will need: the CBR day file and its lessons' parts."""
    _channel, plan, _row = channel_days.day_plan(session, channel_id, day)
    lessons = sum(event.length for event in plan.events if _recording_id(event) is not None)
    return render_bytes(plan.frames, lessons, lessons, profile)


def render_job(session: Session, channel_id: str, day: date, version: int) -> Job | None:
    """The latest render job of a version of the day (None if none was ever queued)."""
    query = select(Job).where(Job.dedupe_key == render_key(channel_id, day, version)).order_by(Job.id.desc())
    with session.begin():
        return session.scalars(query.limit(1)).first()


def rendered_file(session: Session, media_dir: Path, channel_id: str, day: date, version: int) -> Path | None:
    """The playout file of a published (or since superseded) version, once rendered; else None."""
    versions = channel_days.day_versions(session, channel_id, day, 1, plans=False)  # NotFound for an unknown channel
    if not any(v.version == version and v.status is not DayStatus.DRAFT for v in versions):
        return None
    path = media_dir / day_file(channel_id, day, version)
    return path if path.is_file() else None


def render_published_day(
    sessions: sessionmaker[Session], media_dir: Path, channel_id: str, day: date,
    progress: Callable[[float], None] | None = None,
) -> tuple[str, DayRender]:
    """Render the published version of a day into the media store; its path there and what was done."""
    channel, plan, row = channel_days.day_plan(sessions(), channel_id, day)
    recording_ids = sorted({rid for e in plan.events if (rid := _recording_id(e)) is not None})
    with sessions() as session:
        cable = renditions.cable_renditions(session, recording_ids)
    for recording_id in recording_ids:
        if recording_id not in cable:  # QC and renditions now, as its ingest job would: never raw into the day
            ingest_now(sessions, media_dir, recording_id)
    if len(cable) < len(recording_ids):
        with sessions() as session:
            cable = renditions.cable_renditions(session, recording_ids)
    target = day_file(channel_id, day, row.version)
    si = stream_si.tables(stream_si.day_file_si(sessions, channel, plan, row.version, at=datetime.now(UTC)))
    done = render_day(render_items(plan.events, cable), plan.frames, Path(target), media_dir, watch=Watch(progress),
                      finish=lambda path: patch_si(path, si))
    return target, done


def render_day_job(ctx: JobContext, channel_id: str, day: str) -> dict[str, Any]:
    """The `render_day` job."""
    target, done = render_published_day(ctx.sessions(), ctx.media_dir, channel_id, date.fromisoformat(day),
                                        ctx.progress)
    return {"path": target, "frames": done.frames, "copied": len(done.copied), "reencoded": len(done.reencoded),
            "from_prepared": len(done.from_prepared), "encoded_frames": done.encoded_frames,
            "prepared": [str(path) for path in done.prepared]}

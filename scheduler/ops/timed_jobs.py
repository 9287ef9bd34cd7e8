"""Timed jobs (APScheduler 3): nightly assembly, publication at a set hour, the daily export drop,
the public feed files kept current, and orphan uploads set aside.

Exactly one process runs the scheduler (`airclass serve` or `airclass scheduler`); its job store
is the application database. Jobs are top-level functions taking plain values; each opens its own
sessions, calls the services and records its outcome in `timed_job`, which the API reads.
"""
from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from media import prepared
from media.atomic_write import atomic_write_bytes
from scheduler.domain.channels import Channel, ScheduleError
from scheduler.services import channel_days, exports, feed_files, operator_alerts, orphans
from scheduler.services.channels import list_channels
from scheduler.settings import DEFAULT_PUBLIC_URL, Settings
from scheduler.store.db import make_session_factory
from scheduler.store.media_store import MediaStore
from scheduler.store.models import TimedJobRun

log = logging.getLogger(__name__)
ASSEMBLE_HOUR = 1
ORPHAN_SWEEP_HOUR = 4
FEED_REFRESH_MINUTES = 5  # also at local midnight, when every feed's window moves on a day


def _first_day(channel: Channel, now: datetime, ahead: int = 1) -> date:
    return now.astimezone(channel.zone).date() + timedelta(days=ahead)


@dataclass(frozen=True)
class Said:
    """One line of a successful run's summary: what it says (a key the web words in the page's language) and its
    facts. Stored as JSON in `timed_job.last_message`, so no English sentence has to be read back."""

    what: str
    facts: dict[str, str | int]

    def english(self) -> str:
        return SAID_IN_ENGLISH[self.what].format(**self.facts)

    def as_data(self) -> dict[str, str | int]:
        return {"what": self.what, **self.facts}


SAID_IN_ENGLISH = {
    "days_drafted": "{channel}: {done} of {span} days drafted from {first}",
    "days_published": "{channel}: {done} of {span} days published from {first}",
    "files_exported": "{channel}: {files} files in {folder}",
    "feeds_refreshed": "{written} feeds written, {unchanged} unchanged, {removed} removed",
    "orphans_set_aside": "{moved} orphan file(s) set aside in {folder}",
    "prepared_removed": "{removed} prepared clip(s) no day file used for {days} days removed",
    "no_channels": "no channels",
}


def stored_summary(message: str | None) -> list[Said] | None:
    """A successful run's stored summary read back; None for a message stored as text (an error, an older run)."""
    try:
        lines = json.loads(message or "")
    except ValueError:
        return None
    if not isinstance(lines, list) or not all(isinstance(line, dict) and line.get("what") in SAID_IN_ENGLISH
                                              for line in lines):
        return None
    return [Said(line["what"], {k: v for k, v in line.items() if k != "what"}) for line in lines]


def summary_as_data(message: str | None) -> list[dict[str, str | int]] | None:
    """A successful run's stored summary as the API shows it; None for a message stored as text."""
    lines = stored_summary(message)
    return None if lines is None else [line.as_data() for line in lines]


def message_in_english(message: str | None) -> str | None:
    """A run's stored message as English text: a summary worded, an error as stored."""
    lines = stored_summary(message)
    return message if lines is None else "\n".join(line.english() for line in lines)


def record_success(sessions: sessionmaker[Session], job_id: str, summary: list[Said], at: datetime) -> None:
    """Keep a successful run's summary as data: pages word it in their language, the API in English."""
    record_run(sessions, job_id, "ok", json.dumps([line.as_data() for line in summary]), at)


def record_run(sessions: sessionmaker[Session], job_id: str, outcome: str, message: str, at: datetime) -> None:
    """Keep a job's last outcome where the API and the start-up catch-up read it."""
    with sessions() as session, session.begin():
        row = session.get(TimedJobRun, job_id) or TimedJobRun(id=job_id, description=job_id, trigger=BY_HAND)
        row.last_run_at, row.last_outcome, row.last_message = at, outcome, message
        session.add(row)


class ChannelsFailed(ScheduleError):
    """A timed job's work failed on some channels: each one's day and error."""

    def __init__(self, failures: dict[str, tuple[date, str]]) -> None:
        super().__init__("; ".join(f"{channel_id}: {error}" for channel_id, (_day, error) in failures.items()))
        self.failures = failures


def _alert(sessions: sessionmaker[Session], job_id: str, error: Exception, at: datetime) -> None:
    """Alert operators to a failed run: per channel it failed on, or on every channel for an error of the whole job."""
    errors = error.failures if isinstance(error, ChannelsFailed) else f"{type(error).__name__}: {error}"
    try:
        operator_alerts.alert_failed_job(sessions(), job_id, errors, at=at)
    except Exception:  # the job's own error is the one to re-raise and log
        log.exception("could not alert operators to the failure of %s", job_id)


def recorded(job_id: str) -> Callable[[Callable[..., list[Said]]], Callable[..., str]]:
    """Record a job's outcome: 'ok' with its summary (as JSON), or 'failed' with the error (then re-raise); the run
    returns the summary in English, for logs."""

    def decorate(job: Callable[..., list[Said]]) -> Callable[..., str]:
        @functools.wraps(job)
        def run(database_url: str, *args: Any, **kwargs: Any) -> str:
            at = datetime.now(UTC)
            sessions = make_session_factory(database_url)
            try:
                summary = job(sessions, *args, **kwargs)
            except Exception as error:
                record_run(sessions, job_id, "failed", f"{type(error).__name__}: {error}"[:4000], at)
                _alert(sessions, job_id, error, at)
                raise
            else:
                record_success(sessions, job_id, summary, at)
                return "\n".join(line.english() for line in summary)
            finally:
                sessions.kw["bind"].dispose()

        return run

    return decorate


def _each_channel(sessions: sessionmaker[Session], now: datetime, work: Callable[[Session, Channel, date], Said],
                  ahead: int = 1) -> list[Said]:
    """Run work per channel from `ahead` days after today in its zone (sessions: the job's own); one channel's
    refusal does not stop the others, but fails the job."""
    lines: list[Said] = []
    failures = {}
    for channel in list_channels(sessions()):
        first = _first_day(channel, now, ahead)
        try:
            lines.append(work(sessions(), channel, first))
        except ScheduleError as error:
            failures[channel.id] = (first, str(error))
    if failures:
        raise ChannelsFailed(failures)
    return lines or [Said("no_channels", {})]


def _days_ahead(sessions: sessionmaker[Session], days: int, now: datetime | None,
                operation: Callable[..., list[channel_days.DayOutcome]], counted: tuple[str, ...], said: str,
                from_today: bool) -> list[Said]:
    """Run an assemble or publish over tomorrow (or today, catching up) and the following days of every channel."""
    at = now or datetime.now(UTC)
    span = days + 1 if from_today else days

    def work(session: Session, channel: Channel, first: date) -> Said:
        outcomes = operation(session, channel.id, first, span, at=at, by=None)
        done = sum(o.action in counted for o in outcomes)
        return Said(said, {"channel": channel.id, "done": done, "span": span, "first": first.isoformat()})

    return _each_channel(sessions, at, work, ahead=0 if from_today else 1)


@recorded("assemble_ahead")
def assemble_ahead(sessions: sessionmaker[Session], days: int, now: datetime | None = None,
                   from_today: bool = False) -> list[Said]:
    """Assemble tomorrow (today too when catching up) and the following days as drafts, on every channel."""
    return _days_ahead(sessions, days, now, channel_days.assemble, ("assembled",), "days_drafted", from_today)


@recorded("publish_ahead")
def publish_ahead(sessions: sessionmaker[Session], days: int, public_dir: str | None = None,
                  now: datetime | None = None, public_url: str = DEFAULT_PUBLIC_URL, from_today: bool = False) -> list[Said]:
    """Publish the drafts of tomorrow (today too when catching up) and the following days, on every channel
    (and their feed files)."""
    if public_dir is not None:
        feed_files.refresh_after_commit(sessions, Path(public_dir), public_url)
    return _days_ahead(sessions, days, now, channel_days.publish, ("published", "republished"), "days_published",
                       from_today)


@recorded("export_drop")
def export_drop(sessions: sessionmaker[Session], export_dir: str, now: datetime | None = None) -> list[Said]:
    """Write tomorrow's XMLTV and playlists of every channel under export_dir/YYYY-MM-DD/."""
    at = now or datetime.now(UTC)

    def work(session: Session, channel: Channel, first: date) -> Said:
        folder = Path(export_dir) / first.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        files = {f"{channel.id}.xml": exports.xmltv(session, [channel.id], first, 1)}
        files |= {f"{channel.id}.{fmt}": exports.playlist(session, channel.id, first, fmt) for fmt in exports.PLAYLIST_FORMATS}
        for name, body in files.items():
            atomic_write_bytes(folder / name, body)
        return Said("files_exported", {"channel": channel.id, "files": len(files), "folder": str(folder)})

    return _each_channel(sessions, at, work)


@recorded("refresh_feeds")
def refresh_feeds(sessions: sessionmaker[Session], public_dir: str, now: datetime | None = None,
                  public_url: str = DEFAULT_PUBLIC_URL) -> list[Said]:
    """Rewrite the public feed files that differ from what the app would serve (window rolled, write lost)."""
    with sessions() as session:
        done = feed_files.refresh_feed_files(session, Path(public_dir), now=now or datetime.now(UTC),
                                             public_url=public_url)
    return [Said("feeds_refreshed", {"written": len(done.written), "unchanged": done.unchanged,
                                     "removed": len(done.removed)})]


@recorded("sweep_orphans")
def sweep_orphans(sessions: sessionmaker[Session], media_dir: str, now: datetime | None = None) -> list[Said]:
    """Set aside files in recordings/ that no recording references (an upload killed before its commit), and
    remove the prepared passes of fillers and padding that no day file has used for a month."""
    store = MediaStore(Path(media_dir), max_upload_bytes=0)  # sweeping receives nothing
    at = now or datetime.now(UTC)
    moved = orphans.sweep_orphan_recordings(sessions(), store, now=at)
    removed = prepared.remove_unused(Path(media_dir), now=at.timestamp())
    return [Said("orphans_set_aside", {"moved": len(moved), "folder": str(store.orphans_dir)}),
            Said("prepared_removed", {"removed": len(removed), "days": prepared.UNUSED_DAYS})]


@dataclass(frozen=True)
class TimedJob:
    id: str
    description: str
    trigger: CronTrigger
    func: Callable[..., str]
    kwargs: dict[str, Any]


def timed_jobs(settings: Settings) -> list[TimedJob]:
    """The jobs and when they run, in the default channel zone."""
    zone, url, hour = settings.timezone, settings.database_url, settings.publish_hour
    return [
        TimedJob("assemble_ahead", f"nightly assembly of the next {settings.days_ahead} days as drafts",
                 CronTrigger(hour=ASSEMBLE_HOUR, timezone=zone), assemble_ahead,
                 {"database_url": url, "days": settings.days_ahead}),
        TimedJob("publish_ahead", f"publication of the next {settings.days_ahead} days' drafts",
                 CronTrigger(hour=hour, timezone=zone), publish_ahead,
                 {"database_url": url, "days": settings.days_ahead, "public_dir": str(settings.public),
                  "public_url": settings.public_url}),
        TimedJob("export_drop", "tomorrow's XMLTV and playlists into the export folder",
                 CronTrigger(hour=hour, minute=30, timezone=zone), export_drop,
                 {"database_url": url, "export_dir": str(settings.exports)}),
        TimedJob("refresh_feeds", "the public feed files rewritten where the schedule or the day has changed",
                 CronTrigger(minute=f"*/{FEED_REFRESH_MINUTES}", timezone=zone), refresh_feeds,
                 {"database_url": url, "public_dir": str(settings.public), "public_url": settings.public_url}),
        TimedJob("sweep_orphans", "files in recordings/ that no recording references set aside in orphans/, "
                 "prepared clips unused for a month removed",
                 CronTrigger(hour=ORPHAN_SWEEP_HOUR, timezone=zone), sweep_orphans,
                 {"database_url": url, "media_dir": str(settings.media_dir)}),
    ]


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    """A scheduler with the jobs registered in the database job store (start it in one process only)."""
    scheduler = BackgroundScheduler(
        # NullPool: the scheduler thread may hold a connection while shutdown disposes the engine.
        jobstores={"default": SQLAlchemyJobStore(url=settings.database_url, engine_options={"poolclass": NullPool})},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=settings.timezone,
    )
    for job in timed_jobs(settings):
        scheduler.add_job(job.func, job.trigger, id=job.id, name=job.description, kwargs=job.kwargs,
                          replace_existing=True)
    scheduler.add_listener(functools.partial(_after_run, scheduler, settings.database_url),
                           EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return scheduler


def start(scheduler: BackgroundScheduler, settings: Settings) -> threading.Thread:
    """Start; publish each job's description and next run where the API can read them; and catch up, in a
    thread of its own, on the assembly and publication missed while no scheduler ran (the thread is returned)."""
    scheduler.start()
    _sync(scheduler, settings.database_url)
    catching_up = threading.Thread(target=catch_up, args=(settings, datetime.now(UTC)), name="catch-up", daemon=True)
    catching_up.start()
    return catching_up


BY_HAND = "run by hand"  # the trigger of a job run by hand (or by the demo) before any scheduler recorded its own
CAUGHT_UP = ("assemble_ahead", "publish_ahead")  # in this order: publication takes the fresh drafts


def missed(trigger: CronTrigger, last_run: datetime | None, now: datetime) -> bool:
    """Whether the trigger fired (or would have) after the last run and by now; never run counts as missed."""
    if last_run is None:
        return True
    due = trigger.get_next_fire_time(None, last_run)
    return due is not None and due <= now


def catch_up(settings: Settings, now: datetime) -> list[str]:
    """Run the assembly and publication a stopped service missed, from today on (families need today's
    guide too); the ids of the jobs run. A failure is logged and recorded like any run's."""
    sessions = make_session_factory(settings.database_url)
    with sessions() as session:
        last = {row.id: row.last_run_at for row in session.scalars(select(TimedJobRun))}
    sessions.kw["bind"].dispose()
    ran = []
    for job in (j for j in timed_jobs(settings) if j.id in CAUGHT_UP):
        if missed(job.trigger, last.get(job.id), now):
            try:
                log.info("catching up on %s: %s", job.id, job.func(**job.kwargs, now=now, from_today=True))
            except Exception:
                log.exception("catching up on %s failed", job.id)
            ran.append(job.id)
    return ran


def _after_run(scheduler: BackgroundScheduler, database_url: str, event: JobExecutionEvent) -> None:
    if event.exception is not None:
        log.error("timed job %s failed: %s", event.job_id, event.exception)
    # Not in this (the executor's) thread: shutdown(wait=True) holds the job stores' lock while it waits for
    # the executor, and get_jobs() needs that lock; a job ending during a shutdown would hang it for good.
    threading.Thread(target=_sync_while_running, args=(scheduler, database_url), name="timed-job-sync",
                     daemon=True).start()


def _sync_while_running(scheduler: BackgroundScheduler, database_url: str) -> None:
    if scheduler.running:
        _sync(scheduler, database_url)


def _sync(scheduler: BackgroundScheduler, database_url: str) -> None:
    sessions = make_session_factory(database_url)
    with sessions() as session, session.begin():
        for job in scheduler.get_jobs():
            row = session.get(TimedJobRun, job.id) or TimedJobRun(id=job.id)
            row.description, row.trigger = job.name, str(job.trigger)
            row.next_run_at = job.next_run_time
            session.add(row)
    sessions.kw["bind"].dispose()


def list_timed_jobs(session: Session) -> list[TimedJobRun]:
    """The timed jobs as the scheduler process last recorded them."""
    with session.begin():
        return list(session.scalars(select(TimedJobRun).order_by(TimedJobRun.id)))

"""`airclass schedule ...` and `airclass export ...`: channel days and their exports for cron and operators."""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session, sessionmaker

from media.atomic_write import atomic_write_bytes
from scheduler.domain.catalogue import CatalogueError
from scheduler.domain.channels import Channel, ScheduleError
from scheduler.ops import timed_jobs
from scheduler.services import channel_days, exports
from scheduler.services.channels import get_channel, list_channels


def sessions() -> sessionmaker[Session]:
    """The app's session factory (the command runs in its app context)."""
    factory: sessionmaker[Session] = current_app.extensions["airclass.sessions"]
    return factory


def selected_channels(grade: int | None, channel_id: str | None) -> list[Channel]:
    if channel_id:
        return [get_channel(sessions()(), channel_id)[0]]
    channels = list_channels(sessions()(), grade)
    if not channels:
        raise click.ClickException(f"no channel carries grade {grade}" if grade else "no channels yet")
    return channels


def first_day(given: datetime | None, channel: Channel) -> date:
    return given.date() if given else datetime.now(UTC).astimezone(channel.zone).date()


def _write(body: bytes, output: str | None) -> None:
    """Write to a file atomically (a temporary name, then rename), or to stdout."""
    if output is None or output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    atomic_write_bytes(target, body)
    click.echo(f"wrote {target} ({len(body)} bytes)", err=True)


def _run(action: Callable[[], Any]) -> Any:
    """Domain refusals become a clear message and exit status 1."""
    try:
        return action()
    except (ScheduleError, CatalogueError, ValueError) as error:
        raise click.ClickException(str(error)) from error


def selection(command: Callable[..., Any]) -> Callable[..., Any]:
    """--grade / --channel / --from / --days."""
    for option in reversed([
        click.option("--grade", type=click.IntRange(1, 12), help="every channel carrying this grade"),
        click.option("--channel", "channel_id", help="one channel id"),
        click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="first day (default: today)"),
        click.option("--days", type=click.IntRange(1, 400), default=1, show_default=True),
    ]):
        command = option(command)
    return command


@click.group("schedule")
def schedule_group() -> None:
    """Assemble, publish and report on channel days."""


def _print_outcomes(outcomes: Sequence[channel_days.DayOutcome]) -> None:
    for o in outcomes:
        click.echo(f"{o.channel_id} {o.day} v{o.version} {o.status.value}: {o.action}, {len(o.problems)} slot(s) on standby")
        for change in o.changes:
            click.echo(f"    {change}")


def _for_each_day(operation: Callable[..., list[channel_days.DayOutcome]], grade: int | None,
                  channel_id: str | None, first: datetime | None, days: int) -> None:
    for channel in _run(lambda: selected_channels(grade, channel_id)):
        start = first_day(first, channel)
        _print_outcomes(_run(partial(operation, sessions()(), channel.id, start, days, at=datetime.now(UTC), by=None)))


@schedule_group.command("assemble")
@selection
@with_appcontext
def assemble(grade: int | None, channel_id: str | None, first: datetime | None, days: int) -> None:
    """Assemble days as drafts."""
    _for_each_day(channel_days.assemble, grade, channel_id, first, days)


@schedule_group.command("publish")
@selection
@with_appcontext
def publish(grade: int | None, channel_id: str | None, first: datetime | None, days: int) -> None:
    """Publish days (assembling those that have no draft yet)."""
    _for_each_day(channel_days.publish, grade, channel_id, first, days)


@schedule_group.command("report")
@selection
@with_appcontext
def report(grade: int | None, channel_id: str | None, first: datetime | None, days: int) -> None:
    """Readiness of the coming days: filled, at risk, unfilled, overlong."""
    for channel in _run(lambda: selected_channels(grade, channel_id)):
        start = first_day(first, channel)
        reports = _run(partial(channel_days.readiness_report, sessions()(), channel.id, start, days))
        click.echo(f"{channel.name} ({channel.id})")
        for r in reports:
            clock = channel.moment(r.day, r.start).strftime("%H:%M")
            click.echo(f"  {r.day} {clock} slot {r.slot:>2} {r.status.value:<9} {r.note}")


@schedule_group.command("run-job")
@click.argument("job_id", type=click.Choice(["assemble_ahead", "publish_ahead", "export_drop", "refresh_feeds", "sweep_orphans"]))
@with_appcontext
def run_job(job_id: str) -> None:
    """Run one timed job now, as the scheduler would (its outcome is recorded for the API)."""
    job = next(j for j in timed_jobs.timed_jobs(current_app.config["AIRCLASS_SETTINGS"]) if j.id == job_id)
    click.echo(_run(lambda: job.func(**job.kwargs)))


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the timed jobs in this process (instead of `airclass serve`; never both)."""
    settings = current_app.config["AIRCLASS_SETTINGS"]
    from scheduler.ops.live_timer import LiveTimer  # the command alone needs the live side's media code
    from web.family_pages import FamilyPagesTimer

    scheduler = timed_jobs.build_scheduler(settings)
    timed_jobs.start(scheduler, settings)
    live = LiveTimer(settings).start()
    pages = FamilyPagesTimer(current_app._get_current_object()).start()  # type: ignore[attr-defined]
    for job in scheduler.get_jobs():
        click.echo(f"{job.id}: next run {job.next_run_time} ({job.name})")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        live.stop()
        pages.stop()
        scheduler.shutdown()


@click.group("export")
def export_group() -> None:
    """Export published channel days (drafts only with --draft)."""


def export_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--draft", is_flag=True, help="export drafts where a day has one")(command)
    return click.option("-o", "--output", help="file to write (default: stdout)")(selection(command))


@export_group.command("xmltv")
@export_options
@with_appcontext
def export_xmltv(grade: int | None, channel_id: str | None, first: datetime | None, days: int,
                 output: str | None, draft: bool) -> None:
    """One XMLTV file for the selected channels and days."""
    channels = _run(lambda: selected_channels(grade, channel_id))
    start = first_day(first, channels[0])
    _write(_run(lambda: exports.xmltv(sessions()(), [c.id for c in channels], start, days, drafts=draft)), output)


@export_group.command("playlist")
@export_options
@click.option("--format", "fmt", type=click.Choice(sorted(exports.PLAYLIST_FORMATS)), default="json", show_default=True)
@with_appcontext
def export_playlist(grade: int | None, channel_id: str | None, first: datetime | None, days: int,
                    output: str | None, draft: bool, fmt: str) -> None:
    """A channel day's playlist (one channel, one day)."""
    channels = _run(lambda: selected_channels(grade, channel_id))
    if len(channels) != 1 or days != 1:
        raise click.ClickException("a playlist is one channel and one day: give --channel (or a grade with one channel)")
    start = first_day(first, channels[0])
    _write(_run(lambda: exports.playlist(sessions()(), channels[0].id, start, fmt, drafts=draft)), output)


@export_group.command("ical")
@click.option("--grade", type=click.IntRange(1, 12), required=True)
@click.option("--subject", help="subject code, e.g. math")
@click.option("-o", "--output", help="file to write (default: stdout)")
@with_appcontext
def export_ical(grade: int, subject: str | None, output: str | None) -> None:
    """The iCal feed of a grade (or of one of its subjects), as served at /feeds/."""
    public_url = current_app.config["AIRCLASS_SETTINGS"].public_url
    feed = _run(lambda: exports.grade_feed(sessions()(), grade, subject, now=datetime.now(UTC), public_url=public_url))
    _write(feed.body, output)


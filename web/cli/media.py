"""`airclass media ingest`, `render-day` and `sweep-orphans`: media work run here and now, with a progress bar."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from media.atomic_write import atomic_output
from media.disk_space import NotEnoughSpace
from scheduler.domain.catalogue import CatalogueError
from scheduler.domain.channels import ScheduleError
from scheduler.domain.review_errors import ReviewError
from scheduler.services import accounts, orphans, playout, recordings
from scheduler.services.ingest import ingest_now
from scheduler.store.media_store import MediaStore
from web.cli.media_tools import media_group
from web.cli.schedule import first_day, selected_channels, sessions


def _with_bar(label: str, work: Callable[[Callable[[float], None]], Any]) -> Any:
    with click.progressbar(length=100, label=label) as bar:
        done = [0]

        def progress(percent: float) -> None:
            step = int(percent) - done[0]
            if step > 0:
                bar.update(step)
                done[0] += step

        try:
            return work(progress)
        except (ScheduleError, CatalogueError, ReviewError) as error:
            raise click.ClickException(str(error)) from error


@media_group.command("ingest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lesson", "lesson_id", type=int, required=True, help="the lesson this records")
@click.option("--teacher", required=True, help="username of the teacher it is uploaded as")
@with_appcontext
def ingest_command(file: Path, lesson_id: int, teacher: str) -> None:
    """Upload a file for a lesson as a teacher, then run its QC and renditions here (not in a worker)."""
    store: MediaStore = current_app.extensions["airclass.store"]
    try:
        actor = recordings.actor_for(accounts.find_user(sessions()(), teacher))
        with file.open("rb") as stream:
            recording = recordings.upload_recording(sessions()(), store, actor, lesson_id, stream, file.name,
                                                  at=datetime.now(UTC))
    except (CatalogueError, ReviewError) as error:
        raise click.ClickException(str(error)) from error
    result = _with_bar(f"ingest of recording {recording.id}",
                       lambda progress: ingest_now(sessions(), store.root, recording.id, progress))
    click.echo(f"recording {recording.id}: QC {result['qc_status']}"
               + (f" (failed: {result['qc_failed']})" if result.get("qc_failed") else ""))
    for profile, path in result.get("renditions", {}).items():
        click.echo(f"  {profile}: {store.root / path}")


@media_group.command("render-day")
@click.option("--grade", type=click.IntRange(1, 12))
@click.option("--channel", "channel_id")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="the broadcast day (default: today)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="also copy the file here")
@with_appcontext
def render_day_command(grade: int | None, channel_id: str | None, day: datetime | None, output: Path | None) -> None:
    """Render a published channel day into one continuous MPEG-TS (kept in the media store)."""
    try:
        channels = selected_channels(grade, channel_id)
    except (ScheduleError, CatalogueError) as error:
        raise click.ClickException(str(error)) from error
    if len(channels) != 1:
        raise click.ClickException("a day file is one channel: give --channel")
    store: MediaStore = current_app.extensions["airclass.store"]
    when = first_day(day, channels[0])
    try:
        target, done = _with_bar(f"{channels[0].id} {when}", lambda progress: playout.render_published_day(
            sessions(), store.root, channels[0].id, when, progress))
    except NotEnoughSpace as error:  # refused before anything was written
        raise click.ClickException(str(error)) from error
    click.echo(f"{store.root / target}: {done.frames} frames, {len(done.copied)} lesson(s) stream-copied, "
               f"{len(done.from_prepared)} filler run(s) from prepared clips ({len(done.prepared)} prepared now), "
               f"{done.encoded_frames} frame(s) encoded")
    if output is not None:
        with atomic_output(output) as temporary:
            shutil.copyfile(store.root / target, temporary)
        click.echo(f"copied to {output}")


@media_group.command("sweep-orphans")
@click.option("--older-than", "hours", type=click.FloatRange(min=1), show_default=True,
              default=orphans.ORPHAN_GRACE.total_seconds() / 3600,
              help="hours a file must be untouched (at least 1: an upload may be between its move and its commit)")
@with_appcontext
def sweep_orphans_command(hours: float) -> None:
    """Move files in recordings/ that no recording references (a process killed mid-upload) into orphans/."""
    store: MediaStore = current_app.extensions["airclass.store"]
    with sessions()() as session:
        moved = orphans.sweep_orphan_recordings(session, store, now=datetime.now(UTC), older_than=timedelta(hours=hours))
    for path in moved:
        click.echo(f"set aside: {path}")
    click.echo(f"{len(moved)} orphan file(s) moved to {store.orphans_dir}"
               + (" (look, then delete them or move them back to recordings/)" if moved else ""))

"""`airclass backup -o DIR` and `airclass restore DIR`: click commands on the AIRCLASS_* settings (no app needed)."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from scheduler.ops.backup import BackupError, BackupSummary, backup, restore
from scheduler.settings import load_settings


def _rows(summary: BackupSummary) -> str:
    return ", ".join(f"{name} {count}" for name, count in summary.rows.items() if count)


@click.command("backup")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path), help="a new directory")
def backup_command(output: Path) -> None:
    """Back up the database (JSON lines per table, Alembic revision) and a manifest of the media store."""
    settings = load_settings()
    try:
        summary = backup(settings.database_url, settings.media_dir, output, at=datetime.now(UTC))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up revision {summary.revision} to {summary.directory}")
    click.echo(f"rows: {_rows(summary) or 'none'}; media files listed: {summary.media_files}")
    if summary.skipped_tables:
        click.echo(f"not backed up (not airclass's tables): {', '.join(summary.skipped_tables)}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace what a non-empty database holds")
def restore_command(source: Path, force: bool) -> None:
    """Restore a backup into an empty, migrated database and check the media store against its manifest."""
    settings = load_settings()
    try:
        summary = restore(settings.database_url, source, settings.media_dir, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored revision {summary.revision} from {source}: {_rows(summary) or 'no rows'}")
    media = summary.media
    click.echo(f"media: {summary.media_files} files listed, {len(media.missing)} missing, {len(media.changed)} changed")
    for path in media.missing:
        click.echo(f"  missing: {path}")
    for path in media.changed:
        click.echo(f"  changed: {path}")
    if not media.ok:
        raise click.exceptions.Exit(2)


"""The `airclass` command: Flask's CLI with the app factory preloaded, plus airclass's commands."""
from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext

from scheduler.domain.catalogue import NotFound
from scheduler.domain.review_terms import Role
from scheduler.ops.job_kinds import load_job_kinds
from scheduler.services import accounts, feed_files
from scheduler.settings import Settings
from scheduler.store.db import upgrade_database
from web.app import create_app
from web.cli.backup import backup_command, restore_command
from web.cli.jobs import jobs_group, worker_command
from web.cli.media import media_group
from web.cli.schedule import export_group, schedule_group, scheduler_command, sessions


def _settings() -> Settings:
    return current_app.config["AIRCLASS_SETTINGS"]


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False)
def cli() -> None:
    """airclass: broadcast scheduling for TV air-classroom channels."""
    load_job_kinds()  # workers run them, `jobs submit` checks them


# Flask's own `run` is a development server: `airclass serve` is the way to serve.
cli.add_command(shell_command)
cli.add_command(routes_command)
cli.add_command(backup_command)
cli.add_command(restore_command)
cli.add_command(schedule_group)
cli.add_command(export_group)
cli.add_command(scheduler_command)
cli.add_command(media_group)
cli.add_command(worker_command)
cli.add_command(jobs_group)


@cli.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version (Alembic)."""
    upgrade_database(_settings().database_url)
    click.echo("database is up to date")


@cli.group("user")
def user_group() -> None:
    """User account commands."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role if r is not Role.SYSTEM]), required=True)
@click.option("--name", "display_name", default="", help="display name (Chinese is fine)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--school-id", type=int)
@click.option("--county-id", type=int)
@click.option("--city-id", type=int)
@with_appcontext
def user_add(username: str, role: str, display_name: str, password: str, **scope: int | None) -> None:
    """Create a user account with a role and its scope."""
    user = accounts.create_user(
        sessions()(), username=username, password=password, role=Role(role),
        display_name=display_name or username, at=datetime.now(UTC), **scope,
    )
    click.echo(f"created user {user.username} (id {user.id}, role {user.role.value})")


@cli.group("token")
def token_group() -> None:
    """API token commands."""


@token_group.command("create")
@click.argument("username")
@click.option("--name", default="cli")
@with_appcontext
def token_create(username: str, name: str) -> None:
    """Issue an API token for a user (printed once)."""
    try:
        user = accounts.find_user(sessions()(), username)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(accounts.create_token(sessions()(), user.id, name, at=datetime.now(UTC)))


@cli.command("demo")
@click.option("--samples", "samples_dir", default="sample_media/out", show_default=True, type=click.Path())
@with_appcontext
def demo(samples_dir: str) -> None:
    """Seed a Jiaxing-like demo city with users, lessons and recordings (idempotent)."""
    from pathlib import Path

    from media.samples import generate_all
    from scheduler.ops.demo import seed_demo

    upgrade_database(_settings().database_url)
    samples = generate_all(Path(samples_dir))
    store = current_app.extensions["airclass.store"]
    click.echo(seed_demo(sessions(), store, samples, datetime.now(UTC)))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--scheduler/--no-scheduler", "with_scheduler", default=True, show_default=True,
              help="run the timed jobs (nightly assembly, publication, export drop) in this process")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(0, 64),
              help="local media-job workers in this process (0: run `airclass worker` elsewhere)")
@click.option("--trusted-proxy", envvar="AIRCLASS_TRUSTED_PROXY", metavar="ADDRESS",
              help="the address of nginx in front (`airclass nginx-config`): its X-Forwarded-For names the client")
@with_appcontext
def serve(host: str, port: int, threads: int, with_scheduler: bool, workers: int, trusted_proxy: str | None) -> None:
    """Serve airclass with the production WSGI server (waitress)."""
    import waitress

    from scheduler.ops import timed_jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _refresh_feed_files()
    if with_scheduler:
        from scheduler.ops.live_timer import LiveTimer
        from web.family_pages import FamilyPagesTimer

        timed_jobs.start(timed_jobs.build_scheduler(_settings()), _settings())
        LiveTimer(_settings()).start()
        FamilyPagesTimer(app).start()
        click.echo("timed jobs, the live channels' playlists and the families' pages are running in this process")
    pool = None
    if workers:
        from scheduler.queue.local import start_embedded_pool

        pool = start_embedded_pool(_settings().database_url, _settings().media_dir, workers)
    click.echo(f"airclass is serving on http://{host}:{port}/ (requests are logged to {_settings().access_log})")
    try:
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
                 "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto"} if trusted_proxy else {}
        waitress.serve(app, host=host, port=port, threads=threads, ident="airclass", **proxy)
    finally:
        if pool is not None:
            pool.stop()


def _refresh_feed_files() -> None:
    with sessions()() as session:
        refresh = feed_files.refresh_feed_files(session, _settings().public, now=datetime.now(UTC),
                                                public_url=_settings().public_url)
    click.echo(f"public feeds in {_settings().public}: {refresh.summary()}")


@cli.command("nginx-config")
@click.option("--listen", default="80", show_default=True, help="nginx's listen address or port")
@click.option("--app", "app_address", default="127.0.0.1:8000", show_default=True, help="where `airclass serve` listens")
@click.option("--standalone", "run_dir", type=click.Path(file_okay=False),
              help="print a whole nginx.conf that runs from this folder without root, instead of a server block")
@with_appcontext
def nginx_config(listen: str, app_address: str, run_dir: str | None) -> None:
    """Print the nginx site serving the public feeds from their files and passing the rest to the app."""
    from pathlib import Path

    from web.cli import nginx

    site = nginx.site_config(public_dir=_settings().public, app=app_address, listen=listen,
                             upload_mb=_settings().max_upload_bytes // (1024 * 1024))
    click.echo(nginx.standalone_config(site, run_dir=Path(run_dir).absolute()) if run_dir else site, nl=False)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="airclass")

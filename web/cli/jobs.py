"""`airclass worker` and `airclass jobs`: run the work queue and look after its jobs from a terminal."""
from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain.job_states import JobError, JobState
from scheduler.queue import job_control
from scheduler.queue.config import BACKENDS, load_queue_config
from scheduler.queue.executor import Runtime, utc_now
from scheduler.queue.job_queue import JobQueue, is_finished
from scheduler.queue.registry import kind_names
from scheduler.settings import load_settings
from scheduler.store.db import make_session_factory
from scheduler.store.models import Job

WAIT_POLL_SECONDS = 0.5


@contextmanager
def _sessions() -> Iterator[sessionmaker[Session]]:
    factory = make_session_factory(load_settings().database_url)
    try:
        yield factory
    finally:
        factory.kw["bind"].dispose()


@contextmanager
def _job_errors() -> Iterator[None]:
    try:
        yield
    except JobError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("worker")
@click.option("--backend", type=click.Choice(BACKENDS), help="local (embedded) or celery; default AIRCLASS_QUEUE_BACKEND, else local")
@click.option("--concurrency", "-c", type=click.IntRange(1, 64), help="jobs at once; default AIRCLASS_WORKER_CONCURRENCY, else 2")
@click.option("--urgent", type=click.IntRange(0, 16),
              help="more threads for urgent jobs only (a fresh upload's QC); default AIRCLASS_URGENT_WORKERS, else 1")
def worker_command(backend: str | None, concurrency: int | None, urgent: int | None) -> None:
    """Run media jobs until stopped (Ctrl-C or SIGTERM hands running jobs back to the queue)."""
    settings = load_settings()
    config = load_queue_config(backend=backend, concurrency=concurrency, urgent_workers=urgent)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = Runtime(
        sessions=make_session_factory(settings.database_url), database_url=settings.database_url,
        media_dir=settings.media_dir, config=config,
    )
    click.echo(f"airclass worker {runtime.worker_id}: {config.backend} backend, {config.concurrency} at a time, "
               f"{config.urgent_workers} more for urgent jobs")
    if config.backend == "celery":
        from scheduler.queue.celery_backend import run_worker

        run_worker(runtime, config.concurrency)
        return
    from scheduler.queue.local import LocalWorkerPool

    pool = LocalWorkerPool(runtime, config.concurrency)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: pool.stopping.set())
    pool.start()
    pool.wait()


@click.group("jobs", invoke_without_command=True)
@click.pass_context
def jobs_group(ctx: click.Context) -> None:
    """Background media jobs (transcodes, QC runs, day renders); alone, lists the newest."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(jobs_list)


@jobs_group.command("list")
@click.option("--state", type=click.Choice([s.value for s in JobState]))
@click.option("--kind")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option("--per-page", default=20, show_default=True, type=click.IntRange(1, 100))
def jobs_list(state: str | None, kind: str | None, page: int, per_page: int) -> None:
    """Jobs, newest first."""
    with _sessions() as sessions:
        found = job_control.list_jobs(
            sessions(), state=JobState(state) if state else None, kind=kind, page=page, per_page=per_page
        )
    click.echo(f"{'id':>6}  {'kind':<12} {'state':<10} {'done':>5}  {'tries':<5}  created (UTC)        error")
    for job in found.items:
        error = (job.error or "").strip().splitlines()[-1:] or [""]
        click.echo(
            f"{job.id:>6}  {job.kind:<12} {job.state.value:<10} {job.progress:>4}%  "
            f"{job.attempts}/{job.max_attempts:<3}  {job.created_at:%Y-%m-%d %H:%M:%S}  {error[0][:60]}"
        )
    click.echo(f"page {found.page} of {found.pages} ({found.total} jobs)")


@jobs_group.command("show")
@click.argument("job_id", type=int)
def jobs_show(job_id: int) -> None:
    """Everything about one job, including its error tail and result."""
    with _sessions() as sessions, _job_errors():
        job = job_control.get_job(sessions(), job_id)
    click.echo(describe(job))


def describe(job: Job) -> str:
    """A job as readable lines."""
    lines = [
        f"job {job.id}: {job.kind}, {job.state.value}, {job.progress}% (attempt {job.attempts} of {job.max_attempts})",
        f"params: {json.dumps(job.params, ensure_ascii=False)}",
    ]
    for label, value in (
        ("dedupe key", job.dedupe_key), ("created", job.created_at), ("started", job.started_at),
        ("finished", job.finished_at), ("worker", job.worker_id),
    ):
        if value is not None:
            lines.append(f"{label}: {value}")
    if job.result is not None:
        lines.append(f"result: {json.dumps(job.result, ensure_ascii=False, indent=2)}")
    if job.error:
        lines.append(f"error:\n{job.error}")
    return "\n".join(lines)


@jobs_group.command("cancel")
@click.argument("job_id", type=int)
def jobs_cancel(job_id: int) -> None:
    """Cancel a queued or running job (a running one's ffmpeg is stopped and its files removed)."""
    with _sessions() as sessions, _job_errors():
        job = job_control.cancel(sessions(), job_id, now=utc_now())
    click.echo(f"job {job.id} is cancelled")


@jobs_group.command("retry")
@click.argument("job_id", type=int)
def jobs_retry(job_id: int) -> None:
    """Queue a failed or cancelled job again, with a fresh round of attempts."""
    queue = JobQueue()
    try:
        with _sessions() as sessions, _job_errors():
            job = queue.retry(sessions(), job_id, now=utc_now())
    finally:
        queue.close()
    click.echo(f"job {job.id} is queued again")


@jobs_group.command("submit")
@click.argument("kind")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="a JSON value, or text")
@click.option("--dedupe-key", help="return the live job with this key instead of queueing another")
@click.option("--wait", is_flag=True, help="show a progress bar until the job ends; exit 1 unless it succeeded")
def jobs_submit(kind: str, params: tuple[str, ...], dedupe_key: str | None, wait: bool) -> None:
    """Queue a job of a registered kind (e.g. `selftest -p output=selftest/clip.mp4 --wait`)."""
    if kind not in kind_names():
        raise click.BadParameter(f"known kinds: {', '.join(kind_names())}", param_hint="KIND")
    queue = JobQueue()
    with _sessions() as sessions, _job_errors():
        try:
            job = queue.submit(sessions(), kind, _parse_params(params), now=utc_now(), dedupe_key=dedupe_key)
        finally:
            queue.close()
        click.echo(f"job {job.id} ({job.kind}) is {job.state.value}")
        if wait:
            job = _follow(sessions, job)
            click.echo(describe(job))
            if job.state is not JobState.SUCCEEDED:
                raise SystemExit(1)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--param")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def _follow(sessions: sessionmaker[Session], job: Job) -> Job:
    """Show a progress bar until the job ends."""
    with click.progressbar(length=100, label=f"job {job.id} {job.kind}") as bar:
        shown = 0
        while not is_finished(job):
            time.sleep(WAIT_POLL_SECONDS)
            job = job_control.get_job(sessions(), job.id)
            if job.progress > shown:
                bar.update(job.progress - shown)
                shown = job.progress
    return job

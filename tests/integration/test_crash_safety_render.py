"""kill -9 of a worker while it renders a day's playout file: no file, no visible part, and the retry completes it.

The worker is a real `airclass worker` process on the test's database and media store. The render
writes into a scratch folder `.<name>.<token>.part` beside its target and renames the finished file
into place, so a killed attempt can leave nothing a playout system would pick up.
"""
from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.domain.job_states import CANCELLABLE, JobState
from scheduler.queue.executor import utc_now
from scheduler.services import playout
from scheduler.store.models import Job
from tests.support.channels_world import next_monday
from tests.support.playout_world import SHORT_CHANNEL, day_frames, published_alone
from tests.support.processes import processes_naming
from tests.support.waiting import wait_for_job
from tests.support.workers import WorkerProcesses, worker_env

pytestmark = pytest.mark.ffmpeg

MINUTES = 3  # long enough to be caught mid-render, short enough to render again in well under a minute
WAIT_SECONDS = 120.0


@pytest.fixture
def workers(settings, database_url, tmp_path) -> Iterator[WorkerProcesses]:  # type: ignore[no-untyped-def]
    env = worker_env(database_url, settings.media_dir, tmp_path / "var")
    found = WorkerProcesses(env, tmp_path)
    yield found
    found.stop()


@pytest.fixture
def published_short_day(on_air, api_as, settings, sessions):  # type: ignore[no-untyped-def]
    """A published day of MINUTES with a one-minute lesson; the fixture's ingest jobs are cancelled."""
    return published_alone(api_as, sessions, settings.media_dir, MINUTES, ("06:00:30", "00:01:00:00"), next_monday())


def wait_for(sessions, job_id: int, until: Callable[[Job], bool], logs: WorkerProcesses) -> Job:  # type: ignore[no-untyped-def]
    return wait_for_job(sessions, job_id, until, seconds=WAIT_SECONDS, context=logs.logs_text)


def scratch(folder: Path) -> list[Path]:
    """The render's scratch folders beside its target."""
    return list(folder.glob(".*.part")) if folder.is_dir() else []


def rendering(folder: Path) -> Callable[[Job], bool]:
    """The job runs and its render has begun writing parts in a scratch folder."""
    return lambda job: job.state is JobState.RUNNING and any(any(part.iterdir()) for part in scratch(folder))


def video_frames(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(path)], capture_output=True, check=True)
    return int(out.stdout.split()[0])  # a TS lists its stream once per program too


def test_worker_killed_mid_render_leaves_no_file_and_the_retry_renders_the_whole_day(
    published_short_day, sessions, settings, workers
):
    day = published_short_day
    target = settings.media_dir / playout.day_file(SHORT_CHANNEL, day, 1)
    folder = target.parent
    job = playout.request_render(sessions(), SHORT_CHANNEL, day, 1, at=utc_now(), by=None)
    victim = workers.start()
    running = wait_for(sessions, job.id, rendering(folder), workers)
    assert f":{victim.pid}:" in running.worker_id

    os.kill(victim.pid, signal.SIGKILL)  # no handler runs in the worker; its job process loses its lifeline
    victim.wait()
    assert not target.exists()
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == []  # nothing visible, no partial .ts
    wait_for(sessions, job.id, lambda j: not scratch(folder) and not processes_naming(folder), workers)

    survivor = workers.start()
    done = wait_for(sessions, job.id, lambda j: j.state not in CANCELLABLE, workers)
    assert done.state is JobState.SUCCEEDED, f"{done.error}\n{workers.logs_text()}"
    assert done.attempts == 2 and f":{survivor.pid}:" in done.worker_id
    assert (done.result["path"], done.result["frames"]) == (playout.day_file(SHORT_CHANNEL, day, 1), day_frames(MINUTES))
    assert video_frames(target) == day_frames(MINUTES)
    assert [p.name for p in folder.iterdir()] == [target.name]  # neither attempt left its scratch behind

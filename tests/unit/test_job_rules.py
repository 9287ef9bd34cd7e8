"""The work queue's pure rules: retries, delays, error tails, worker ids, handler registration."""
from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.domain.job_states import (
    JobState,
    UnknownJobKind,
    after_failure,
    error_tail,
    retry_delay,
    worker_host_pid,
)
from scheduler.queue import registry
from scheduler.queue.registry import MAX_TIME_LIMIT, JobContext, PermanentJobError, job_kind, kind_names, register


@pytest.mark.parametrize(
    ("attempts", "max_attempts", "permanent", "state"),
    [
        (1, 3, False, JobState.QUEUED),
        (2, 3, False, JobState.QUEUED),
        (3, 3, False, JobState.FAILED),
        (1, 1, False, JobState.FAILED),
        (1, 3, True, JobState.FAILED),
    ],
)
def test_a_failed_attempt_is_retried_until_the_limit(attempts, max_attempts, permanent, state):
    assert after_failure(attempts, max_attempts, permanent) is state


def test_retry_delay_doubles_and_is_capped():
    assert [retry_delay(n, 10) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert retry_delay(20, 10) == 600
    assert retry_delay(3, 0) == 0


def test_error_tail_keeps_the_end_where_ffmpeg_says_why():
    text = "x" * 10_000 + "\n[lavfi] No such filter: 'nosuchsource'"
    tail = error_tail(text, limit=100)
    assert len(tail) == 100 and tail.endswith("No such filter: 'nosuchsource'")
    assert error_tail("  short  ") == "short"


def test_worker_id_names_host_and_pid():
    assert worker_host_pid("encoder-2.example:4242:a1b2c3") == ("encoder-2.example", 4242)
    assert worker_host_pid("celery@somewhere") is None


def test_registering_a_kind_is_one_line_and_unknown_kinds_are_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(registry, "_KINDS", dict(registry._KINDS))  # the kind registered here leaves with the test

    def render(ctx: JobContext, *, channel: str) -> dict[str, str]:
        return {"channel": channel}

    register("test-render", render, time_limit=60, max_attempts=2, permanent_errors=(KeyError,))
    kind = job_kind("test-render")
    assert (kind.function, kind.time_limit, kind.max_attempts, kind.permanent_errors) == (render, 60, 2, (KeyError,))
    assert {"checksum", "probe", "selftest", "test-render"} <= set(kind_names())
    with pytest.raises(UnknownJobKind):
        job_kind("no-such-kind")
    with pytest.raises(ValueError, match="time_limit"):
        register("too-long", render, time_limit=MAX_TIME_LIMIT + 1)


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.mp4", "recordings/../../outside.mp4", "."])
def test_handlers_cannot_reach_outside_the_media_store(tmp_path: Path, path: str):
    ctx = JobContext(1, "probe", 1, tmp_path, tmp_path / "tmp", "sqlite://")
    with pytest.raises(PermanentJobError, match="outside the media store"):
        ctx.media_path(path)


def test_handler_paths_inside_the_store_resolve(tmp_path: Path):
    ctx = JobContext(1, "probe", 1, tmp_path, tmp_path / "tmp", "sqlite://")
    assert ctx.media_path("recordings/第12课.mp4") == tmp_path.resolve() / "recordings" / "第12课.mp4"


def test_progress_is_reported_as_a_clamped_percentage(tmp_path: Path):
    sent: list[dict[str, float]] = []
    ctx = JobContext(1, "probe", 1, tmp_path, tmp_path / "tmp", "sqlite://", report=sent.append)
    for value in (-5, 42.5, 130):
        ctx.progress(value)
    assert sent == [{"progress": 0.0}, {"progress": 42.5}, {"progress": 100.0}]

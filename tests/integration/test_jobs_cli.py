"""`airclass jobs` from a terminal: submit and wait with a progress bar, list, show, cancel, retry."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.queue.config import QueueConfig
from scheduler.queue.executor import Runtime
from scheduler.queue.local import LocalWorkerPool
from web.cli import cli


@pytest.fixture
def terminal(database_url, tmp_path):  # type: ignore[no-untyped-def]
    env = {"AIRCLASS_DATABASE_URL": database_url, "AIRCLASS_MEDIA_DIR": str(tmp_path / "media")}

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture
def pool(sessions, database_url, tmp_path) -> Iterator[LocalWorkerPool]:  # type: ignore[no-untyped-def]
    """A local worker pool in this process, as `airclass serve` can embed one."""
    config = QueueConfig(poll_seconds=0.1, retry_base_seconds=0)
    pool = LocalWorkerPool(Runtime(sessions, database_url, tmp_path / "media", config), concurrency=1)
    pool.start()
    yield pool
    pool.stop()


def test_submit_and_wait_shows_the_result(terminal, pool, tmp_path: Path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "课.bin").write_bytes(b"air classroom")
    result = terminal("jobs", "submit", "checksum", "-p", "path=课.bin", "--dedupe-key", "sum:课", "--wait")
    assert result.exit_code == 0, result.output
    assert "job 1 (checksum) is queued" in result.output
    assert "job 1: checksum, succeeded, 100% (attempt 1 of 3)" in result.output
    assert hashlib.sha256(b"air classroom").hexdigest() in result.output
    assert '"path": "课.bin"' in result.output  # Chinese stays readable
    assert "job 1 (checksum) is succeeded" in terminal("jobs", "submit", "checksum", "-p", "path=课.bin",
                                                        "--dedupe-key", "sum:课").output


def test_a_failed_wait_exits_1_with_the_error(terminal, pool):
    result = terminal("jobs", "submit", "probe", "-p", "path=missing.mp4", "--wait")
    assert result.exit_code == 1
    assert "probe, failed" in result.output and "MediaNotFound" in result.output


def test_list_show_cancel_retry(terminal):
    assert "job 1 (selftest) is queued" in terminal("jobs", "submit", "selftest", "-p", "output=out/a.mp4").output
    listed = terminal("jobs", "list").output
    assert "selftest" in listed and "queued" in listed and "(1 jobs)" in listed
    assert terminal("jobs").output == listed
    assert 'params: {"output": "out/a.mp4"}' in terminal("jobs", "show", "1").output
    assert terminal("jobs", "cancel", "1").output == "job 1 is cancelled\n"
    refused = terminal("jobs", "cancel", "1")
    assert refused.exit_code == 1 and "job 1 is cancelled: it cannot be cancelled" in refused.output
    assert terminal("jobs", "retry", "1").output == "job 1 is queued again\n"
    assert "job 99 not found" in terminal("jobs", "show", "99").output


def test_unknown_kind_lists_the_known_ones(terminal):
    result = terminal("jobs", "submit", "transcoed")
    assert result.exit_code == 2 and "checksum, ingest, probe, render_day, renditions, selftest" in result.output

"""Orphan recordings: a file moved into recordings/ whose row was never committed is set aside, and nothing else.

A process killed between MediaStore.keep and the commit of the Recording row leaves such a file.
The first test places one as `keep` names it; the second kills a real upload right there.
"""
from __future__ import annotations

import hashlib
import logging
import os
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scheduler.ops.backup import media_manifest
from scheduler.services.ingest import ingest_now
from scheduler.services.orphans import ORPHAN_GRACE, sweep_orphan_recordings
from scheduler.store.media_store import MediaStore
from scheduler.store.models import Recording
from tests.integration.test_review_api import upload
from web.cli import cli

pytestmark = pytest.mark.ffmpeg
REPO = Path(__file__).resolve().parents[2]
NEXT_DAY = timedelta(days=1)

# Runs upload_recording in a child process that dies by SIGKILL (no handler, no cleanup, as kill -9)
# when the Recording row is about to be written: after the move into recordings/, before the commit.
CRASHING_UPLOAD = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from scheduler.services import accounts
from scheduler.services import recordings
from scheduler.store.db import make_session_factory
from scheduler.store.media_store import MediaStore
from scheduler.store.models import Recording

url, media_dir, lesson_id, clip = sys.argv[1:]


@event.listens_for(Session, "before_flush")
def die_before_the_row_is_written(session, flush_context, instances):
    if any(isinstance(row, Recording) for row in session.new):
        os.kill(os.getpid(), signal.SIGKILL)


sessions = make_session_factory(url)
actor = recordings.actor_for(accounts.find_user(sessions(), "teacher_a"))
with open(clip, "rb") as stream:
    recordings.upload_recording(sessions(), MediaStore(Path(media_dir), 5 * 1024 * 1024), actor, int(lesson_id),
                              stream, "第12课.mp4", at=datetime.now(UTC))
sys.exit("the upload was committed: the process was not killed")
"""


def files_under(root: Path) -> dict[str, str]:
    """Every file below root: relative path -> sha256."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def orphan(store: MediaStore, touched_at: datetime) -> Path:
    """A file named as MediaStore.keep names one, last touched at `touched_at`, that no row references."""
    store.recordings_dir.mkdir(parents=True, exist_ok=True)
    path = store.recordings_dir / f"{uuid.uuid4().hex}.mp4"
    path.write_bytes(os.urandom(1024))
    os.utime(path, (touched_at.timestamp(), touched_at.timestamp()))
    return path


def set_aside(before: dict[str, str], *names: str) -> dict[str, str]:
    """The store's files once `names` moved from recordings/ to orphans/, everything else untouched."""
    after = {path: digest for path, digest in before.items() if path.removeprefix("recordings/") not in names}
    return after | {f"orphans/{name}": before[f"recordings/{name}"] for name in names}


def recordings_count(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(func.count(Recording.id))) or 0


def media_names(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return list(session.scalars(select(Recording.media_name)))


def test_only_files_no_row_references_and_untouched_for_the_grace_are_set_aside(app, api_as, world, clips, sessions,
                                                                                 settings, caplog):
    created = upload(api_as("teacher_a"), world.lesson_a, clips["lesson_1s_b.mp4"])
    assert created.status_code == 201, created.get_json()
    recording = created.get_json()
    ingest_now(sessions, settings.media_dir, recording["id"])  # its renditions too must stay where they are
    store: MediaStore = app.extensions["airclass.store"]
    now = datetime.now(UTC) + NEXT_DAY  # the upload and its renditions are a day old
    old = orphan(store, now - ORPHAN_GRACE - timedelta(minutes=1))
    in_flight = orphan(store, now - timedelta(minutes=1))  # moved a minute ago: its row may commit any moment
    operators_file = store.recordings_dir / "第12课.mp4"  # not a name `keep` makes: not ours to judge
    operators_file.write_bytes(b"copied in by hand")
    os.utime(operators_file, (0, 0))
    before = files_under(store.root)
    assert any(path.startswith("renditions/") for path in before)

    with caplog.at_level(logging.WARNING, logger="scheduler.services.orphans"):
        moved = sweep_orphan_recordings(sessions(), store, now=now)

    assert moved == [store.orphans_dir / old.name]
    assert files_under(store.root) == set_aside(before, old.name)
    assert in_flight.exists() and operators_file.exists()
    (name,) = media_names(sessions)
    kept = store.recording_path(name)
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == recording["checksum"]
    assert old.name in caplog.text
    assert sweep_orphan_recordings(sessions(), store, now=now) == []  # nothing left to do
    manifest = [entry.path for entry in media_manifest(store.root)]
    assert f"recordings/{kept.name}" in manifest and not any(path.startswith("orphans/") for path in manifest)


def test_an_upload_killed_between_the_move_and_the_commit_is_set_aside_once_the_grace_is_over(app, api_as, world,
                                                                                              clips, sessions,
                                                                                              settings):
    teacher = api_as("teacher_a")
    assert upload(teacher, world.lesson_a, clips["lesson_1s_b.mp4"]).status_code == 201
    store: MediaStore = app.extensions["airclass.store"]
    before = files_under(store.root)

    child = subprocess.run(
        [sys.executable, "-c", CRASHING_UPLOAD, settings.database_url, str(store.root), str(world.lesson_a),
         str(clips["lesson_2s.mp4"])],
        check=False, cwd=REPO, capture_output=True, timeout=120,
    )

    assert child.returncode == -signal.SIGKILL, child.stderr.decode(errors="replace")
    assert recordings_count(sessions) == 1  # the killed upload has no row
    left = [path for path in files_under(store.root) if path not in before]
    assert len(left) == 1 and left[0].startswith("recordings/"), left
    orphan_name = left[0].removeprefix("recordings/")
    assert (store.recordings_dir / orphan_name).read_bytes() == clips["lesson_2s.mp4"].read_bytes()
    with_orphan = files_under(store.root)

    assert sweep_orphan_recordings(sessions(), store, now=datetime.now(UTC)) == []  # the restart right after: too young
    moved = sweep_orphan_recordings(sessions(), store, now=datetime.now(UTC) + ORPHAN_GRACE + timedelta(minutes=1))

    assert moved == [store.orphans_dir / orphan_name]
    assert files_under(store.root) == set_aside(with_orphan, orphan_name)  # the committed upload untouched
    assert upload(teacher, world.lesson_a, clips["lesson_2s.mp4"]).status_code == 201  # still serving uploads
    assert recordings_count(sessions) == 2


def test_sweep_orphans_command_says_what_it_set_aside(app, world, sessions):
    store: MediaStore = app.extensions["airclass.store"]
    old = orphan(store, datetime.now(UTC) - 2 * ORPHAN_GRACE)
    young = orphan(store, datetime.now(UTC))
    runner = app.test_cli_runner()

    too_eager = runner.invoke(cli, ["media", "sweep-orphans", "--older-than", "0.1"])
    assert too_eager.exit_code == 2 and not (store.orphans_dir / old.name).exists()
    swept = runner.invoke(cli, ["media", "sweep-orphans"])

    assert swept.exit_code == 0, swept.output
    assert f"set aside: {store.orphans_dir / old.name}" in swept.output and "1 orphan file(s)" in swept.output
    assert (store.orphans_dir / old.name).exists() and young.exists()


def test_the_grace_counts_from_the_move_into_recordings_not_from_the_last_chunk_received(app, sessions, clips):
    store: MediaStore = app.extensions["airclass.store"]
    with clips["lesson_2s.mp4"].open("rb") as stream:
        incoming = store.receive(stream)
    long_ago = (datetime.now(UTC) - NEXT_DAY).timestamp()
    os.utime(incoming.path, (long_ago, long_ago))  # as if the probe had taken a day
    name = store.keep(incoming, "mp4")

    assert sweep_orphan_recordings(sessions(), store, now=datetime.now(UTC)) == []
    assert store.recording_path(name).exists()

"""Ingest through the queue: an upload's QC, then its renditions, and a failed QC holding up the final approval."""
from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from media.samples import ClipSpec, write_sequence
from scheduler.domain.job_states import JobPriority, JobState
from scheduler.queue import job_control
from scheduler.queue.config import QueueConfig
from scheduler.queue.executor import Runtime
from scheduler.queue.local import LocalWorkerPool
from tests.integration.test_review_api import act, approve, upload

pytestmark = pytest.mark.ffmpeg


@pytest.fixture
def pool(sessions, database_url, settings) -> Iterator[LocalWorkerPool]:  # type: ignore[no-untyped-def]
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    config = QueueConfig(poll_seconds=0.1, retry_base_seconds=0, heartbeat_seconds=0.5)
    pool = LocalWorkerPool(Runtime(sessions, database_url, settings.media_dir, config), concurrency=1)
    pool.start()
    yield pool
    pool.stop()


def ingested(sessions, recording_id: int, kind: str = "ingest"):  # type: ignore[no-untyped-def]
    """Wait for the recording's job of this kind (`ingest`: its QC; `renditions`: what that queued) to succeed."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        jobs = job_control.list_jobs(sessions(), None, page=1, per_page=100).items
        job = next((j for j in jobs if j.kind == kind and j.params == {"recording_id": recording_id}), None)
        if job is not None and job.state in (JobState.SUCCEEDED, JobState.FAILED):
            assert job.state is JobState.SUCCEEDED, job.error
            return job
        time.sleep(0.2)
    raise AssertionError(f"the {kind} job did not finish")


def ffprobe(path: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
                         capture_output=True, check=True)
    return json.loads(out.stdout)


def test_an_upload_is_ingested_by_a_worker_qc_report_and_renditions_included(api_as, world, clips, pool, sessions,
                                                                              settings):
    teacher = api_as("teacher_a")
    recording = upload(teacher, world.lesson_a, clips["lesson_2s.mp4"]).get_json()
    assert teacher.get(f"/api/recordings/{recording['id']}/qc").status_code == 404  # not yet
    qc_job = ingested(sessions, recording["id"])  # the QC: reviewers wait for it, not for the encodes
    body = teacher.get(f"/api/recordings/{recording['id']}/qc").get_json()
    assert body["qc_status"] in ("pass", "warn")
    assert {c["name"] for c in body["qc_report"]["checks"]} >= {"loudness", "black", "silence", "freeze"}
    assert body["qc_report"]["loudness_series"]
    renditions = job_control.get_job(sessions(), qc_job.result["renditions_job"])
    assert (renditions.kind, renditions.submitted_by) == ("renditions", qc_job.submitted_by)
    assert renditions.priority == JobPriority.NORMAL < qc_job.priority == JobPriority.URGENT
    ingested(sessions, recording["id"], "renditions")
    after = teacher.get(f"/api/recordings/{recording['id']}/qc").get_json()
    assert after["qc_report"] == body["qc_report"]  # the renditions job keeps the QC report as it was
    body = after
    cable = ffprobe(settings.media_dir / body["renditions"]["cable"])
    video = next(s for s in cable["streams"] if s["codec_type"] == "video")
    audio = next(s for s in cable["streams"] if s["codec_type"] == "audio")
    assert cable["format"]["format_name"] == "mpegts"
    assert (video["codec_name"], video["width"], video["height"], video["r_frame_rate"]) == ("h264", 1920, 1080, "25/1")
    assert (audio["codec_name"], audio["sample_rate"]) == ("mp2", "48000")
    master = (settings.media_dir / body["renditions"]["hls"]).read_text()
    assert master.count("#EXT-X-STREAM-INF") == 3
    assert (settings.media_dir / body["renditions"]["poster"]).stat().st_size > 0
    assert api_as("county_b").get(f"/api/recordings/{recording['id']}/qc").status_code == 404  # not theirs


def test_a_failed_qc_holds_the_final_approval_until_a_final_reviewer_signs_it_off(api_as, world, pool, sessions,
                                                                                  tmp_path):
    clip = tmp_path / "black_gap.mp4"
    picture = ClipSpec(seconds=1, size="320x180")
    write_sequence(clip, [picture, ClipSpec(seconds=2.5, size="320x180", video_source="color=c=black"), picture])
    teacher = api_as("teacher_a")
    recording = upload(teacher, world.lesson_a, clip).get_json()
    act(teacher, recording, "submit")
    ingested(sessions, recording["id"])
    qc = teacher.get(f"/api/recordings/{recording['id']}/qc").get_json()
    assert (qc["qc_status"], qc["qc_failed"]) == ("fail", "black")
    black = next(c for c in qc["qc_report"]["checks"] if c["name"] == "black")
    assert black["ranges"] and 0.9 <= black["ranges"][0][0] <= 1.1
    assert approve(api_as("county_a"), recording).status_code == 200
    assert approve(api_as("city"), recording).status_code == 200
    final = api_as("final")
    refused = approve(final, recording)
    assert refused.status_code == 409 and "Technical QC failed (black)" in refused.get_json()["detail"]
    assert act(final, recording, "sign_off_qc", checksum=recording["checksum"]).status_code == 422  # no comment
    signed = act(final, recording, "sign_off_qc", checksum=recording["checksum"], comment="黑场为翻页停顿，可播出")
    assert signed.status_code == 200 and signed.get_json()["state"] == "final_review"
    assert approve(final, recording).get_json()["state"] == "approved"
    history = final.get(f"/api/recordings/{recording['id']}/history").get_json()
    assert [e["action"] for e in history][-2:] == ["sign_off_qc", "approve"]
    assert history[-2]["comment"] == "黑场为翻页停顿，可播出"

"""A short test channel whose published day renders in seconds, for the playout page and crash tests."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from media.samples import tiny_clip
from scheduler.domain.frames import FPS

SHORT_CHANNEL = "short.test.airclass"
FILLER_CLIPS = ("standby", "eye-exercise", "slate", "programme-filler")


def add_short_channel(api_as, media_dir: Path, minutes: int, lesson: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Create the channel: a day of `minutes`, one math lesson slot (start, length HH:MM:SS:FF), blue filler."""
    clips = media_dir / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    for clip_id in FILLER_CLIPS:  # the on_air fixture registered these ids; give them real files
        tiny_clip(clips / f"{clip_id}.mp4", seconds=2, size="320x180", video_source="color=c=blue")
    start, length = lesson
    week = [[{"start": start, "length": length, "kind": "lesson", "subject": "math"}]] * 7
    doc = {"id": SHORT_CHANNEL, "name": "空中课堂·短测试频道", "grades": [3], "day_minutes": minutes,
           "template": {"week": week}}
    created = api_as("admin").post("/api/channels/", json=doc)
    assert created.status_code == 201, created.get_json()


def publish_short_day(api_as, day: date) -> None:  # type: ignore[no-untyped-def]
    """Publish one day of the short channel as the operator."""
    published = api_as("operator").post(f"/api/channels/{SHORT_CHANNEL}/days/publish", json={"from": str(day)})
    assert published.status_code == 200, published.get_json()


def day_frames(minutes: int) -> int:
    """Frames in a short channel's day."""
    return minutes * 60 * FPS


def published_alone(api_as, sessions, media_dir: Path, minutes: int, lesson: tuple[str, str], day: date) -> date:  # type: ignore[no-untyped-def]
    """Create the short channel and publish `day`, cancelling the queued ingest jobs so workers run only renders."""
    from scheduler.domain.job_states import CANCELLABLE
    from scheduler.queue import job_control
    from scheduler.queue.executor import utc_now

    add_short_channel(api_as, media_dir, minutes, lesson)
    publish_short_day(api_as, day)
    for job in job_control.list_jobs(sessions(), per_page=100).items:
        if job.state in CANCELLABLE:
            job_control.cancel(sessions(), job.id, now=utc_now())
    return day


"""The playout file of a published day on a short test channel: its length and its events' offsets, to the frame."""
from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from scheduler.services import exports, playout
from scheduler.services.ingest import ingest_now
from tests.support.channels_world import next_monday
from tests.support.playout_world import SHORT_CHANNEL, add_short_channel

pytestmark = pytest.mark.ffmpeg

FPS = 25


def frame_colour(path: Path, frame: int) -> tuple[int, int, int]:
    """The average colour of one frame, as the decoder sees it."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"select=eq(n\\,{frame}),scale=1:1", "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True,
    ).stdout
    return out[0], out[1], out[2]


def video_frames(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(path)], capture_output=True, check=True)
    return int(out.stdout.split()[0])  # a TS lists its stream once per program too


@pytest.fixture
def test_channel(on_air, api_as, settings):  # type: ignore[no-untyped-def]
    """A three-minute broadcast day: one one-minute lesson at 06:00:30 between blue filler."""
    add_short_channel(api_as, settings.media_dir, 3, ("06:00:30", "00:01:00:00"))
    return on_air


def test_the_day_file_lasts_the_published_day_and_the_lesson_starts_at_its_exported_offset(
    test_channel, api_as, sessions, settings
):
    monday = next_monday()
    ingest_now(sessions, settings.media_dir, test_channel.recordings["math12"])
    published = api_as("operator").post(f"/api/channels/{SHORT_CHANNEL}/days/publish", json={"from": str(monday)})
    assert published.status_code == 200, published.get_json()
    items = json.loads(exports.playlist(sessions(), SHORT_CHANNEL, monday, "json"))["items"]
    lesson = next(item for item in items if item["kind"] == "lesson")
    assert lesson["source"].startswith("renditions/") and lesson["source"].endswith("/cable.ts")
    assert (lesson["start_frame"], lesson["start"]) == (30 * FPS, f"{monday}T06:00:30.000+08:00")
    target, done = playout.render_published_day(sessions, settings.media_dir, SHORT_CHANNEL, monday)
    path = settings.media_dir / target
    assert done.frames == 3 * 60 * FPS and video_frames(path) == 3 * 60 * FPS
    assert len(done.copied) == 1  # the lesson comes from its cable rendition, not re-encoded
    lesson_start = 30 * FPS
    blue_before, lesson_first = frame_colour(path, lesson_start - 1), frame_colour(path, lesson_start)
    assert blue_before[2] > 150 and blue_before[0] < 60
    assert not (lesson_first[2] > 150 and lesson_first[0] < 60)
    assert target == f"days/{SHORT_CHANNEL}/{monday}-v1.ts"
    assert not list(path.parent.glob(".*part"))  # no scratch left beside it


def test_a_lesson_without_its_rendition_yet_is_re_encoded_from_the_upload(test_channel, api_as, sessions, settings):
    tuesday = next_monday() + timedelta(days=1)
    api_as("operator").post(f"/api/channels/{SHORT_CHANNEL}/days/publish", json={"from": str(tuesday)})
    target, done = playout.render_published_day(sessions, settings.media_dir, SHORT_CHANNEL, tuesday)
    assert done.copied == () and video_frames(settings.media_dir / target) == 3 * 60 * FPS

"""The playout file of a published day on a short test channel: its length and its events' offsets, to the frame."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from scheduler.services import channel_days, exports, playout, renditions, stream_si
from scheduler.services.ingest import ingest_now
from tests.support.channels_world import next_monday
from tests.support.gst_si import decode, stream_sections
from tests.support.playout_world import SHORT_CHANNEL, add_short_channel, publish_short_day

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


def xmltv_guide(document: bytes) -> list[tuple[datetime, datetime, str]]:
    """(start, stop, title) of each programme of an XMLTV document."""
    stamp = "%Y%m%d%H%M%S %z"
    return [(datetime.strptime(p.get("start"), stamp), datetime.strptime(p.get("stop"), stamp), p.findtext("title"))
            for p in etree.fromstring(document).iter("programme")]


def test_the_day_file_lasts_the_published_day_and_the_lesson_starts_at_its_exported_offset(
    test_channel, api_as, sessions, settings
):
    monday = next_monday()
    ingest_now(sessions, settings.media_dir, test_channel.recordings["math12"])
    published = api_as("operator").post(f"/api/channels/{SHORT_CHANNEL}/days/publish", json={"from": str(monday)})
    assert published.status_code == 200, published.get_json()
    publish_short_day(api_as, monday + timedelta(days=1))  # the next day's guide goes out with Monday's
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
    the_guide_is_in_the_stream(path, xmltv_guide(exports.xmltv(sessions(), [SHORT_CHANNEL], monday, 2)))


def the_guide_is_in_the_stream(path: Path, guide: list[tuple[datetime, datetime, str]]) -> None:
    """GStreamer finds the XMLTV guide in the file's EIT schedule, each programme in the EIT p/f as it airs."""
    seen = stream_sections(path)
    on_dot = str.maketrans("·", "・")  # GB2312's middle dot decodes as U+30FB
    schedule = [(e.start, e.start + e.duration, e.name) for s in seen if s.table_id == 0x50 for e in s.events]
    assert schedule == [(start, stop, title.translate(on_dot)) for start, stop, title in guide]
    today = [entry for entry in guide if entry[0] < guide[0][0] + timedelta(minutes=3)]
    present = [(s.version, s.events[0].name) for s in seen if s.table_id == 0x4E and s.section_number == 0]
    assert present == [(1 + i, title.translate(on_dot)) for i, (_start, _stop, title) in enumerate(today)]
    services = [service for s in seen if s.table_id == 0x42 for service in s.services]
    assert {(s["name"], s["eit_schedule"], s["eit_present_following"]) for s in services} == {
        ("空中课堂·短测试频道", True, True)}
    first_tdt = next(s.utc for s in seen if s.table_id == 0x70)
    assert abs((first_tdt - guide[0][0]).total_seconds()) <= 1


def test_a_republished_day_gets_new_eit_versions(test_channel, api_as, sessions):
    monday = next_monday()
    publish_short_day(api_as, monday)
    channel, plan, row = channel_days.day_plan(sessions(), SHORT_CHANNEL, monday)
    first = stream_si.day_file_si(sessions, channel, plan, row.version)
    week = [[{"start": "06:01:00", "length": "00:01:00:00", "kind": "lesson", "subject": "math"}]] * 7
    changed = api_as("admin").put(f"/api/channels/{SHORT_CHANNEL}/template", json={"template": {"week": week}})
    assert changed.status_code == 200, changed.get_json()
    api_as("operator").post(f"/api/channels/{SHORT_CHANNEL}/days/assemble", json={"from": str(monday)})
    publish_short_day(api_as, monday)
    channel, plan, row = channel_days.day_plan(sessions(), SHORT_CHANNEL, monday)
    second = stream_si.day_file_si(sessions, channel, plan, row.version)
    assert row.version == 2
    for old, new in ((first.present_following, second.present_following), (first.schedule, second.schedule)):
        old_versions = {decode(0x12, section).version for section in old[0][1]}
        assert old_versions.isdisjoint(decode(0x12, section).version for section in new[0][1])


def test_a_lesson_without_its_rendition_yet_is_ingested_first_never_re_encoded_raw(
    test_channel, api_as, sessions, settings
):  # type: ignore[no-untyped-def]
    tuesday = next_monday() + timedelta(days=1)
    api_as("operator").post(f"/api/channels/{SHORT_CHANNEL}/days/publish", json={"from": str(tuesday)})
    recording_id = test_channel.recordings["math12"]
    with sessions() as session:
        assert renditions.cable_renditions(session, [recording_id]) == {}
    target, done = playout.render_published_day(sessions, settings.media_dir, SHORT_CHANNEL, tuesday)
    with sessions() as session:
        cable = renditions.cable_renditions(session, [recording_id])
    assert recording_id in cable  # QC and renditions ran first: the lesson airs its levelled cable rendition
    assert done.copied == (30 * FPS,) and done.reencoded == () and done.encoded_frames == 0
    assert video_frames(settings.media_dir / target) == 3 * 60 * FPS

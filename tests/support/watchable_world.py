"""Grade 3 on air with lessons families can watch again: renditions made by the real rendition code (at half
size, 2 s segments, so a test makes them in seconds), next Monday published and the families' pages written."""
from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from media.hls import MASTER
from media.profiles import FPS, HLS, HlsProfile, Mp4Profile, PosterProfile, small
from media.renditions import HLS_DIR, MP4_FILE, POSTER_FILE, RenditionSet, make_renditions
from scheduler.services import channel_days
from scheduler.services.ingest import rendition_dir, store_result
from scheduler.store.models import Recording
from tests.support.channels_world import CHANNEL, next_monday
from tests.support.qc import clean_report
from web.family_pages import write_family_pages

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The production ladder's rungs (1080p/720p/360p, same names and order) at half their size and bit rates.
HALF_HLS = HlsProfile(ladder=tuple(small(picture, 2) for picture in HLS.ladder), segment_seconds=2, gop=2 * FPS)
WATCH_SET = RenditionSet(cable=None, hls=HALF_HLS, mp4=Mp4Profile(picture=HALF_HLS.ladder[0], gop=HALF_HLS.gop),
                         poster=PosterProfile(320, 180))


def make_watchable(sessions: sessionmaker[Session], media_dir: Path, recording_id: int) -> None:
    """The MP4, poster and HLS ladder of a recording, stored as the ingest stores them (QC: clean)."""
    with sessions() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None
        media_name, checksum, frames = recording.media_name, recording.checksum, recording.duration_frames
    folder = rendition_dir(media_name)
    run = make_renditions(Path("recordings") / media_name, media_dir, Path(folder), renditions=WATCH_SET, qc=False)
    outputs = {"hls": f"{folder}/{HLS_DIR}/{MASTER}", "mp4": f"{folder}/{MP4_FILE}",
               "poster": f"{folder}/{POSTER_FILE}"}
    store_result(sessions(), recording_id, checksum, clean_report(frames), outputs, run.gain_db, at=datetime.now(UTC))


def publish_monday_and_write_pages(app: Flask, sessions: sessionmaker[Session]) -> datetime:
    """Publish next Monday and Tuesday on the test channel and write the families' pages as of Monday 08:35."""
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 2, at=datetime.now(UTC), by=None)
    morning = datetime.combine(monday, time(8, 35), tzinfo=SHANGHAI).astimezone(UTC)
    write_family_pages(app, now=morning)
    return morning

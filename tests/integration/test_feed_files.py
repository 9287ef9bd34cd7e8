"""The public feeds as files: written after each schedule change, exactly what the app serves, atomic."""
from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from scheduler.ops import timed_jobs
from scheduler.services.channels import get_channel, save_channel
from scheduler.services.feed_files import refresh_feed_files
from scheduler.store.models import ChannelRow
from tests.support.channels_world import CHANNEL, next_monday

pytestmark = pytest.mark.ffmpeg
FEEDS = ["feeds/grade3.ics", "feeds/grade3/chinese.ics", "feeds/grade3/math.ics"]


def written(public) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file())


def publish(api_as, days: int = 3):  # type: ignore[no-untyped-def]
    response = api_as("operator").post(f"/api/channels/{CHANNEL}/days/publish",
                                       json={"from": next_monday().isoformat(), "days": days})
    assert response.status_code == 200, response.get_json()


def test_publishing_writes_every_feed_of_the_grade_as_the_app_serves_it(on_air, api_as, client, settings):
    publish(api_as)
    assert written(settings.public) == FEEDS
    for path in FEEDS:
        served = client.get(f"/{path}")
        assert served.status_code == 200
        assert (settings.public / path).read_bytes() == served.data
    assert "三年级 数学 第13课《面积》".encode() in (settings.public / "feeds/grade3/math.ics").read_bytes()


def test_a_revocation_rewrites_the_feeds_at_once_and_leaves_no_partial_file(on_air, api_as, client, settings):
    publish(api_as)
    before = (settings.public / "feeds/grade3/math.ics").read_bytes()
    revoked = api_as("final").post(f"/api/recordings/{on_air.recordings['math12']}/actions",
                                   json={"action": "revoke", "comment": "画面有误"})
    assert revoked.status_code == 200, revoked.get_json()
    after = (settings.public / "feeds/grade3/math.ics").read_bytes()
    assert after != before and b"STATUS:CANCELLED" in after and after == client.get("/feeds/grade3/math.ics").data
    assert written(settings.public) == FEEDS  # no temporary files left beside them


def test_an_unchanged_schedule_leaves_the_files_and_their_times_alone(on_air, api_as, settings, sessions):
    publish(api_as)
    feed = settings.public / "feeds/grade3.ics"
    os.utime(feed, (1_600_000_000, 1_600_000_000))
    publish(api_as)  # every day already published: nothing changes
    with sessions() as session:
        refresh = refresh_feed_files(session, settings.public, now=datetime.now(UTC), public_url=settings.public_url)
    assert refresh.written == [] and refresh.unchanged == 3 and refresh.removed == []
    assert feed.stat().st_mtime == 1_600_000_000  # nginx's ETag and Last-Modified hold


def test_a_rolled_back_change_writes_nothing(on_air, api_as, app, settings):
    publish(api_as, days=1)
    before = {path: (settings.public / path).read_bytes() for path in FEEDS}
    app_sessions = app.extensions["airclass.sessions"]
    with pytest.raises(RuntimeError), app_sessions() as session, session.begin():
        session.scalars(select(ChannelRow).where(ChannelRow.id == CHANNEL)).one().name = "改名后半途失败"
        session.flush()
        raise RuntimeError("the use case fails after its flush")
    assert {path: (settings.public / path).read_bytes() for path in FEEDS} == before


def test_the_timed_job_repairs_a_lost_write_and_a_retired_grade_loses_its_feeds(on_air, api_as, app, settings):
    publish(api_as)
    (settings.public / "feeds/grade3.ics").write_bytes(b"BEGIN:VCALENDAR\r\n")  # e.g. a crash before the rewrite
    (settings.public / "feeds/grade3/math.ics").unlink()
    (settings.public / "feeds/grade9.ics").write_bytes(b"left from a channel long gone")
    summary = timed_jobs.refresh_feeds(settings.database_url, str(settings.public))
    assert summary == "2 feeds written, 1 unchanged, 1 removed"
    assert written(settings.public) == FEEDS
    assert (settings.public / "feeds/grade3.ics").read_bytes().endswith(b"END:VCALENDAR\r\n")

    app_sessions = app.extensions["airclass.sessions"]  # the app's own sessions rewrite the feeds on commit
    with app_sessions() as session, session.begin():
        session.scalars(select(ChannelRow).where(ChannelRow.id == CHANNEL)).one().retired = True
    assert written(settings.public) == []


def test_the_feed_window_rolls_on_with_the_days(on_air, api_as, sessions, settings):
    publish(api_as, days=1)
    feed = settings.public / "feeds/grade3.ics"
    with sessions() as session:
        later = refresh_feed_files(session, settings.public, now=datetime.now(UTC) + timedelta(days=45),
                                   public_url=settings.public_url)
    assert "feeds/grade3.ics" in later.written  # a month after the day, its lessons leave the feed
    assert b"BEGIN:VEVENT" not in feed.read_bytes()


def test_a_rewrite_within_the_same_second_to_as_many_bytes_still_changes_nginx_etag(on_air, api_as, app, settings):
    publish(api_as, days=1)
    feed = settings.public / "feeds/grade3.ics"
    before = feed.stat()
    app_sessions = app.extensions["airclass.sessions"]
    channel, template = get_channel(app_sessions(), CHANNEL)
    renamed = dataclasses.replace(channel, name=channel.name.replace("三年级", "四年级"))  # as many bytes
    save_channel(app_sessions(), renamed, template, at=datetime.now(UTC), new=False)
    after = feed.stat()
    assert after.st_size == before.st_size and b"\xe5\x9b\x9b\xe5\xb9\xb4\xe7\xba\xa7" in feed.read_bytes()  # 四年级
    assert int(after.st_mtime) > int(before.st_mtime)  # nginx ETag: "<mtime hex>-<size hex>"

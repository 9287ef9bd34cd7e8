"""The live channel's files: playlists written from the kept timeline and the clock, segments linked in.

The media side is a fake here (segment files named by what they hold); tests/media covers the real one.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from media.profiles import HLS
from scheduler.services import channel_days, guide
from scheduler.services.live import LivePlace, web_ladder, write_live_playlists
from scheduler.store.models import RecordingIngest
from tests.support.channels_world import CHANNEL, next_monday
from web.pages import guide as guide_pages
from web.pages import replay as replay_pages

pytestmark = pytest.mark.ffmpeg  # the on_air world's recordings are probed clips
SHANGHAI = ZoneInfo("Asia/Shanghai")
RUNGS = [p.name for p in HLS.ladder]


class FakeMedia:
    """Writes segment files whose bytes say which source, segment and frames they hold."""

    def __init__(self) -> None:
        self.loops: list[str] = []
        self.pieces: list[Path] = []

    def loop_frames(self, clip_frames: int, segment_frames: int, min_frames: int) -> int:
        return clip_frames * -(-min_frames // clip_frames)

    def prepare_loop(self, clip: Path, store_root: Path, out_dir: Path, *, loop_frames: int) -> None:
        self.loops.append(clip.name)
        write_segments(out_dir, f"loop of {clip.name}", loop_frames)

    def cut_piece(self, segment: Path, frames: int, out: Path) -> None:
        self.pieces.append(out)
        out.write_bytes(segment.read_bytes() + f" first {frames} frames".encode())


def write_segments(folder: Path, what: str, frames: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for rung in RUNGS:
        for index in range(-(-frames // 150)):
            (folder / f"{rung}_{index:05d}.ts").write_bytes(f"{what} {rung} #{index}".encode())


@pytest.fixture
def place(settings, tmp_path) -> LivePlace:  # type: ignore[no-untyped-def]
    return LivePlace(settings.media_dir, tmp_path / "live-state", settings.public, web_ladder(HLS))


def playlist(place: LivePlace, rung: str = "720p") -> str:
    return (place.public_dir / "live" / CHANNEL / f"{rung}.m3u8").read_text()


def listed(text: str) -> list[tuple[str, str]]:
    """(program date-time, segment uri) of each segment of a playlist."""
    return re.findall(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:[\d.]+,\n(\S+)", text)


def published(place: LivePlace, uri: str) -> str:
    """What a segment named in a playlist holds (the fake media writes it as text)."""
    return (place.public_dir / "live" / CHANNEL / uri).read_text()


def sequence(text: str) -> int:
    return int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))  # type: ignore[union-attr]


def test_the_live_channel_follows_the_published_day_and_keeps_what_has_aired(on_air, sessions, place):
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 1, at=datetime.now(UTC), by=None)
    media = FakeMedia()
    at = datetime.combine(monday, time(8, 30, 20), tzinfo=SHANGHAI)  # maths lesson 12 (2 s) aired at 08:30

    written = write_live_playlists(sessions, place, media, at, guide.broadcast_day)
    assert written == {CHANNEL: written[CHANNEL]} and isinstance(written[CHANNEL], int)  # public channels only
    first = playlist(place)
    segments = listed(first)
    assert sum(float(x) for x in re.findall(r"#EXTINF:([\d.]+)", first)) >= 3 * 6  # at least three target durations
    # A channel's first day numbers its discontinuities from 0: hls.js walks an array as long as the number at
    # every playlist load (a number anchored at day x 100,000 blocked a browser 2.5 s a load).
    assert int(re.search(r"#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)", first).group(1)) < 1000  # type: ignore[union-attr]
    durations = [float(x) for x in re.findall(r"#EXTINF:([\d.]+)", first)]
    airing = datetime.fromisoformat(segments[-1][0].replace("Z", "+00:00"))
    assert airing <= at < airing + timedelta(seconds=durations[-1])  # the last segment listed is on air now
    lesson = dict(segments)[f"{monday.isoformat()}T00:30:00.000Z"]
    assert "loop of standby.mp4" in published(place, lesson)  # no web renditions: the lesson's frames air standby
    assert "loop of slate.mp4" in published(place, segments[-1][1])  # then the slate up to the slot's end, as on cable
    for rung in RUNGS:  # every rendition lists the same segments under the same numbers
        assert [(t, u.replace(rung, "720p")) for t, u in listed(playlist(place, rung))] == segments
    for _, uri in segments:
        assert (place.public_dir / "live" / CHANNEL / uri).resolve().is_file()
    master = (place.public_dir / "live" / CHANNEL / "master.m3u8").read_text()
    assert master.count("#EXT-X-STREAM-INF:") == 3 and 'CODECS="avc1.' in master and "FRAME-RATE=25.000" in master

    math12 = on_air.recordings["math12"]  # the lesson's web renditions arrive while it is on air
    folder = "renditions/lesson-12/hls"
    write_segments(place.media_dir / folder, "maths 12", 2 * 25)
    with sessions() as session, session.begin():
        session.merge(RecordingIngest(recording_id=math12, checksum="x", qc_status="pass", qc_report={},
                                      renditions={"hls": f"{folder}/master.m3u8"}, loudness_gain_db=0.0,
                                      finished_at=datetime.now(UTC)))
    later = at + timedelta(seconds=20)
    write_live_playlists(sessions, place, media, later, guide.broadcast_day)
    second = playlist(place)
    assert sequence(second) >= sequence(first)
    numbered_first = {sequence(first) + i: seg for i, seg in enumerate(segments)}
    numbered_second = {sequence(second) + i: seg for i, seg in enumerate(listed(second))}
    for number in numbered_first.keys() & numbered_second.keys():
        assert numbered_first[number] == numbered_second[number]  # a published number never changes meaning

    chinese = datetime.combine(monday, time(9, 0, 5), tzinfo=SHANGHAI)  # 09:00 语文 (no web renditions: standby)
    write_live_playlists(sessions, place, media, chinese, guide.broadcast_day)
    assert sequence(playlist(place)) > sequence(second)
    replay = datetime.combine(monday, time(14, 0, 1), tzinfo=SHANGHAI)  # 14:00 replay of maths 12: ready now
    write_live_playlists(sessions, place, media, replay, guide.broadcast_day)
    assert listed(playlist(place))[-1][1].endswith("renditions/lesson-12/hls/720p_00000.ts")
    assert media.loops.count("standby.mp4") <= 1  # a loop is made once, whatever the number of writes


def test_a_day_that_has_ended_is_written_as_a_replay_of_what_aired(on_air, sessions, place):
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 1, at=datetime.now(UTC), by=None)
    media = FakeMedia()
    on_monday = datetime.combine(monday, time(8, 30, 20), tzinfo=SHANGHAI)
    write_live_playlists(sessions, place, media, on_monday, guide.broadcast_day)
    aired = listed(playlist(place))
    tuesday = datetime.combine(monday + timedelta(days=1), time(6, 0, 30), tzinfo=SHANGHAI)  # the next broadcast day
    write_live_playlists(sessions, place, media, tuesday, guide.broadcast_day)
    folder = place.public_dir / "live" / CHANNEL / "replay" / monday.isoformat()
    assert (folder / "master.m3u8").read_text().count("#EXT-X-STREAM-INF:") == 3
    replay = (folder / "720p.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in replay and replay.endswith("#EXT-X-ENDLIST\n")
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:0\n" in replay
    entries = listed(replay)
    assert sum(float(x) for x in re.findall(r"#EXTINF:([\d.]+)", replay)) == 24 * 3600  # the whole broadcast day
    assert entries[0][0] == f"{(monday - timedelta(days=1)).isoformat()}T22:00:00.000Z"  # 06:00 北京时间
    by_time = dict(entries)
    for stamp, uri in aired:  # what the live channel listed on Monday is what the replay plays at those times
        assert by_time[stamp] == "../../" + uri
        assert (folder / by_time[stamp]).resolve().is_file()
    assert sequence(playlist(place)) > sequence(replay)  # Tuesday's live numbering goes on from Monday's


def family_clock(monkeypatch: pytest.MonkeyPatch, first: datetime) -> dict[str, datetime]:
    """The guide's and replay pages' clock, set by the test: {"at": instant}."""
    clock = {"at": first}
    for module in (guide_pages, replay_pages):
        monkeypatch.setattr(module, "now", lambda: clock["at"].astimezone(UTC))
    return clock


def test_a_past_day_is_watched_again_from_the_guide_at_any_programme(on_air, sessions, place, client, monkeypatch):
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 1, at=datetime.now(UTC), by=None)
    media = FakeMedia()
    write_live_playlists(sessions, place, media, datetime.combine(monday, time(8, 30, 20), tzinfo=SHANGHAI),
                         guide.broadcast_day)
    tuesday = datetime.combine(monday + timedelta(days=1), time(6, 0, 30), tzinfo=SHANGHAI)
    write_live_playlists(sessions, place, media, tuesday, guide.broadcast_day)
    family_clock(monkeypatch, tuesday)

    week = client.get(f"/guide/grade3/{monday}").get_data(as_text=True)
    assert f'<a href="/replay/grade3/{monday}">观看当天回放</a>' in week
    starts = {title: int(offset) for offset, title in re.findall(
        rf'<a class="replay-at" href="/replay/grade3/{monday}#t=(\d+)">([^<]+)</a>', week)}
    assert starts["三年级 数学 第12课《两位数乘两位数》"] == 2.5 * 3600  # 08:30, the day starting at 06:00
    page = client.get(f"/replay/grade3/{monday}").get_data(as_text=True)
    assert f'data-src="/live/{CHANNEL}/replay/{monday}/master.m3u8" data-kind="replay"' in page
    assert '<a class="title seek" href="#t=9000" data-offset="9000">三年级 数学 第12课《两位数乘两位数》</a>' in page
    with client.get(f"/live/{CHANNEL}/replay/{monday}/master.m3u8") as master:
        assert master.status_code == 200 and master.get_data(as_text=True).count("#EXT-X-STREAM-INF:") == 3
    assert client.get(f"/replay/grade3/{monday + timedelta(days=1)}").status_code == 404  # not over yet


def test_a_replay_is_kept_seven_days_then_removed_with_the_segments_only_it_named(on_air, sessions, place, client,
                                                                                 monkeypatch):
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 1, at=datetime.now(UTC), by=None)  # Tuesday: standby all day
    media = FakeMedia()
    folder = "renditions/lesson-12/hls"
    write_segments(place.media_dir / folder, "maths 12", 2 * 25)
    with sessions() as session, session.begin():
        session.merge(RecordingIngest(recording_id=on_air.recordings["math12"], checksum="x", qc_status="pass",
                                      qc_report={}, renditions={"hls": f"{folder}/master.m3u8"}, loudness_gain_db=0.0,
                                      finished_at=datetime.now(UTC)))

    def on(day_offset: int) -> datetime:  # 06:00:30 北京时间, just after a broadcast day starts
        return datetime.combine(monday + timedelta(days=day_offset), time(6, 0, 30), tzinfo=SHANGHAI)

    write_live_playlists(sessions, place, media, datetime.combine(monday, time(8, 30, 1), tzinfo=SHANGHAI),
                         guide.broadcast_day)
    lesson_link = place.public_dir / "live" / "media" / folder / "720p_00000.ts"
    assert lesson_link.is_file()
    write_live_playlists(sessions, place, media, on(1), guide.broadcast_day)  # Monday ends: its replay
    write_live_playlists(sessions, place, media, on(2), guide.broadcast_day)  # Tuesday ends: its replay too
    replays = place.public_dir / "live" / CHANNEL / "replay"
    assert sorted(p.name for p in replays.iterdir()) == [monday.isoformat(), (monday + timedelta(days=1)).isoformat()]

    clock = family_clock(monkeypatch, on(7))
    write_live_playlists(sessions, place, media, on(7), guide.broadcast_day)  # a week after Monday: still there
    assert (replays / monday.isoformat() / "master.m3u8").is_file() and lesson_link.is_file()
    assert client.get(f"/replay/grade3/{monday}").status_code == 200

    clock["at"] = on(8)
    write_live_playlists(sessions, place, media, on(8), guide.broadcast_day)  # eight days after: gone
    assert sorted(p.name for p in replays.iterdir()) == [(monday + timedelta(days=d)).isoformat() for d in (1, 7)]
    assert not lesson_link.exists()  # only Monday's day named the lesson's segments
    for uri in re.findall(r"^(\S+\.ts)$", (replays / (monday + timedelta(days=1)).isoformat() / "720p.m3u8").read_text(),
                          re.MULTILINE):  # Tuesday's replay (standby all day) still plays: its loop's links stay
        assert (replays / (monday + timedelta(days=1)).isoformat() / uri).resolve().is_file()
    for uri in re.findall(r"^(\S+\.ts)$", playlist(place), re.MULTILINE):
        assert (place.public_dir / "live" / CHANNEL / uri).resolve().is_file()
    assert client.get(f"/replay/grade3/{monday}").status_code == 404
    week = client.get(f"/guide/grade3/{monday}").get_data(as_text=True)
    assert f'href="/replay/grade3/{monday}"' not in week and f'href="/replay/grade3/{monday + timedelta(days=1)}"' in week

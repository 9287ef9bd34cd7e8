"""Live channels for families (直播): each public channel's web twin, written as files the web server serves.

A broadcast day's segment timeline (scheduler/domain/live.py) is made from its published plan the
first time it is needed and kept (`<state>/<channel>/<day>.json`), so that what has been on air never
changes: a republication, or a lesson whose web renditions arrive late, keeps every segment already
published and renumbers only what follows. A day with nothing published airs the standby loop.

`write_live_playlists` (run every couple of seconds by the serving process's live timer) writes each
public channel's master and rendition playlists atomically from the kept timelines and the clock, and
links the segments they name into `<public>/live/media/` (hard links; copies across file systems).
The media work (a filler's web loop, a piece of a segment) runs there too, once per source, never
because somebody watches.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from media.atomic_write import atomic_write_bytes, write_if_changed
from media.hls import Variant, master_text
from media.profiles import FPS, HlsProfile
from scheduler.domain.channels import Channel, ScheduleError
from scheduler.domain.live import (
    DayTimeline,
    LiveSegment,
    Run,
    WebSource,
    day_runs,
    day_timeline,
    live_window,
    republished,
)
from scheduler.domain.plan import ChannelDayPlan, Clip, Event
from scheduler.exports.live_hls import live_media_playlist, replay_playlist
from scheduler.services import channel_days, renditions
from scheduler.services.channels import clips_by_id, list_channels

log = logging.getLogger(__name__)
LIVE = "live"
MEDIA = "media"  # under <public>/live/: the segments the playlists name
REPLAY = "replay"  # under <public>/live/<channel>/: a VOD playlist per day that has ended
REPLAY_DAYS = 7  # past broadcast days families can watch again; older replays, and segments only they name, go
SEGMENT_PREFIX = f"../{MEDIA}/"  # from <public>/live/<channel>/<rung>.m3u8
WINDOW_SECONDS = 36.0  # six segments: at least three target durations (RFC 8216 6.2.2)
REPUBLISH_MARGIN_SECONDS = 12.0  # playlists written just before a republication may list this far ahead
ANCHOR = date(2020, 1, 1)
DAY_NUMBERS = 100_000  # more segments than any day has: a day nothing chains to starts at day_index x this
# Discontinuity numbers are never anchored so: hls.js keeps its timestamps in an array indexed by them and walks
# it from 0 at every playlist load (day_index x 100,000 cost 2.5 s of a browser's main thread each time).


class LiveMedia(Protocol):
    """What the live side needs of media/: a filler's web loop, and the first frames of a segment."""

    def prepare_loop(self, clip: Path, store_root: Path, out_dir: Path, *, loop_frames: int) -> object: ...

    def cut_piece(self, segment: Path, frames: int, out: Path) -> object: ...

    def loop_frames(self, clip_frames: int, segment_frames: int, min_frames: int) -> int: ...


@dataclass(frozen=True)
class LivePlace:
    """Where the live side works: the media store, the kept timelines, the public folder; the web ladder."""

    media_dir: Path
    state_dir: Path
    public_dir: Path
    variants: tuple[Variant, ...]
    fps: int = 25
    segment_frames: int = 150

    @property
    def target_duration(self) -> int:
        return -(-self.segment_frames // self.fps)


def web_ladder(profile: HlsProfile) -> tuple[Variant, ...]:
    """The master playlist's variants of the web ladder, at its nominal rates (peak: the encoder's 1.1 x cap)."""
    audio = profile.audio_kbps * 1000
    return tuple(
        Variant(p.name, p.video_kbps * 1100 + audio, p.video_kbps * 1000 + audio, p.codecs, p.width, p.height, FPS)
        for p in profile.ladder
    )


# --- sources ------------------------------------------------------------------------------------


def _clip_folder(media: str) -> str:
    """The web loop of a clip's media file (clips sharing a file share it; another file, another loop)."""
    return f"live/clips/{hashlib.sha256(media.encode()).hexdigest()[:16]}"


@dataclass(frozen=True)
class DayMaterial:
    """What the database says about a day on the web, read in one short transaction before any media work
    (a filler's loop takes seconds to encode: no transaction may wait on it)."""

    plan: ChannelDayPlan | None  # None: nothing published
    clips: dict[str, Clip]
    lesson_hls: dict[int, str]  # recording id -> its HLS master in the media store, once ingest made it


def _published_plan(session: Session, channel: Channel, day: date) -> ChannelDayPlan | None:
    try:
        return channel_days.day_plan(session, channel.id, day)[1]  # parsed once per published version
    except channel_days.DayNotPublished:
        return None


def _read(session: Session, channel: Channel, day: date) -> DayMaterial:
    plan = _published_plan(session, channel, day)
    with session.begin():
        recordings = {e.airing.recording.id for e in plan.events if e.airing and e.airing.recording} if plan else set()
        made = {rid: renditions.ingest_of(session, rid) for rid in recordings}
        hls = {rid: row.renditions["hls"] for rid, row in made.items() if row and "hls" in row.renditions}
        return DayMaterial(plan, clips_by_id(session), hls)


def _web_sources(material: DayMaterial, place: LivePlace, media: LiveMedia) -> Callable[[Event], WebSource | None]:
    """The web source of each event: a lesson's HLS ladder once ingest made it, a clip's web loop (made here)."""

    loops: dict[str, WebSource | None] = {}  # a day airs a handful of clips thousands of times

    def source(event: Event) -> WebSource | None:
        kind, _, key = event.source.partition(":")
        if kind == "recording" and event.airing and event.airing.recording:
            hls = material.lesson_hls.get(int(key))
            return WebSource(str(Path(hls).parent), event.airing.recording.frames) if hls else None
        if kind == "clip" and key in material.clips:
            if key not in loops:
                clip = material.clips[key]
                loops[key] = _clip_loop(place, media, clip.media, key, clip.frames)
            return loops[key]
        return None

    return source


def _clip_loop(place: LivePlace, media: LiveMedia, clip_media: str, clip_id: str, clip_frames: int) -> WebSource | None:
    folder = _clip_folder(clip_media)
    frames = media.loop_frames(clip_frames, place.segment_frames, 60 * place.fps)
    if not (place.media_dir / folder).is_dir():
        try:
            media.prepare_loop(place.media_dir / clip_media, place.media_dir, place.media_dir / folder, loop_frames=frames)
        except Exception:  # a broken clip: its events air the standby loop on the web
            log.exception("the web loop of clip %s could not be made", clip_id)
            return None
    return WebSource(folder, frames)


# --- kept timelines -------------------------------------------------------------------------------


def _timeline_path(place: LivePlace, channel: Channel, day: date) -> Path:
    return place.state_dir / channel.id / f"{day.isoformat()}.json"


_LOADED: dict[Path, tuple[tuple[int, int], tuple[DayTimeline, str]]] = {}  # by file: (mtime, size), timeline


def _load(place: LivePlace, channel: Channel, day: date) -> tuple[DayTimeline, str] | None:
    """A kept timeline and the key of the runs it was made from."""
    return _load_file(_timeline_path(place, channel, day))


def _load_file(path: Path) -> tuple[DayTimeline, str] | None:
    """A kept timeline file, read again only when it changed (a grade day's is ~14,000 segments: the timer
    would otherwise parse it every tick)."""
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if path in _LOADED and _LOADED[path][0] == stamp:
            return _LOADED[path][1]
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    timeline = _timeline_of(doc)
    if len(_LOADED) > 64:
        _LOADED.clear()
    _LOADED[path] = (stamp, (timeline, doc["runs"]))
    return timeline, doc["runs"]


def _latest_kept(place: LivePlace, channel: Channel, day: date) -> DayTimeline | None:
    """The channel's latest kept timeline before `day`, whatever the gap."""
    earlier = []
    for path in (place.state_dir / channel.id).glob("*.json"):
        try:
            if date.fromisoformat(path.stem) < day:
                earlier.append(path)
        except ValueError:
            continue
    kept = _load_file(max(earlier)) if earlier else None
    return kept[0] if kept else None


def _timeline_of(doc: dict[str, Any]) -> DayTimeline:
    return DayTimeline(datetime.fromisoformat(doc["starts_at"]), doc["fps"], doc["first_sequence"],
                       doc["first_discontinuity"], tuple(LiveSegment(**s) for s in doc["segments"]))


def _keep(place: LivePlace, channel: Channel, day: date, timeline: DayTimeline, runs_key: str) -> None:
    doc = {"starts_at": timeline.starts_at.isoformat(), "fps": timeline.fps, "runs": runs_key,
           "first_sequence": timeline.first_sequence, "first_discontinuity": timeline.first_discontinuity,
           "segments": [asdict(s) for s in timeline.segments]}
    path = _timeline_path(place, channel, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(doc, ensure_ascii=False).encode())


def _runs_key(runs: Sequence[Run]) -> str:
    return hashlib.sha256(json.dumps([asdict(r) for r in runs], sort_keys=True).encode()).hexdigest()


def _standby(material: DayMaterial, place: LivePlace, media: LiveMedia, channel: Channel) -> WebSource:
    """The standby loop: what the web airs where nothing else can."""
    clip = material.clips.get(channel.standby_id)
    loop = clip and _clip_loop(place, media, clip.media, clip.id, clip.frames)
    if not loop:
        raise ScheduleError(f"{channel.id}: the standby clip {channel.standby_id!r} cannot air on the web")
    return loop


def _runs(material: DayMaterial, place: LivePlace, media: LiveMedia, channel: Channel, day: date) -> list[Run]:
    """What the web airs on a day: the published plan's runs, or the standby loop all day."""
    standby = _standby(material, place, media, channel)
    if material.plan is None:
        return [Run(0, channel.day_frames(day), standby, "")]
    return day_runs(material.plan.events, _web_sources(material, place, media), standby)


_RUNS: dict[tuple[Path, str, date], tuple[DayMaterial, str]] = {}


def _runs_key_of(material: DayMaterial, place: LivePlace, media: LiveMedia, channel: Channel, day: date,
                 ) -> tuple[list[Run] | None, str]:
    """The key of a day's runs, and the runs unless they are the ones made last time from the same material
    (the same published version, clips and lesson renditions): then None, as the kept timeline has them."""
    cache = (place.state_dir, channel.id, day)
    kept = _RUNS.get(cache)
    if kept is not None and kept[0].plan is material.plan and kept[0].clips == material.clips \
            and kept[0].lesson_hls == material.lesson_hls:
        return None, kept[1]
    runs = _runs(material, place, media, channel, day)
    key = _runs_key(runs)
    if len(_RUNS) > 64:
        _RUNS.clear()
    _RUNS[cache] = (material, key)
    return runs, key


def day_on_the_web(
    session: Session, place: LivePlace, media: LiveMedia, channel: Channel, day: date, now: datetime
) -> DayTimeline:
    """A day's kept timeline, made (numbered on from the day before when that one is kept) or brought up to
    date with the published plan without touching what is already on air."""
    material = _read(session, channel, day)
    runs, key = _runs_key_of(material, place, media, channel, day)
    starts_at = channel.day_bounds(day)[0]
    kept = _load(place, channel, day)
    if kept is not None and kept[1] == key:
        return kept[0]
    if runs is None:  # the same runs, but the kept timeline went missing: make them again
        runs = _runs(material, place, media, channel, day)
    if kept is not None and now > starts_at:
        on_air = int(((now - starts_at).total_seconds() + REPUBLISH_MARGIN_SECONDS) * place.fps)
        timeline = republished(kept[0], runs, on_air_at=on_air, standby=_standby(material, place, media, channel),
                               segment_frames=place.segment_frames)
    else:
        before = _load(place, channel, day - timedelta(days=1))
        if before:
            first, discontinuities = before[0].next_sequence, before[0].next_discontinuity
        else:  # the service was down a whole day, or this is the channel's first: a player cannot have watched on
            latest = _latest_kept(place, channel, day)
            first, discontinuities = (day - ANCHOR).days * DAY_NUMBERS, latest.next_discontinuity if latest else 0
        if kept is not None:  # not on air yet: keep its numbering
            first, discontinuities = kept[0].first_sequence, kept[0].first_discontinuity
        timeline = day_timeline(runs, starts_at=starts_at, fps=place.fps, segment_frames=place.segment_frames,
                                first_sequence=first, first_discontinuity=discontinuities)
    _keep(place, channel, day, timeline, key)
    return timeline


# --- files the web server serves -------------------------------------------------------------------


def _publish_segment(place: LivePlace, media: LiveMedia, segment: LiveSegment, rung: str) -> None:
    """Link (or copy) a segment into <public>/live/media/, cutting a piece from its source segment first."""
    target = place.public_dir / LIVE / MEDIA / segment.uri(rung)
    if target.exists():
        return
    whole = place.media_dir / segment.folder / f"{rung}_{segment.index:05d}.ts"
    source = whole
    if segment.piece:
        source = place.media_dir / segment.uri(rung)
        if not source.exists():
            media.cut_piece(whole, segment.frames, source)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileExistsError:
        pass
    except OSError:
        shutil.copyfile(source, target)


def write_channel(place: LivePlace, media: LiveMedia, session: Session, channel: Channel, now: datetime,
                  broadcast_day: date) -> int:
    """Write one channel's playlists for `now`; the number of segments listed."""
    today = day_on_the_web(session, place, media, channel, broadcast_day, now)
    days = [today]
    yesterday = _load(place, channel, broadcast_day - timedelta(days=1))
    if yesterday and yesterday[0].next_sequence == today.first_sequence:
        days.insert(0, yesterday[0])
    window = live_window(days, now, min_seconds=WINDOW_SECONDS)
    folder = place.public_dir / LIVE / channel.id
    folder.mkdir(parents=True, exist_ok=True)
    for variant in place.variants:
        for placed in window.segments:
            _publish_segment(place, media, placed.segment, variant.name)
        text = live_media_playlist(window, variant.name, target_duration=place.target_duration,
                                   segment_prefix=SEGMENT_PREFIX)
        write_if_changed(folder / f"{variant.name}.m3u8", text.encode())
    _write_master(place, folder)
    ended = broadcast_day - timedelta(days=1)
    if yesterday and not (folder / REPLAY / ended.isoformat() / "master.m3u8").exists():
        write_replay(place, media, channel, ended, yesterday[0])
    return len(window.segments)


def _write_master(place: LivePlace, folder: Path) -> None:
    write_if_changed(folder / "master.m3u8", master_text(place.variants).encode())


def write_replay(place: LivePlace, media: LiveMedia, channel: Channel, day: date, timeline: DayTimeline) -> None:
    """A day that has ended, as VOD playlists (回放) at <public>/live/<channel>/replay/<day>/: the segments
    it aired, at the times it aired them (the master is written last: it says the replay is complete)."""
    folder = place.public_dir / LIVE / channel.id / REPLAY / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    for variant in place.variants:
        for segment in timeline.segments:
            _publish_segment(place, media, segment, variant.name)
        text = replay_playlist(timeline, variant.name, target_duration=place.target_duration,
                               segment_prefix=f"../../{SEGMENT_PREFIX}")
        atomic_write_bytes(folder / f"{variant.name}.m3u8", text.encode())
    _write_master(place, folder)


def _written_replays(public_dir: Path, channel_id: str) -> list[date]:
    """The days whose replay is written for a channel (its master is written last), oldest first."""
    found = []
    for master in (public_dir / LIVE / channel_id / REPLAY).glob("*/master.m3u8"):
        try:
            found.append(date.fromisoformat(master.parent.name))
        except ValueError:
            continue
    return sorted(found)


def _watchable_again(day: date, today: date) -> bool:
    return 0 < (today - day).days <= REPLAY_DAYS


def replay_days(public_dir: Path, channel_id: str, today: date) -> list[date]:
    """The past days of a channel families can watch again on its broadcast day `today`, oldest first."""
    return [day for day in _written_replays(public_dir, channel_id) if _watchable_again(day, today)]


def remove_old_replays(place: LivePlace, channels: Sequence[Channel], today: Callable[[Channel], date]) -> int:
    """Remove the replays and kept timelines of days past REPLAY_DAYS, then every segment link under
    `<public>/live/media/` that no kept timeline names (a loop's segments air day after day: a link goes only
    when no day still kept lists it). The number of files removed."""
    removed = 0
    for channel in channels:
        for day in _written_replays(place.public_dir, channel.id):
            if (today(channel) - day).days > REPLAY_DAYS:
                shutil.rmtree(place.public_dir / LIVE / channel.id / REPLAY / day.isoformat(), ignore_errors=True)
                removed += 1
        for kept in (place.state_dir / channel.id).glob("*.json"):
            try:
                too_old = (today(channel) - date.fromisoformat(kept.stem)).days > REPLAY_DAYS
            except ValueError:
                continue
            if too_old:
                kept.unlink(missing_ok=True)
                removed += 1
    named = {segment.uri(variant.name) for timeline in _kept_timelines(place) for segment in timeline.segments
             for variant in place.variants}
    media = place.public_dir / LIVE / MEDIA
    for link in media.rglob("*.ts"):
        if link.relative_to(media).as_posix() not in named:
            link.unlink(missing_ok=True)
            removed += 1
    return removed


def _kept_timelines(place: LivePlace) -> list[DayTimeline]:
    """Every kept timeline, read once a day outside the tick's cache (which holds the days the tick needs)."""
    return [_timeline_of(json.loads(path.read_text())) for path in place.state_dir.glob("*/*.json")]


def write_live_playlists(sessions: sessionmaker[Session], place: LivePlace, media: LiveMedia, now: datetime,
                         broadcast_day: Callable[[Channel, datetime], date]) -> dict[str, Any]:
    """Write every public channel's live playlists for `now`; per channel, the segments listed or the error."""
    written: dict[str, Any] = {}
    channels = list_channels(sessions(), public_only=True)
    for channel in channels:
        try:
            with sessions() as session:
                written[channel.id] = write_channel(place, media, session, channel, now, broadcast_day(channel, now))
        except Exception as error:  # one channel's trouble must not stop the others' playlists
            log.exception("live playlists of %s not written", channel.id)
            written[channel.id] = f"{type(error).__name__}: {error}"
    days = {broadcast_day(channel, now) for channel in channels}
    if channels and _CLEARED.get(place.public_dir) != days:  # at start-up, and when a day has ended
        removed = remove_old_replays(place, channels, lambda channel: broadcast_day(channel, now))
        _CLEARED[place.public_dir] = days
        log.info("live: %d old replays, timelines and segment links removed", removed)
    return written


_CLEARED: dict[Path, set[date]] = {}  # by public folder: the broadcast days its old replays were last removed on

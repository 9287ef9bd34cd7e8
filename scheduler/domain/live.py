"""Virtual linear live HLS: the web twin of a channel day as a timeline of prepared segments, and the
live window a player sees at an instant. Pure: no clock, no files; the caller passes both.

Every source that airs (a lesson's recording, a filler or standby loop) is segmented once into
`segment_frames`-long segments cut on the same frames in every rendition of the web ladder. A
day's events become runs (a lesson; consecutive passes of a looping clip in one slot), and a run
becomes the source's segments from its start; the run's last segment may be a piece of a source
segment (its first frames, cut by stream copy: the web ladder has closed GOPs and no B-frames).
Each run starts with a discontinuity, and so does each wrap of a loop.

Segments are numbered for the whole life of the channel: a day's first segment continues the
previous day's numbering (`DayTimeline.first_sequence`), and so does its discontinuity count, so
EXT-X-MEDIA-SEQUENCE and EXT-X-DISCONTINUITY-SEQUENCE never decrease, across midnight too. A
republished day keeps every segment already on air (`republished`) and renumbers only what follows.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from scheduler.domain.plan import Event


@dataclass(frozen=True)
class WebSource:
    """A source prepared for the web: the folder of its segments (relative to the public folder) and its length.

    A looping clip is prepared as a loop whose length is a whole number of segments where it can be.
    """

    folder: str
    frames: int


@dataclass(frozen=True)
class LiveSegment:
    """One segment of the web timeline: `frames` frames from `start` (frames from the day start)."""

    start: int
    frames: int
    folder: str
    index: int  # the source's segment number
    piece: bool  # only the first `frames` frames of the source's segment `index`
    discontinuity: bool  # a join: the first segment of a run, or a loop starting again
    title: str

    @property
    def end(self) -> int:
        return self.start + self.frames

    def uri(self, rendition: str) -> str:
        """The segment's file in one rendition, relative to the public folder."""
        name = f"{rendition}_{self.index:05d}" + (f"_{self.frames}f" if self.piece else "")
        return f"{self.folder}/{name}.ts"


@dataclass(frozen=True)
class DayTimeline:
    """A broadcast day on the web: where it starts, how its numbering continues the day before, its segments."""

    starts_at: datetime
    fps: int
    first_sequence: int
    first_discontinuity: int
    segments: tuple[LiveSegment, ...]

    @property
    def next_sequence(self) -> int:
        return self.first_sequence + len(self.segments)

    @property
    def next_discontinuity(self) -> int:
        return self.first_discontinuity + sum(s.discontinuity for s in self.segments)

    def air_time(self, segment: LiveSegment) -> datetime:
        """When a segment's first frame airs (its EXT-X-PROGRAM-DATE-TIME)."""
        return self.starts_at + timedelta(seconds=segment.start / self.fps)


@dataclass(frozen=True)
class Run:
    """What the web plays for a stretch of the day: a source from its start, looping, for `frames` frames."""

    start: int
    frames: int
    source: WebSource
    title: str


def source_segments(source: WebSource, segment_frames: int) -> list[int]:
    """The length of each of a source's segments: whole segments, then what is left."""
    whole, rest = divmod(source.frames, segment_frames)
    return [segment_frames] * whole + ([rest] if rest else [])


def run_segments(run: Run, segment_frames: int) -> list[LiveSegment]:
    """A run as segments: the source's from its start, wrapping as often as the run lasts, the last one cut."""
    lengths = source_segments(run.source, segment_frames)
    segments: list[LiveSegment] = []
    at, index = run.start, 0
    while at < run.start + run.frames:
        natural = lengths[index]
        frames = min(natural, run.start + run.frames - at)
        segments.append(LiveSegment(at, frames, run.source.folder, index, frames < natural, index == 0, run.title))
        at += frames
        index = (index + 1) % len(lengths)
    return segments


def _continues(run: Run, event: Event, source: WebSource) -> bool:
    """The event is the next pass of the clip the run loops (same source, from its start, right after)."""
    return run.source == source and event.in_point == 0 and run.start + run.frames == event.start


def day_runs(
    events: Sequence[Event], web_source: Callable[[Event], WebSource | None], standby: WebSource
) -> list[Run]:
    """The runs of a day's events. An event whose source is not prepared for the web (or starts inside it)
    airs the standby loop on the web instead, for the same frames."""
    runs: list[Run] = []
    for event in events:
        source = web_source(event)
        if source is None or event.in_point != 0:
            source = standby
        if runs and _continues(runs[-1], event, source):
            runs[-1] = replace(runs[-1], frames=runs[-1].frames + event.length)
        else:
            runs.append(Run(event.start, event.length, source, event.title))
    return runs



def day_timeline(
    runs: Sequence[Run], *, starts_at: datetime, fps: int, segment_frames: int,
    first_sequence: int, first_discontinuity: int,
) -> DayTimeline:
    """The segments of a day's runs, numbered on from the day before."""
    segments = tuple(s for run in runs for s in run_segments(run, segment_frames))
    return DayTimeline(starts_at, fps, first_sequence, first_discontinuity, segments)


def republished(
    aired: DayTimeline, runs: Sequence[Run], *, on_air_at: int, standby: WebSource, segment_frames: int
) -> DayTimeline:
    """A new version of a day that is partly on air: every segment that has begun by `on_air_at` (frames
    from the day start; take a margin for playlists already written ahead) stays as it was, numbers and
    all; the new runs follow, the standby loop bridging from the end of the kept segments to the next run
    that starts after it."""
    kept = tuple(s for s in aired.segments if s.start <= on_air_at)
    resume = kept[-1].end if kept else 0
    following: list[Run] = []
    for run in runs:
        if run.start >= resume:
            following.append(run)
        elif run.start + run.frames > resume:  # cut inside this run: bridge to its end with standby
            following.append(Run(resume, run.start + run.frames - resume, standby, run.title))
    segments = kept + tuple(s for run in following for s in run_segments(run, segment_frames))
    return replace(aired, segments=segments)


@dataclass(frozen=True)
class WindowSegment:
    """A segment in a live playlist: its media sequence number, its discontinuity sequence number (the
    discontinuities up to and including it) and its air time."""

    segment: LiveSegment
    sequence: int
    discontinuity_sequence: int
    airs_at: datetime
    seconds: float


@dataclass(frozen=True)
class LiveWindow:
    """What a live playlist lists at an instant."""

    media_sequence: int
    discontinuity_sequence: int
    segments: tuple[WindowSegment, ...]


def _placed(day: DayTimeline, offset: int) -> WindowSegment:
    segment = day.segments[offset]
    discontinuities = day.first_discontinuity + sum(s.discontinuity for s in day.segments[: offset + 1])
    return WindowSegment(segment, day.first_sequence + offset, discontinuities, day.air_time(segment),
                         segment.frames / day.fps)


def whole_day(day: DayTimeline) -> list[WindowSegment]:
    """Every segment of a day, numbered and timed as the live playlists listed them (a replay of the day)."""
    placed, discontinuities = [], day.first_discontinuity
    for offset, segment in enumerate(day.segments):
        discontinuities += segment.discontinuity
        placed.append(WindowSegment(segment, day.first_sequence + offset, discontinuities, day.air_time(segment),
                                    segment.frames / day.fps))
    return placed


def live_window(days: Sequence[DayTimeline], now: datetime, *, min_seconds: float) -> LiveWindow:
    """The segments that have begun to air by `now` (the one airing included), going back at least
    `min_seconds` where the days given reach that far. `days` are consecutive, oldest first."""
    for before, after in pairwise(days):
        if after.first_sequence != before.next_sequence or after.first_discontinuity != before.next_discontinuity:
            raise ValueError("the days' numbering does not continue from one day to the next")
    window: list[WindowSegment] = []
    frames = 0  # counted in frames: float seconds would round differently from one sum to the next
    for day in reversed(days):
        on_air = (now - day.starts_at).total_seconds() * day.fps
        last = bisect_right([s.start for s in day.segments], on_air) - 1
        for offset in range(last, -1, -1):
            if frames >= min_seconds * day.fps:
                break
            window.insert(0, _placed(day, offset))
            frames += window[0].segment.frames
        if window and frames >= min_seconds * day.fps:
            break
    if not window:
        raise ValueError(f"nothing has aired by {now.isoformat()} in the days given")
    return LiveWindow(window[0].sequence, window[0].discontinuity_sequence, tuple(window))

"""A channel day's programmes as the guides show them: one list that XMLTV and the DVB EIT both write.

One programme per slot, from its start to its end: a lesson slot's recording and the tail filler after
it make one programme, as do all passes of a looped break, filler or standby clip; the programme filler
between two slots is one programme too. Guides count in seconds: a boundary inside a second is put at
its whole second (start and stop alike), so both guides agree to the second.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter

from scheduler.domain.channels import Channel
from scheduler.domain.plan import ChannelDayPlan, EventKind, LessonRecording, PlannedLesson, Run

_UNWANTED = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffc\U00010000-\U0010ffff]")
_WHITESPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Text fit for a guide: no forbidden or control characters, on one line."""
    return _WHITESPACE.sub(" ", _UNWANTED.sub("", text)).strip()


@dataclass(frozen=True)
class Programme:
    """One guide entry: start and stop in the channel's zone (whole seconds) and its cleaned texts."""

    start: datetime
    stop: datetime
    title: str  # never empty: the channel's name stands in
    sub_title: str = ""  # the lesson's title
    desc: str = ""  # teacher, school, county
    category: str = ""  # the subject
    episode: str = ""  # 第12课
    replay: bool = False

    @property
    def text(self) -> str:
        """The one-line description a set-top box shows: subject, then teacher."""
        return " ".join(part for part in (self.category, self.desc) if part)


def _whole_second(channel: Channel, plan: ChannelDayPlan, offset: int) -> datetime:
    return channel.moment(plan.day, offset).replace(microsecond=0)


def programme(channel: Channel, plan: ChannelDayPlan, runs: Sequence[Run]) -> Programme:
    """The programme of a slot's runs of events (or of the filler between two slots)."""
    first = runs[0].first
    start, stop = _whole_second(channel, plan, first.start), _whole_second(channel, plan, runs[-1].end)
    title = clean_text(first.title) or clean_text(channel.name)
    airing = first.airing
    if airing is None or airing.recording is None:
        return Programme(start, stop, title)
    return lesson_programme(airing.lesson, airing.recording, start, stop, title, replay=first.kind is EventKind.REPLAY)


def lesson_programme(lesson: PlannedLesson, recording: LessonRecording, start: datetime, stop: datetime,
                     title: str = "", *, replay: bool = False) -> Programme:
    """A recording's guide entry: `title` (else the lesson's label), the lesson's title, teacher and subject."""
    return Programme(
        start, stop, clean_text(title or lesson.label), sub_title=clean_text(lesson.title),
        desc=clean_text(f"主讲：{recording.teacher}（{recording.school}，{recording.county}）"),
        category=clean_text(lesson.subject_name), episode=clean_text(f"第{lesson.sequence}课"), replay=replay,
    )


def day_programmes(channel: Channel, plan: ChannelDayPlan) -> list[Programme]:
    """A day's programmes: consecutive events of one slot merged (read as runs: a looped clip's passes are one)."""
    by_slot = groupby(plan.events.runs, key=attrgetter("first.slot"))
    return [programme(channel, plan, list(group)) for _, group in by_slot]

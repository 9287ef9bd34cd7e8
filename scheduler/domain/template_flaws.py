"""What makes slots unable to make a broadcast day (InvalidTemplate.why), each flaw's English sentence a msgid."""

from __future__ import annotations

from enum import StrEnum

from scheduler.domain.sentences import N_


class Flaw(StrEnum):
    """A reason slots cannot make a broadcast day; InvalidTemplate.facts holds the values its sentence names."""

    WEEKDAYS = "weekdays"
    ENDS_BEFORE_IT_STARTS = "ends_before_it_starts"
    ROTA = "rota"
    BETWEEN_FRAMES = "between_frames"
    NO_FRAMES = "no_frames"
    SUBJECT = "subject"
    REPLAY_OF = "replay_of"
    LESSON_CLIP = "lesson_clip"
    NOT_AN_EARLIER_SLOT = "not_an_earlier_slot"
    NOT_AN_EARLIER_LESSON = "not_an_earlier_lesson"
    OVERLAP = "overlap"
    AFTER_THE_DAY = "after_the_day"
    TITLE_TOO_LONG = "title_too_long"


FLAWS = {
    Flaw.WEEKDAYS: N_("needs 7 weekdays, has %(count)s"),
    Flaw.ENDS_BEFORE_IT_STARTS: N_("ends before it starts"),
    Flaw.ROTA: N_("names %(subjects)s subjects for %(lessons)s lesson slots"),
    Flaw.BETWEEN_FRAMES: N_("starts between two frames at %(fps)s fps"),
    Flaw.NO_FRAMES: N_("lasts %(frames)s frames; a slot lasts at least one"),
    Flaw.SUBJECT: N_("a lesson slot names its subject, and only a lesson slot does"),
    Flaw.REPLAY_OF: N_("a replay slot names the slot it repeats, and only a replay slot does"),
    Flaw.LESSON_CLIP: N_("lesson and replay slots take their clip and title from the lesson"),
    Flaw.NOT_AN_EARLIER_SLOT: N_("replays %(ref)s, which is not an earlier slot"),
    Flaw.NOT_AN_EARLIER_LESSON: N_("replays %(ref)s, which is not an earlier lesson slot"),
    Flaw.OVERLAP: N_("starts before slot %(previous)s (%(previous_start)s) ends; list slots in order"),
    Flaw.AFTER_THE_DAY: N_("ends after the broadcast day"),
    Flaw.TITLE_TOO_LONG: N_("its title has %(length)s characters; a title has at most %(limit)s"),
}

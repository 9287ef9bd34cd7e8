"""What makes slots unable to make a broadcast day (InvalidTemplate.why), each flaw worded in English."""

from __future__ import annotations

from enum import StrEnum


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


FLAWS = {
    Flaw.WEEKDAYS: "needs 7 weekdays, has {count}",
    Flaw.ENDS_BEFORE_IT_STARTS: "ends before it starts",
    Flaw.ROTA: "names {subjects} subjects for {lessons} lesson slots",
    Flaw.BETWEEN_FRAMES: "starts between two frames at {fps} fps",
    Flaw.NO_FRAMES: "lasts {frames} frames; a slot lasts at least one",
    Flaw.SUBJECT: "a lesson slot names its subject, and only a lesson slot does",
    Flaw.REPLAY_OF: "a replay slot names the slot it repeats, and only a replay slot does",
    Flaw.LESSON_CLIP: "lesson and replay slots take their clip and title from the lesson",
    Flaw.NOT_AN_EARLIER_SLOT: "replays {ref}, which is not an earlier slot",
    Flaw.NOT_AN_EARLIER_LESSON: "replays {ref}, which is not an earlier lesson slot",
    Flaw.OVERLAP: "starts before slot {previous} ({previous_start}) ends; list slots in order",
    Flaw.AFTER_THE_DAY: "ends after the broadcast day",
}

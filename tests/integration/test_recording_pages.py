"""Page-shaped reads of recordings: one call gathers what a page shows, behind one visibility check."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.domain import review_errors
from scheduler.domain.review_terms import Action, ReviewState
from scheduler.services import recording_pages, recordings
from scheduler.services.permissions import NotAllowed
from scheduler.store.models import Recording

AT = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)


def add_recording(sessions, world, state: ReviewState, revision: int) -> int:  # type: ignore[no-untyped-def]
    """Teacher A's revision of lesson A in a given state (no media: these reads never open the file)."""
    with sessions() as session, session.begin():
        row = Recording(
            lesson_id=world.lesson_a, revision=revision, teacher_id=world.user("teacher_a").id, state=state,
            media_name=f"r{revision}.mp4", original_filename="第12课.mp4", size_bytes=1, checksum="ab" * 32,
            container="mp4", video_codec="h264", audio_codec="aac", width=160, height=90, frame_rate_num=25,
            frame_rate_den=1, duration_frames=25, audio_sample_rate=48000, audio_channels=2, created_at=AT,
        )
        session.add(row)
    return row.id


def actor(world, name: str):  # type: ignore[no-untyped-def]
    return recordings.actor_for(world.user(name))


def test_the_recording_page_holds_the_lesson_trail_ingest_and_the_decisions_open_to_the_actor(sessions, world):
    waiting = add_recording(sessions, world, ReviewState.COUNTY_REVIEW, 1)
    page = recording_pages.recording_page(sessions(), actor(world, "county_a"), waiting)
    assert page.recording.id == waiting and page.recording.lesson.county.name == "南湖区"
    assert page.history == [] and page.ingest is None and page.ingest_job is None
    assert page.allowed_actions == [Action.APPROVE, Action.REQUEST_CHANGES]
    teacher = recording_pages.recording_page(sessions(), actor(world, "teacher_a"), waiting)
    assert teacher.allowed_actions == [Action.WITHDRAW]


@pytest.mark.parametrize("name", ["county_b", "teacher_b"])
def test_the_recording_page_of_a_recording_out_of_sight_is_not_found(sessions, world, name):
    waiting = add_recording(sessions, world, ReviewState.COUNTY_REVIEW, 1)
    with pytest.raises(review_errors.RecordingNotFound):
        recording_pages.recording_page(sessions(), actor(world, name), waiting)


def test_the_teachers_lesson_page_lists_their_revisions_newest_first(sessions, world):
    first = add_recording(sessions, world, ReviewState.CHANGES_REQUESTED, 1)
    second = add_recording(sessions, world, ReviewState.DRAFT, 2)
    page = recording_pages.lesson_page(sessions(), actor(world, "teacher_a"), world.lesson_a, at=AT)
    assert [r.recording.id for r in page.revisions] == [second, first] and page.may_upload
    other = recording_pages.lesson_page(sessions(), actor(world, "teacher_b"), world.lesson_a, at=AT)
    assert other.revisions == [] and not other.may_upload  # lesson A is county A's to record
    rows = recording_pages.teacher_lessons(sessions(), actor(world, "teacher_a"), at=AT).items
    assert [(row.lesson.id, row.latest.id, row.revisions) for row in rows] == [(world.lesson_a, second, 2)]


def test_the_review_queue_counts_what_waits_on_the_reviewer(sessions, world):
    add_recording(sessions, world, ReviewState.COUNTY_REVIEW, 1)
    add_recording(sessions, world, ReviewState.CITY_REVIEW, 2)
    queue = recording_pages.review_queue(sessions(), actor(world, "county_a"), at=AT)
    assert queue.waiting.total == 1 and queue.counts == {ReviewState.COUNTY_REVIEW: 1}


@pytest.mark.parametrize(
    ("read", "name"),
    [(recording_pages.review_queue, "teacher_a"), (recording_pages.teacher_lessons, "county_a")],
)
def test_page_services_refuse_roles_the_page_is_not_for(sessions, world, read, name):
    with pytest.raises(NotAllowed):
        read(sessions(), actor(world, name), at=AT)

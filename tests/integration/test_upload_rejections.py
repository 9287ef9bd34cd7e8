"""Uploads that are not lesson videos are refused clearly and leave the media store as it was."""
from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.ffmpeg

HLS = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
FFCONCAT = b"ffconcat version 1.0\nfile '/etc/passwd'\n"
XML = b'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"></MPD>'


def store_files(settings) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(str(p.relative_to(settings.media_dir)) for p in settings.media_dir.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("payload", "name", "reason"),
    [
        (b"Dear teacher, this is a letter.\n" * 40, "lesson.mp4", "text"),
        (HLS, "lesson.mp4", "playlist"),
        (FFCONCAT, "lesson.mp4", "ffconcat"),
        (XML, "lesson.mp4", "xml"),
        (os.urandom(4096), "lesson.mp4", "not"),
        (b"", "empty.mp4", "empty"),
    ],
    ids=["text", "hls", "ffconcat", "xml", "random-bytes", "zero-bytes"],
)
def test_non_videos_are_rejected_and_removed(api_as, world, settings, payload, name, reason, tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(payload)
    with path.open("rb") as f:
        response = api_as("teacher_a").post(
            f"/api/lessons/{world.lesson_a}/recordings", data={"file": (f, name)}, content_type="multipart/form-data"
        )
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert reason in response.get_json()["detail"].lower()
    assert "/etc/passwd" not in response.get_data(as_text=True)
    assert store_files(settings) == []


def test_video_without_audio_is_rejected(api_as, world, settings, clips):
    with clips["video_only_1s.mp4"].open("rb") as f:
        response = api_as("teacher_a").post(
            f"/api/lessons/{world.lesson_a}/recordings", data={"file": (f, "x.mp4")}, content_type="multipart/form-data"
        )
    assert response.status_code == 422
    assert "audio" in response.get_json()["detail"].lower()
    assert store_files(settings) == []


def test_missing_file_field_names_the_field(api_as, world):
    response = api_as("teacher_a").post(f"/api/lessons/{world.lesson_a}/recordings", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]

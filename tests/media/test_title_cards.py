"""Each demo recording shows its own lesson's title card (issue 14): a card per lesson before one shared body."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from media.probe import probe_upload
from media.samples import CARD_SECONDS, LESSON_BODY, card_spec, clip_argv, generate_all, title_font, titled_clips
from scheduler.ops.demo import clip_name, lesson_titles

pytestmark = pytest.mark.ffmpeg
AUTUMN_RAIN = "三年级 语文 第1课《秋天的雨》"


def frame_hashes(path: Path) -> list[str]:
    """The MD5 of each decoded video frame."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v", "-f", "framemd5", "-"],
                         capture_output=True, text=True, check=True).stdout
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line and not line.startswith("#")]


def test_every_demo_lesson_has_its_own_title_card() -> None:
    titles = lesson_titles()
    assert titles[clip_name(3, "chinese", 1)] == AUTUMN_RAIN
    assert titles[clip_name(3, "math", 1)] == "三年级 数学 第1课《两位数乘两位数》"
    assert len(set(titles.values())) == len(titles) == 152


def test_the_card_draws_the_lessons_title() -> None:
    argv = clip_argv(Path("/tmp/card.mp4"), card_spec(AUTUMN_RAIN, LESSON_BODY.spec), Path("/fonts/cjk.ttc"))
    graph = " ".join(argv)
    assert "drawtext" in graph and f"text={AUTUMN_RAIN}" in graph and "fontfile=/fonts/cjk.ttc" in graph


@pytest.mark.skipif(title_font() is None, reason="no CJK font installed (scripts/system-packages.sh installs one)")
def test_titled_clips_differ_in_their_card_and_share_the_body(tmp_path: Path) -> None:
    samples = generate_all(tmp_path, quick=True)
    titles = {"g3_chinese_01": AUTUMN_RAIN, "g3_math_01": "三年级 数学 第1课《两位数乘两位数》"}
    with titled_clips(samples, titles, quick=True) as made:  # written in the background, read when ready
        clips = dict(made)
    rain, maths = (frame_hashes(clips[name]) for name in titles)
    card = int(CARD_SECONDS * 25)
    body = probe_upload(samples["lesson_body_9s"], tmp_path).duration_frames
    assert len(rain) == len(maths) == card + body  # 3 s of card, then the whole body
    assert rain[0] != maths[0]  # each shows its own title
    assert rain[card:] == maths[card:] == frame_hashes(samples["lesson_body_9s"])  # the body, copied
    probe = probe_upload(clips["g3_chinese_01"], tmp_path / "titled")
    assert (probe.width, probe.height, probe.audio_channels) == (320, 180, 2)
    written = {name: path.stat().st_mtime_ns for name, path in clips.items()}
    with titled_clips(samples, titles, quick=True) as again:  # a second run keeps them
        assert dict(again) == clips
    assert {name: path.stat().st_mtime_ns for name, path in clips.items()} == written


@pytest.mark.skipif(title_font() is None, reason="no CJK font installed (scripts/system-packages.sh installs one)")
def test_titled_clips_are_written_in_a_samples_folder_named_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # as `make run` names it: airclass demo --samples sample_media/out
    samples = generate_all(Path("sample_media/out"), quick=True)
    with titled_clips(samples, {"g3_chinese_01": AUTUMN_RAIN}, quick=True) as made:
        clip = made["g3_chinese_01"]
    assert probe_upload(clip.absolute(), tmp_path).duration_frames > int(CARD_SECONDS * 25)

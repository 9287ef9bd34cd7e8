"""Chinese pages say everything in Chinese: a walk through what a teacher, a reviewer and an operator see, failing
on any English word left in the visible text (issue 14: upload refusals, the 404 page, version notes, job kinds).

Data stays as it is (lesson titles, file names, codecs, units, checksums, the channel's id): the walk strips it.
"""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from scheduler.domain.plan import StandIn
from scheduler.domain.review_terms import Action
from scheduler.ops.job_kinds import load_job_kinds
from scheduler.queue.registry import kind_names
from scheduler.services import recordings
from tests.support.channels_world import CHANNEL, next_monday
from tests.web.test_operator_pages import DAY_URL, run
from tests.web.test_pages import Browser, submitted_recording
from web.pages.jobs import JOB_KIND_LABELS, job_kind_label
from web.presenters.messages import version_note

HIDDEN = re.compile(r"<(script|style|pre)\b.*?</\1>|<[^>]+>", re.DOTALL)  # <pre>: a failed job's stderr tail
WORD = re.compile(r"\b[A-Za-z][a-z]{2,}\b")
# What is data or a name, not a sentence: codecs, containers, units, the time-zone name, the product, the language
# switch.
KEPT = {"fps", "aac", "mp4", "LUFS", "dBTP", "SHA", "Asia", "Shanghai", "airclass", "English"}


def english_words(page: str) -> list[str]:
    """The English words of a page's visible text (markup, scripts, a job's error tail and the channel's id taken
    out)."""
    text = html.unescape(HIDDEN.sub(" ", page)).replace(CHANNEL, " ")
    return [word for word in WORD.findall(text) if word not in KEPT]


def walk(person: Browser, urls: list[str], status: int = 200) -> dict[str, list[str]]:
    said = {url: english_words(person.page(url, status=status)) for url in urls}
    return {url: words for url, words in said.items() if words}


@pytest.mark.ffmpeg
def test_the_pages_of_a_teacher_a_reviewer_and_an_operator_hold_no_english(app, client, world, clips, sessions,
                                                                         on_air):
    monday = next_monday()
    operator = Browser(client, "operator")
    assert run(operator, "publish", monday).status_code == 200
    recordings.act_on_recording(sessions(), recordings.actor_for(world.user("final")), on_air.recordings["math12"],
                                Action.REVOKE, at=datetime.now(UTC), comment="画面有误")
    waiting = submitted_recording(app, world, clips)
    county = Browser(app.test_client(), "county_a")
    assert county.decide(waiting, "request_changes", comment="板书字太小").status_code == 303
    second = submitted_recording(app, world, clips)

    teacher = Browser(app.test_client(), "teacher_a")
    refused = teacher.upload(world.lesson_a, clips["video_only_1s.mp4"])
    assert refused.status_code == 422
    found = {"upload refused": english_words(refused.get_data(as_text=True))}
    found |= walk(teacher, ["/teacher/", f"/teacher/lessons/{world.lesson_a}", f"/recordings/{second}"])
    found |= walk(county, ["/review/", f"/recordings/{second}", f"/recordings/{waiting}"])
    found |= walk(Browser(app.test_client(), "final"), [f"/recordings/{on_air.recordings['math12']}",
                                                       f"/recordings/{on_air.recordings['math13']}"])
    found |= walk(operator, ["/operator/", DAY_URL.format(day=monday), f"/operator/channels/{CHANNEL}/week",
                             f"/operator/channels/{CHANNEL}/readiness?from={monday}", "/operator/alerts/",
                             "/operator/jobs/"])
    found |= walk(operator, ["/no/such/page"], status=404)
    assert {url: words for url, words in found.items() if words} == {}

    # the walk saw what issue 14 found in English, now in Chinese
    assert "文件未被接受：文件中没有音频流" in refused.get_data(as_text=True)
    day = operator.page(DAY_URL.format(day=monday))
    assert f"录像 {on_air.recordings['math12']} 已撤销通过（画面有误）" in day and f"{monday}（星期一）" in day
    jobs = operator.page("/operator/jobs/")
    assert "技术质检" in jobs and "任务编号" in jobs and "课次" not in jobs
    assert "课次" in teacher.page("/teacher/")  # a lesson's number keeps its word
    queue = county.page("/review/")  # the queue's air dates and QC verdicts, the pending panel's queue place
    assert "计划播出日期" in queue and "待质检" in queue and "语文" not in queue and "数学" in queue
    assert "在媒体队列中排第" in county.page(f"/recordings/{second}") and "计划于" in teacher.page(
        f"/teacher/lessons/{world.lesson_a}")


def test_every_job_kind_is_named_on_the_jobs_page(app):
    load_job_kinds()
    assert set(JOB_KIND_LABELS) >= set(kind_names())
    with app.test_request_context("/?lang=zh"):
        assert {kind: job_kind_label(kind) for kind in kind_names()} == {
            "checksum": "校验和", "probe": "媒体检测", "selftest": "自检", "ingest": "技术质检",
            "renditions": "转码", "render_day": "播出日成片"}


@pytest.mark.parametrize(("lang", "notes"), [
    ("zh", ["2020-02-10（星期一）", "录像 3 已撤销通过（内容有误）", "2020-02-10 (国庆调休)"]),
    ("en", ["2020-02-10 (Monday)", "recording 3 revoked: 内容有误", "2020-02-10 (国庆调休)"]),
])
def test_version_notes_are_in_the_pages_language(app, lang, notes):
    stored = ["2020-02-10 (Monday)", str(StandIn(3, "内容有误")), "2020-02-10 (国庆调休)"]  # the last: an override
    with app.test_request_context(f"/?lang={lang}"):
        assert [version_note(note) for note in stored] == notes

"""The review queue by urgency (issue 14): each row shows subject, QC verdict and the earliest day a lesson slot
needs the recording's lesson, the soonest first; after a decision the next recording opens. Teachers see each
lesson's planned air date in their list and on the lesson page."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.services import curriculum
from tests.support.qc import qc_passed
from tests.web.test_pages import Browser
from web.pages import review as review_pages
from web.pages import teacher as teacher_pages

pytestmark = pytest.mark.ffmpeg
# A Monday morning before the channel's first lesson slot; no day is stored, so the template plan decides:
# Monday airs math 12 and chinese 1, Tuesday math 13 and chinese 2, Wednesday math 14 and chinese 3.
MONDAY = datetime(2030, 1, 7, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


@pytest.fixture
def queue(on_air, app, client, sessions, world, clips, monkeypatch):  # type: ignore[no-untyped-def]
    """Chinese 3 (airs Wednesday) uploaded and submitted before chinese 2 (airs Tuesday); chinese 2's QC passed."""
    for pages in (review_pages, teacher_pages):
        monkeypatch.setattr(pages, "now", lambda: MONDAY)
    teacher = Browser(client, "teacher_a")
    made = {}
    for sequence, title in ((3, "富饶的西沙群岛"), (2, "观潮")):
        lesson = curriculum.create_lesson(sessions(), grade=3, subject="chinese", sequence=sequence, title=title,
                                          county_id=world.county_a)
        uploaded = teacher.upload(lesson.id, clips["lesson_2s.mp4"])
        recording_id = int(uploaded.headers["Location"].rsplit("/", 1)[1])
        assert teacher.decide(recording_id, "submit").status_code == 303
        made[title] = recording_id
    qc_passed(sessions, made["观潮"])
    return made


def rows(page: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.DOTALL)
    assert body
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.DOTALL)


def test_the_queue_puts_the_soonest_air_date_first_with_subject_and_qc(app, queue):
    page = Browser(app.test_client(), "county_a").page("/review/")
    second, third = rows(page)
    assert "观潮" in second and "2030年1月8日星期二" in second and "语文" in second
    assert 'class="qc-status qc-pass">合格' in second
    assert "富饶的西沙群岛" in third and "2030年1月9日星期三" in third and "待质检" in third
    assert "计划播出日期" in page and "技术质检" in page

    english = Browser(app.test_client(), "county_a").page("/review/?lang=en")
    assert "Tuesday, January 8, 2030" in rows(english)[0] and "Pending" in rows(english)[1]


def test_after_a_decision_the_next_recording_opens(app, queue):
    reviewer = Browser(app.test_client(), "county_a")
    first = reviewer.decide(queue["观潮"], "approve")
    assert first.status_code == 303 and first.headers["Location"].endswith(f"/recordings/{queue['富饶的西沙群岛']}")
    last = reviewer.decide(queue["富饶的西沙群岛"], "request_changes", comment="板书字太小")
    assert last.status_code == 303 and last.headers["Location"].endswith("/review/")


def test_teachers_see_each_lessons_planned_air_date(app, client, queue, world):
    teacher = Browser(client, "teacher_a")
    lessons = teacher.page("/teacher/")
    math12 = re.search(r"两位数乘两位数</a></td>\s*<td class=\"airs\">([^<]+)</td>", lessons)
    assert math12 and math12.group(1) == "2030年1月7日星期一"
    assert re.search(r"富饶的西沙群岛</a></td>\s*<td class=\"airs\">2030年1月9日星期三</td>", lessons)
    lesson = teacher.page(f"/teacher/lessons/{world.lesson_a}")
    assert "计划于2030年1月7日星期一播出。" in lesson
    assert "Planned to air on Monday, January 7, 2030." in teacher.page(f"/teacher/lessons/{world.lesson_a}?lang=en")

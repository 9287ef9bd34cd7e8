"""The jobs page as an operator works it: what each job is for, running first, filters, bulk cancel."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from scheduler.domain.job_states import JobState
from scheduler.queue import job_control, leases
from scheduler.store.models import Recording
from tests.web.test_jobs_page_live import live_settings
from tests.web.test_pages import Browser

T0 = datetime(2020, 2, 10, 1, 0, tzinfo=UTC)
ROW = re.compile(r'<tr class="job[^"]*" data-job="(\d+)"')


def submitted(sessions, kind: str, **params: object) -> int:  # type: ignore[no-untyped-def]
    return job_control.submit(sessions(), kind, params, now=T0)[0].id


def shown(page: str) -> list[int]:
    return [int(job_id) for job_id in ROW.findall(page)]


def row(page: str, job_id: int) -> str:
    found = re.search(rf'<tr class="job[^"]*" data-job="{job_id}".*?</tr>', page, re.DOTALL)
    assert found, job_id
    return found.group(0)


def test_ingest_jobs_name_their_lesson_and_running_jobs_come_first(client, sessions, world, clips):
    running = submitted(sessions, "checksum", path="a.mp4")  # the oldest job, running
    leases.claim(sessions(), running, worker_id="h:1:t", now=T0, lease_seconds=600)
    assert Browser(client, "teacher_a").upload(world.lesson_a, clips["lesson_1s_b.mp4"]).status_code in (302, 303)
    with sessions() as session:
        recording_id = session.scalars(select(Recording.id)).one()
    queued = submitted(sessions, "checksum", path="b.mp4")
    page = Browser(client, "operator").page("/operator/jobs/")
    assert shown(page)[0] == running and shown(page)[1] == queued  # then the newest first
    ingest = next(job_id for job_id in shown(page) if job_id not in (running, queued))
    subject = re.search(r'<td class="job-subject">(.*?)</td>', row(page, ingest), re.DOTALL)
    assert subject and f'href="/recordings/{recording_id}"' in subject.group(1)
    assert re.sub(r"\s+", " ", subject.group(1)).count("数学 第12课 两位数乘两位数") == 1
    assert "第 1 版" in subject.group(1)


def test_filters_by_state_and_kind_keep_to_the_pages_and_the_poll(client, sessions, world):
    queued = submitted(sessions, "checksum", path="a.mp4")
    probe = submitted(sessions, "probe", path="b.mp4")
    done = submitted(sessions, "checksum", path="c.mp4")
    job_control.cancel(sessions(), done, now=T0)
    operator = Browser(client, "operator")
    assert shown(operator.page("/operator/jobs/?state=queued")) == [probe, queued]
    assert shown(operator.page("/operator/jobs/?kind=checksum")) == [done, queued]
    page = operator.page("/operator/jobs/?state=queued&kind=checksum")
    assert shown(page) == [queued]
    assert '<option value="queued" selected>' in page and '<option value="checksum" selected>' in page
    assert live_settings(page)["poll"] == "/api/jobs/?page=1&per_page=50&state=queued&kind=checksum"
    assert shown(operator.page("/operator/jobs/?state=nonsense")) == [done, probe, queued]  # no filter


def test_bulk_cancel_cancels_the_selected_queued_jobs_only(client, app, sessions, world):
    first, second, untouched = (submitted(sessions, "checksum", path=f"{n}.mp4") for n in "abc")
    running = submitted(sessions, "probe", path="d.mp4")
    leases.claim(sessions(), running, worker_id="h:1:t", now=T0, lease_seconds=600)
    operator = Browser(client, "operator")
    page = operator.page("/operator/jobs/")
    assert 'form="cancel-selected"' in row(page, first) and 'type="checkbox"' not in row(page, running)
    assert "onclick" not in page and "onsubmit" not in page  # no inline script: the CSP forbids it
    token = operator.token("/operator/jobs/")
    data = {"csrf_token": token, "job": [str(first), str(second), str(running)], "state": "queued"}
    response = client.post("/operator/jobs/cancel", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/operator/jobs/?state=queued")
    after = operator.page("/operator/jobs/?state=queued")
    assert "已取消 2 个排队中的任务" in after and "其中 1 个已不在排队中" in after
    states = {job_id: job_control.get_job(sessions(), job_id).state for job_id in (first, second, untouched, running)}
    assert states == {first: JobState.CANCELLED, second: JobState.CANCELLED, untouched: JobState.QUEUED,
                      running: JobState.RUNNING}
    assert client.post("/operator/jobs/cancel", data={"job": [str(untouched)]}).status_code == 400  # no CSRF token
    nothing = client.post("/operator/jobs/cancel", data={"csrf_token": token}, follow_redirects=True)
    assert "没有选中任何任务" in nothing.get_data(as_text=True)
    auditor = Browser(app.test_client(), "auditor").page("/operator/jobs/")
    assert "cancel-selected" not in auditor and 'type="checkbox"' not in auditor

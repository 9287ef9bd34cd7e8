"""The playout file from the operator's day page: queue its render once, follow the job, download the MPEG-TS."""
from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest

from scheduler.domain.job_states import CANCELLABLE, JobState
from scheduler.queue import job_control
from scheduler.queue.config import QueueConfig
from scheduler.queue.executor import Runtime
from scheduler.queue.local import LocalWorkerPool
from scheduler.store.models import Job
from tests.support.channels_world import CHANNEL, next_monday
from tests.support.playout_world import SHORT_CHANNEL, day_frames, published_alone
from tests.support.waiting import wait_for_job
from tests.web.test_pages import Browser

pytestmark = pytest.mark.ffmpeg
DAY_URL = "/operator/channels/{channel}/days/{day}"
RENDER_FORM = re.compile(r'<form method="post" action="([^"]+/render)"[^>]*>(.*?)</form>', re.DOTALL)
MINUTES = 1  # a one-minute day: the render takes seconds


def render_jobs(sessions) -> list[Job]:  # type: ignore[no-untyped-def]
    return list(job_control.list_jobs(sessions(), kind="render_day", per_page=100).items)


def post_render(person: Browser, page: str):  # type: ignore[no-untyped-def]
    """Post the page's render form with its hidden fields (CSRF token, version)."""
    form = RENDER_FORM.search(page)
    assert form, "no render form on the page"
    fields = dict(re.findall(r'<input [^>]*name="(\w+)" [^>]*value="([^"]*)"', form.group(2)))
    return person.client.post(form.group(1), data=fields, follow_redirects=True)


ONE_GB = 10**9


@pytest.fixture(autouse=True)
def roomy_disk(app):  # type: ignore[no-untyped-def]
    """A render checks the free space before it is queued: these days fit (the test machine's disk may not hold
    the 108 GB of a 24 h day at 10 Mb/s). The app reads it through its AIRCLASS_FREE_BYTES probe."""
    app.config["AIRCLASS_FREE_BYTES"] = lambda folder: 10**13


@pytest.fixture
def published(on_air, api_as):  # type: ignore[no-untyped-def]
    """The grade-3 channel's Monday, published as version 1."""
    monday = next_monday()
    response = api_as("operator").post(f"/api/channels/{CHANNEL}/days/publish", json={"from": str(monday)})
    assert response.status_code == 200, response.get_json()
    return monday


def test_the_render_form_queues_one_job_and_asking_twice_returns_it(client, sessions, published):
    operator = Browser(client, "operator")
    url = DAY_URL.format(channel=CHANNEL, day=published)
    page = operator.page(url)
    assert "播出文件（有线电视 MPEG-TS）" in page and "第 1 版还没有播出文件" in page
    first = post_render(operator, page)
    [job] = render_jobs(sessions)
    assert first.request.path == url and f"任务 {job.id} 正在生成第 1 版的播出文件" in first.get_data(as_text=True)
    assert job.params == {"channel_id": CHANNEL, "day": published.isoformat()} and job.state is JobState.QUEUED
    assert job.dedupe_key == f"render_day:{CHANNEL}:{published}:v1"
    again = post_render(operator, page)  # the same form again, e.g. a second tab or a double click
    assert f"任务 {job.id} 正在生成" in again.get_data(as_text=True) and len(render_jobs(sessions)) == 1
    shown = operator.page(url)
    assert f"生成任务 {job.id}：" in shown and "排队中" in shown and 'href="/operator/jobs/"' in shown
    assert not RENDER_FORM.search(shown)  # nothing more to ask while it waits


def test_only_schedulers_see_and_post_the_form(client, app, sessions, published):
    url = DAY_URL.format(channel=CHANNEL, day=published)
    assert RENDER_FORM.search(Browser(app.test_client(), "admin").page(url))
    auditor = Browser(app.test_client(), "auditor")
    page = auditor.page(url)
    assert "第 1 版还没有播出文件" in page and not RENDER_FORM.search(page) and "生成播出文件" not in page
    operator = Browser(client, "operator")
    token = operator.token(url)
    refused = auditor.client.post(f"{url}/render", data={"csrf_token": auditor.token(url), "version": 1})
    assert refused.status_code == 403
    assert client.post(f"{url}/render", data={"version": 1}).status_code == 400  # no CSRF token
    assert client.post(f"{url}/render", data={"csrf_token": token}).status_code == 400  # no version
    stale = client.post(f"{url}/render", data={"csrf_token": token, "version": 7}, follow_redirects=True)
    assert "第 7 版已不是这一天的发布版本：未加入任何任务" in stale.get_data(as_text=True)
    assert render_jobs(sessions) == []
    draft_day = DAY_URL.format(channel=CHANNEL, day=published.replace(year=published.year + 1))
    assert "播出文件" not in operator.page(draft_day)  # nothing published: nothing to render


@pytest.fixture
def short_day(on_air, api_as, settings, sessions):  # type: ignore[no-untyped-def]
    """A published one-minute day; the fixture's ingest jobs are cancelled so a worker runs only the render."""
    return published_alone(api_as, sessions, settings.media_dir, MINUTES, ("06:00:10", "00:00:20:00"), next_monday())


@pytest.fixture
def worker(sessions, database_url, settings) -> Iterator[LocalWorkerPool]:  # type: ignore[no-untyped-def]
    config = QueueConfig(poll_seconds=0.1, retry_base_seconds=0, heartbeat_seconds=0.2)
    pool = LocalWorkerPool(Runtime(sessions, database_url, settings.media_dir, config), concurrency=1)
    pool.start()
    yield pool
    pool.stop()


def test_the_download_appears_once_the_job_ran_and_serves_the_mpeg_ts(client, app, sessions, short_day,
                                                                       worker, tmp_path):
    operator = Browser(client, "operator")
    url = DAY_URL.format(channel=SHORT_CHANNEL, day=short_day)
    download = f"{url}/playout-v1.ts"
    assert client.get(download).status_code == 404  # not rendered yet
    post_render(operator, operator.page(url))
    [job] = render_jobs(sessions)
    done = wait_for_job(sessions, job.id, lambda j: j.state not in CANCELLABLE, seconds=120)
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.result["path"] == f"days/{SHORT_CHANNEL}/{short_day}-v1.ts"
    page = operator.page(url)
    assert f'href="{download}"' in page and "下载第 1 版的播出文件" in page and not RENDER_FORM.search(page)

    auditor = Browser(app.test_client(), "auditor")  # readers may download too
    response = auditor.client.get(download)
    assert response.status_code == 200 and response.mimetype == "video/mp2t"
    assert response.headers["Content-Disposition"] == f"attachment; filename={SHORT_CHANNEL}-{short_day}-v1.ts"
    body = response.get_data()
    response.close()  # a file download holds its file open until closed
    assert body[0] == 0x47 and body[188] == 0x47  # MPEG-TS packets: a sync byte every 188 bytes
    saved = tmp_path / "downloaded.ts"
    saved.write_bytes(body)
    assert video_frames(saved) == day_frames(MINUTES)
    again = auditor.client.get(download, headers={"If-None-Match": response.headers["ETag"]})
    again.close()
    assert again.status_code == 304  # conditional: a second download of the same version is free
    part = auditor.client.get(download, headers={"Range": "bytes=0-187"})
    assert part.status_code == 206 and part.get_data() == body[:188]
    part.close()
    assert client.get(f"{url}/playout-v2.ts").status_code == 404  # no such version


def video_frames(path) -> int:  # type: ignore[no-untyped-def]
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(path)], capture_output=True, check=True)
    return int(out.stdout.split()[0])


def test_the_page_says_in_chinese_that_the_disk_has_no_room_and_queues_nothing(client, app, sessions, published):
    app.config["AIRCLASS_FREE_BYTES"] = lambda folder: ONE_GB
    operator = Browser(client, "operator")
    url = DAY_URL.format(channel=CHANNEL, day=published)
    refused = post_render(operator, operator.page(url)).get_data(as_text=True)
    assert "磁盘空间不足，无法生成播出文件" in refused and "仅剩 1.0 GB" in refused
    assert "未加入任务，也未写入任何文件" in refused
    assert render_jobs(sessions) == []
    app.config["AIRCLASS_FREE_BYTES"] = lambda folder: 10**13
    queued = post_render(operator, operator.page(url)).get_data(as_text=True)
    [job] = render_jobs(sessions)
    assert f"任务 {job.id} 正在生成第 1 版的播出文件" in queued


def test_the_api_refuses_with_507_problem_json_and_queues_the_render_when_there_is_room(app, api_as, sessions,
                                                                                       published):
    operator = api_as("operator")
    url = f"/api/channels/{CHANNEL}/days/{published}/render"
    app.config["AIRCLASS_FREE_BYTES"] = lambda folder: ONE_GB
    refused = operator.post(url, json={"version": 1})
    body = refused.get_json()
    assert refused.status_code == 507 and refused.mimetype == "application/problem+json"
    assert body["error"] == "NotEnoughSpace" and body["free_bytes"] == ONE_GB and body["needed_bytes"] > ONE_GB
    assert "1.0 GB are free; nothing was written" in body["detail"]
    assert render_jobs(sessions) == []
    app.config["AIRCLASS_FREE_BYTES"] = lambda folder: 10**13
    assert operator.post(url, json={"version": 7}).status_code == 422  # not the published version
    queued = operator.post(url, json={"version": 1})
    again = operator.post(url, json={"version": 1})
    assert queued.status_code == 202 and again.get_json()["id"] == queued.get_json()["id"]
    [job] = render_jobs(sessions)
    assert (job.kind, job.params) == ("render_day", {"channel_id": CHANNEL, "day": published.isoformat()})

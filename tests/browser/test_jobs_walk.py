"""The media jobs page follows its jobs live: rows change in place while a worker moves them, with no reload.

Headless chromium on the live server; the test plays the worker, writing job progress and outcomes to the database.
"""
from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from scheduler.queue import job_control, leases

LEASE = 600


def now() -> datetime:
    return datetime.now(UTC)


def opened(page: Page, url: str) -> Page:
    """Open the jobs page and leave a mark on the window that a reload would wipe."""
    page.goto(url)
    page.evaluate("window.stayed = true")
    return page


def still_the_same_page(page: Page) -> bool:
    return page.evaluate("window.stayed === true")


def test_rows_follow_the_worker_in_place_in_both_languages(sessions, world, signed_in, screenshot):
    teacher = world.user("teacher_a").id
    render, _ = job_control.submit(sessions(), "checksum", {"path": "a.mp4"}, now=now(), submitted_by=teacher)
    probe, _ = job_control.submit(sessions(), "probe", {"path": "notes.txt"}, now=now(), submitted_by=teacher)
    claim = leases.claim(sessions(), render.id, worker_id="h:1:t", now=now(), lease_seconds=LEASE)
    leases.heartbeat(sessions(), claim, now=now(), lease_seconds=LEASE, progress=10)

    operator = opened(signed_in("operator"), "/operator/jobs/")
    auditor = opened(signed_in("auditor"), "/operator/jobs/?lang=en")
    rows = {page: (page.locator(f"tr[data-job='{render.id}']"), page.locator(f"tr[data-job='{probe.id}']"))
            for page in (operator, auditor)}
    expect(rows[operator][0].locator(".job-state")).to_have_text("运行中")
    expect(rows[auditor][1].locator(".job-state")).to_have_text("Queued")
    operator.locator("a.refresh").focus()  # a reload would lose the focus, as it loses the scroll position

    leases.heartbeat(sessions(), claim, now=now(), lease_seconds=LEASE, progress=60)
    for render_row, _probe_row in rows.values():
        expect(render_row.locator(".job-progress")).to_have_text("60%")
        expect(render_row.locator("progress")).to_have_js_property("value", 60)

    probe_claim = leases.claim(sessions(), probe.id, worker_id="h:1:t", now=now(), lease_seconds=LEASE)
    leases.mark_failed(sessions(), probe_claim, "UnsupportedMedia: the file is text, not a video", now=now(),
                       permanent=True)
    leases.mark_succeeded(sessions(), claim, {"sha256": "0" * 64}, now=now())
    render_row, probe_row = rows[operator]
    expect(probe_row.locator(".job-state")).to_have_text("失败")
    expect(probe_row.locator(".error-tail")).to_have_text("UnsupportedMedia: the file is text, not a video")
    expect(probe_row.get_by_role("button", name="重试")).to_be_visible()
    expect(probe_row.get_by_role("button", name="取消")).to_be_hidden()
    expect(render_row.locator(".job-state")).to_have_text("已完成")
    expect(render_row.locator(".job-progress")).to_have_text("100%")
    expect(render_row.get_by_role("button", name="取消")).to_be_hidden()
    expect(rows[auditor][1].locator(".job-state")).to_have_text("Failed")
    expect(rows[auditor][0].locator(".job-state")).to_have_text("Succeeded")
    expect(rows[auditor][1].locator("button")).to_have_count(0)  # auditors watch, they do not steer

    for page in (operator, auditor):
        expect(page.locator(".live-note")).to_be_hidden()  # nothing is queued or running: polling stopped
        assert still_the_same_page(page)
    expect(operator.locator("a.refresh")).to_be_focused()
    screenshot(operator, "operator-jobs-live")


def test_new_jobs_are_announced_and_failed_polls_are_retried(sessions, world, signed_in):
    first, _ = job_control.submit(sessions(), "checksum", {"path": "a.mp4"}, now=now())
    operator = opened(signed_in("operator"), "/operator/jobs/?lang=en")
    expect(operator.locator(".live-note")).to_have_text("This page updates itself while jobs run.")

    operator.route("**/api/jobs/**", lambda route: route.fulfill(status=503, body="down for maintenance"))
    expect(operator.locator(".live-note")).to_have_text("The jobs could not be updated; trying again shortly.")
    operator.unroute("**/api/jobs/**")
    job_control.submit(sessions(), "checksum", {"path": "b.mp4"}, now=now())
    expect(operator.locator(".live-note")).to_have_text("This page updates itself while jobs run.")
    expect(operator.locator(".new-jobs")).to_be_visible()
    expect(operator.locator(".new-jobs")).to_contain_text("New jobs were submitted.")

    job_control.cancel(sessions(), first.id, now=now())
    expect(operator.locator(f"tr[data-job='{first.id}'] .job-state")).to_have_text("Cancelled")
    assert still_the_same_page(operator)
    operator.get_by_role("link", name="Show them").click()
    expect(operator.locator("tr[data-job]")).to_have_count(2)
    assert not still_the_same_page(operator)  # that link does reload


def test_a_row_pushed_off_the_first_page_by_newer_jobs_still_follows_its_job(sessions, world, signed_in):
    oldest, _ = job_control.submit(sessions(), "checksum", {"path": "a.mp4"}, now=now())
    operator = opened(signed_in("operator"), "/operator/jobs/?lang=en")
    for number in range(50):  # one page of newer jobs: the page's own row is now on page 2 of the list
        job_control.submit(sessions(), "checksum", {"path": f"{number}.mp4"}, now=now())
    expect(operator.locator(".new-jobs")).to_be_visible()
    job_control.cancel(sessions(), oldest.id, now=now())
    expect(operator.locator(f"tr[data-job='{oldest.id}'] .job-state")).to_have_text("Cancelled")
    expect(operator.locator(".live-note")).to_be_hidden()
    assert still_the_same_page(operator)

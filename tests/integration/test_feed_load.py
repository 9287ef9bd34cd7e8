"""The public iCal feed, the guide page and the OpenAPI document under load from a second process.

`airclass serve` (waitress) runs in one subprocess, scripts/load_generator.py in another: 8
concurrent keep-alive clients for 5 seconds, first plain GETs, then conditional GETs with the
ETag. Every answer must be a 200 (or a 304 for a matching ETag): no error, no 5xx.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.channels_world import CHANNEL, next_monday
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.ffmpeg
SECONDS, CONCURRENCY = 5, 8
ROOT = Path(__file__).resolve().parents[2]


def load(urls: list[str], *, etag: bool = False) -> dict:  # type: ignore[type-arg]
    args = [sys.executable, "-m", "scripts.load_generator", *urls,
            "--seconds", str(SECONDS), "--concurrency", str(CONCURRENCY)]
    done = subprocess.run(args + (["--etag"] if etag else []), cwd=ROOT, capture_output=True, text=True,
                          timeout=SECONDS + 60, check=True)
    return json.loads(done.stdout)


@pytest.fixture
def published_server(on_air, api_as, settings, tmp_path):  # type: ignore[no-untyped-def]
    first = (next_monday() - timedelta(days=7)).isoformat()
    response = api_as("operator").post(f"/api/channels/{CHANNEL}/days/publish", json={"from": first, "days": 21})
    assert response.status_code == 200, response.get_json()
    server = LiveServer(settings.database_url, settings.media_dir, tmp_path / "serve.log").start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def test_feed_guide_and_openapi_under_load_answer_without_errors(published_server):
    urls = [f"{published_server}{path}" for path in ("/feeds/grade3.ics", "/feeds/grade3/math.ics",
                                                    "/guide/grade3", "/api/openapi.json")]
    plain = load(urls)
    print(f"\nplain GETs: {plain['requests_per_second']} requests/s ({plain['requests']} in {plain['seconds']} s)")
    assert plain["errors"] == 0, plain["first_errors"]
    assert plain["requests"] > 0 and set(plain["statuses"]) == {"200"}, plain["statuses"]


def test_conditional_feed_gets_under_load_are_304(published_server):
    feed = f"{published_server}/feeds/grade3.ics"
    conditional = load([feed], etag=True)
    print(f"\nconditional GETs: {conditional['requests_per_second']} requests/s")
    assert conditional["errors"] == 0, conditional["first_errors"]
    statuses = conditional["statuses"]
    assert set(statuses) == {"200", "304"}, statuses
    assert statuses["200"] == CONCURRENCY  # each client's first fetch; every later one is a 304

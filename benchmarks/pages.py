"""Staff pages and exports on the demo data, against their targets and a trivial static file of the same app.

    python benchmarks/pages.py [--var DIR] [--rounds 15]

Seeds the demo city (`airclass db upgrade` + `airclass demo`) into `--var` (a temporary folder unless given; a
folder that already holds it is reused), then asks the app in process (Flask's test client, no network) for:
the operator start page, a channel's week grid and tomorrow's day view, the review queue and a recording page
(signed in as the final reviewer), a day's JSON playlist and a week's XMLTV of one channel and of all channels.
Each is asked `--rounds` times after one warm-up request (reported apart: the first request after a start
reads published days the process has not parsed yet), interleaved with the baseline, /static/airclass.css.
Prints the first request, the median and p95 in ms, the target (issue 14: pages 300 ms, playlist and XMLTV 500 ms),
the first request and the median over the target (a row is "ok" when both are within it) and the median over the
baseline's median measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.services.channels import get_channel
from scheduler.services.guide import broadcast_day
from scheduler.settings import load_settings
from web.app import create_app

CHANNEL = "grade3.jiaxing.airclass"
PASSWORD = "airclass-demo"
PAGE_TARGET, EXPORT_TARGET = 0.300, 0.500
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def seed(var: Path) -> dict[str, str]:
    """The demo in `var` (seeded unless its database is there, else migrated to the code's schema: a folder
    seeded before 0010 would time plans stored the old way), as AIRCLASS_* variables."""
    env = {**os.environ, "AIRCLASS_VAR_DIR": str(var), "AIRCLASS_DATABASE_URL": f"sqlite:///{var / 'airclass.sqlite3'}",
           "AIRCLASS_MEDIA_DIR": str(var / "media")}
    airclass = str(Path(sys.executable).with_name("airclass"))
    seeded = (var / "airclass.sqlite3").exists()
    subprocess.run([airclass, "db", "upgrade"], env=env, check=True, capture_output=True)
    if not seeded:
        subprocess.run([airclass, "demo", "--samples", str(ROOT / "sample_media" / "out")], env=env, check=True,
                       capture_output=True)
    return env


def signed_in(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token, "no CSRF token on the login page"
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    assert answer.status_code == 302, f"{username} could not sign in: {answer.status_code}"
    return client


def timed(client, url: str) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    answer = client.get(url)
    answer.get_data()
    took = time.perf_counter() - started
    assert answer.status_code == 200, f"{url}: HTTP {answer.status_code}"
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, help="where the demo is (or is seeded); a temporary folder by default")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="airclass-pages-") as scratch:
        var = (args.var or Path(scratch)).absolute()
        started = time.perf_counter()
        env = seed(var)
        print(f"demo in {var} ({time.perf_counter() - started:.1f} s)")
        app = create_app({"TESTING": True}, settings=load_settings(env))
        operator, final = signed_in(app, "operator"), signed_in(app, "final")
        channel, _template = get_channel(app.extensions["airclass.sessions"](), CHANNEL)
        tomorrow = broadcast_day(channel, datetime.now(UTC)) + timedelta(days=1)
        queue = final.get("/review/").get_data(as_text=True)
        recording = re.search(r'href="/recordings/(\d+)"', queue)
        assert recording, "the review queue lists no recording"
        cases = [
            ("operator start page", operator, "/operator/", PAGE_TARGET),
            ("week grid", operator, f"/operator/channels/{CHANNEL}/week", PAGE_TARGET),
            ("day view (tomorrow)", operator, f"/operator/channels/{CHANNEL}/days/{tomorrow}", PAGE_TARGET),
            ("review queue", final, "/review/", PAGE_TARGET),
            ("recording page", final, f"/recordings/{recording.group(1)}", PAGE_TARGET),
            ("playlist, a day (JSON)", operator, f"/api/channels/{CHANNEL}/days/{tomorrow}/playlist.json", EXPORT_TARGET),
            ("XMLTV, a week, one channel", operator, f"/api/exports/xmltv?channel={CHANNEL}&from={tomorrow}&days=7",
             EXPORT_TARGET),
            ("XMLTV, a week, all channels", operator, f"/api/exports/xmltv?from={tomorrow}&days=7", EXPORT_TARGET),
        ]
        baseline_client = app.test_client()
        first = {name: timed(client, url) for name, client, url, _target in cases}
        times: dict[str, list[float]] = {name: [] for name, *_rest in cases}
        baseline: list[float] = []
        for _round in range(args.rounds):
            for name, client, url, _target in cases:
                baseline.append(timed(baseline_client, "/static/airclass.css"))
                times[name].append(timed(client, url))
        base = statistics.median(baseline)
        print(f"{args.rounds} rounds; baseline /static/airclass.css median {base * 1000:.2f} ms")
        print(f"{'':30} {'first':>8} {'median':>8} {'p95':>8} {'target':>7} {'first/target':>12} {'med/target':>10} "
              f"{'med/baseline':>12}")
        for name, _client, _url, target in cases:
            got = sorted(times[name])
            median, p95 = statistics.median(got), got[min(len(got) - 1, round(0.95 * (len(got) - 1)))]
            verdict = "ok" if max(first[name], median) <= target else "MISSED"
            print(f"{name:30} {first[name] * 1000:7.0f}  {median * 1000:7.0f}  {p95 * 1000:7.0f}  {target * 1000:6.0f} "
                  f"{first[name] / target:12.2f} {median / target:10.2f} {median / base:12.0f}  {verdict}")


if __name__ == "__main__":
    main()

"""A grade's semester iCal feed as airclass serves it vs the same bytes as a static file by nginx.

    python benchmarks/feed_serving.py [--days 100] [--seconds 10] [--connections 8] [--workers 2] [--rounds 3]

Builds 8 grade channels x 100 published days on a temporary SQLite database through the services
(grade 3 with an approved recording for every lesson, so its feed is full; publishing writes the
feed files), then measures three servers on free loopback ports, one after the other:
  - the app alone under gunicorn (gthread), building the answer in Python;
  - the deployment: nginx with the site `airclass nginx-config` prints, serving the feed files the
    app wrote, in front of that gunicorn;
  - the baseline: nginx with a bare config serving the same bytes copied to a static folder.
Each is loaded for the same time with wrk (or scripts/load_generator.py when wrk is missing): plain
GETs, then conditional GETs with the ETag (304), in `--rounds` rounds whose order turns, keeping each
server's best figure. Prints requests/second and the ratios to the baseline (goal >= 0.5). Needs: pip install -e '.[bench]', apt-get install nginx-light wrk.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from media.samples import tiny_clip
from scheduler.domain.review_terms import Action, Role
from scheduler.services import accounts, curriculum, recordings
from scheduler.services.channels import save_clip
from scheduler.settings import Settings
from scheduler.store.db import make_session_factory, upgrade_database
from scripts.load_generator import run as python_load
from tests.support.clips import filler_clips
from web.app import create_app
from web.cli import nginx

FEED_GRADE = 3
PASSWORD = "bench-password-1"
SUBJECTS = {"math": "数学", "chinese": "语文"}


def slot(start: str, minutes: int, kind: str, **extra: object) -> dict[str, object]:
    return {"start": start, "length": f"00:{minutes:02d}:00:00", "kind": kind, **extra}


def weekday(grade: int) -> list[dict[str, object]]:
    """Two lessons, an eye-exercise break and the first lesson's replay (15-minute lessons in grades 1-2)."""
    minutes = 15 if grade <= 2 else 20
    return [slot("08:30", minutes, "lesson", subject="math"), slot("08:50", 10, "break", title="眼保健操"),
            slot("09:10", minutes, "lesson", subject="chinese"), slot("14:00", minutes, "replay", replay_of={"slot": 1})]


def build_semester(workdir: Path, days: int) -> tuple[Settings, date]:
    """Database and media store with 8 grade channels x `days` published days; returns settings and day one."""
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    upgrade_database(url)
    settings = Settings(database_url=url, media_dir=workdir / "media", secret_key="bench-secret",
                        max_upload_bytes=100 * 1024 * 1024, production=False, timezone="Asia/Shanghai")
    sessions = make_session_factory(url)
    now = datetime.now(UTC)
    city = curriculum.create_city(sessions(), "嘉兴市", ["南湖区"])
    county = city.counties[0].id
    school = curriculum.create_school(sessions(), county, "南湖区实验小学")
    curriculum.ensure_subjects(sessions(), SUBJECTS)
    people: dict[str, dict[str, object]] = {
        "teacher": {"role": Role.TEACHER, "school_id": school.id},
        "county": {"role": Role.COUNTY_REVIEWER, "county_id": county},
        "city": {"role": Role.CITY_REVIEWER, "city_id": city.id},
        "final": {"role": Role.FINAL_REVIEWER, "city_id": city.id},
        "operator": {"role": Role.OPERATOR}, "admin": {"role": Role.ADMIN},
    }
    users = {name: accounts.create_user(sessions(), username=name, password=PASSWORD, display_name=name, at=now, **kw)
             for name, kw in people.items()}
    _approved_lessons(sessions, settings, users, county, lessons_per_subject=days)
    for clip in filler_clips().values():
        save_clip(sessions(), clip)
    first = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    _channels_published(settings, users, first, days)
    sessions.kw["bind"].dispose()
    return settings, first


def _approved_lessons(sessions, settings: Settings, users, county: int, lessons_per_subject: int) -> None:  # type: ignore[no-untyped-def]
    from scheduler.store.media_store import MediaStore

    store = MediaStore(settings.media_dir, settings.max_upload_bytes)
    clip = tiny_clip(settings.media_dir.parent / "lesson_2s.mp4", seconds=2)
    actor = {name: recordings.actor_for(user) for name, user in users.items()}
    earlier = datetime.now(UTC) - timedelta(days=2)
    for code, name in SUBJECTS.items():
        for sequence in range(1, lessons_per_subject + 1):
            lesson = curriculum.create_lesson(sessions(), grade=FEED_GRADE, subject=code, sequence=sequence,
                                              title=f"{name}第{sequence}课", county_id=county)
            with clip.open("rb") as stream:
                rec = recordings.upload_recording(sessions(), store, actor["teacher"], lesson.id, stream, "课.mp4", at=earlier)
            for who, action in [("teacher", Action.SUBMIT), ("county", Action.APPROVE), ("city", Action.APPROVE),
                                ("final", Action.APPROVE)]:
                recordings.act_on_recording(sessions(), actor[who], rec.id, action, at=earlier + timedelta(hours=1),
                                          reviewed_checksum=rec.checksum)


def _channels_published(settings: Settings, users, first: date, days: int) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings=settings)
    client = app.test_client()
    headers = {name: {"Authorization": "Bearer " + accounts.create_token(
        app.extensions["airclass.sessions"](), users[name].id, "bench", at=datetime.now(UTC))} for name in ("admin", "operator")}
    for grade in range(1, 9):
        doc = {"id": f"grade{grade}.bench.airclass", "name": f"空中课堂·{grade}年级", "grades": [grade],
               "distributors": [{"name": "华数", "number": f"80{grade}"}], "template": {"week": [weekday(grade)] * 5 + [[], []]}}
        created = client.post("/api/channels/", json=doc, headers=headers["admin"])
        assert created.status_code == 201, created.get_json()
        published = client.post(f"/api/channels/{doc['id']}/days/publish", headers=headers["operator"],
                                json={"from": first.isoformat(), "days": days})
        assert published.status_code == 200, published.get_json()
    app.extensions["airclass.sessions"].kw["bind"].dispose()


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(settings: Settings, workdir: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "AIRCLASS_DATABASE_URL": settings.database_url, "AIRCLASS_MEDIA_DIR": str(settings.media_dir),
           "AIRCLASS_SECRET_KEY": "bench-secret", "AIRCLASS_VAR_DIR": str(workdir)}
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    args = [gunicorn, "--workers", str(workers), "--worker-class", "gthread", "--threads", "4",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "web.app:create_app()"]
    process = subprocess.Popen(args, env=env, cwd=ROOT)
    return process, port


BARE_SITE = """server {{
    listen 127.0.0.1:{port};
    root {root};
    types {{ text/calendar ics; }}
    charset utf-8;
    charset_types text/calendar;
    etag on;
}}
"""


def run_nginx(run_dir: Path, site: str, workers: int) -> subprocess.Popen[bytes]:
    """nginx with a server block inside the same standalone configuration, from its own folder."""
    run_dir.mkdir()
    conf = run_dir / "nginx.conf"
    conf.write_text(nginx.standalone_config(site, run_dir=run_dir, workers=workers))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    return subprocess.Popen([binary, "-p", str(run_dir), "-c", str(conf), "-e", str(run_dir / "error.log")])


def start_deployment(workdir: Path, app_port: int, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """nginx with the generated airclass site in front of the app, as documented in the README."""
    port = free_port()
    site = nginx.site_config(public_dir=workdir / "public", app=f"127.0.0.1:{app_port}", listen=f"127.0.0.1:{port}",
                             upload_mb=100)
    return run_nginx(workdir / "deployment", site, workers), port


def start_nginx(workdir: Path, body: bytes, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """The baseline: the same bytes as a file in a bare static server."""
    (workdir / "static" / "feeds").mkdir(parents=True)
    (workdir / "static" / "feeds" / f"grade{FEED_GRADE}.ics").write_bytes(body)
    port = free_port()
    return run_nginx(workdir / "bare", BARE_SITE.format(port=port, root=workdir / "static"), workers), port


def load(url: str, seconds: float, connections: int, etag: str | None = None) -> tuple[float, str]:
    """Requests/second and a note on errors, with wrk when installed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        result = python_load([url], seconds, connections, use_etag=etag is not None)
        bad = {k: v for k, v in result["statuses"].items() if k not in ("200", "304")}  # type: ignore[union-attr]
        return float(result["requests_per_second"]), f"python load generator, errors={result['errors']} bad={bad}"  # type: ignore[arg-type]
    args = [wrk, "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--latency"]
    if etag:
        args += ["-H", f"If-None-Match: {etag}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    problems = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    return rate, "wrk" + (f" ({'; '.join(problems)})" if problems else "")


def fetch(url: str, etag: str | None = None) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), response.headers.get("ETag", "")
    except urllib.error.HTTPError as error:  # 304 comes through here
        return error.code, b"", error.headers.get("ETag", "")


def measure(name: str, url: str, seconds: float, connections: int) -> dict[str, float]:
    status, body, etag = fetch(url)
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR"), (name, status)
    assert fetch(url, etag)[0] == 304, f"{name}: a conditional GET with the ETag is not 304"
    plain, plain_note = load(url, seconds, connections)
    conditional, cond_note = load(url, seconds, connections, etag)
    print(f"{name:>24}: {plain:9.1f} req/s plain ({plain_note}), {conditional:9.1f} req/s conditional 304 ({cond_note})")
    return {"plain": plain, "conditional": conditional}


def best_of(servers: dict[str, tuple[str, str]], rounds: int, seconds: float, connections: int,
            ) -> dict[str, dict[str, float]]:
    """Each server measured `rounds` times, the order turning each round; the best figure of each kind."""
    best: dict[str, dict[str, float]] = {}
    names = list(servers)
    for round_ in range(rounds):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            figures = measure(*servers[name], seconds, connections)
            best[name] = {kind: max(value, best.get(name, {}).get(kind, 0.0)) for kind, value in figures.items()}
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each server, in turning order")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn and nginx workers")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="airclass-feed-bench-"))
    os.chmod(workdir, 0o755)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        started = time.perf_counter()
        settings, _first = build_semester(workdir, args.days)
        print(f"built 8 channels x {args.days} published days in {time.perf_counter() - started:.1f} s")
        app_process, app_port = start_gunicorn(settings, workdir, args.workers)
        processes.append(app_process)
        app_url = f"http://127.0.0.1:{app_port}/feeds/grade{FEED_GRADE}.ics"
        wait_for(app_url)
        body = fetch(app_url)[1]
        print(f"grade {FEED_GRADE} feed: {len(body):,} bytes, {body.count(b'BEGIN:VEVENT')} events")
        deployment_process, deployment_port = start_deployment(workdir, app_port, args.workers)
        processes.append(deployment_process)
        deployment_url = f"http://127.0.0.1:{deployment_port}/feeds/grade{FEED_GRADE}.ics"
        wait_for(deployment_url)
        assert fetch(deployment_url)[1] == body, "the deployment does not serve the app's bytes"
        nginx_process, nginx_port = start_nginx(workdir, body, args.workers)
        processes.append(nginx_process)
        static_url = f"http://127.0.0.1:{nginx_port}/feeds/grade{FEED_GRADE}.ics"
        wait_for(static_url)
        assert fetch(static_url)[1] == body, "nginx does not serve the same bytes"
        servers = {"app": ("app alone (gunicorn)", app_url), "deployment": ("nginx-config + app", deployment_url),
                   "nginx": ("static file (bare nginx)", static_url)}
        figures = best_of(servers, args.rounds, args.seconds, args.connections)
        ratios = {name: {kind: figures[name][kind] / figures["nginx"][kind] for kind in figures["nginx"]}
                  for name in ("app", "deployment")}
        print(json.dumps({**figures, "ratio": {n: {k: round(v, 4) for k, v in r.items()} for n, r in ratios.items()}}))
        for name, ratio in ratios.items():
            print(f"ratio {name} / bare nginx: plain {ratio['plain']:.4f}, conditional {ratio['conditional']:.4f} "
                  "(goal >= 0.5)")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

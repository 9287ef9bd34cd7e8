"""Families at city scale on loopback: live viewers and guide visits, the nginx deployment against bare nginx.

    python benchmarks/family_load.py [--viewers 100,200,400] [--seconds 30] [--speedup 6] [--rounds 1]

Seeds the demo city (`airclass demo` with the quick 2 s samples) on a temporary SQLite database, writes
the live playlists once and keeps a child process writing them every 2 s (scheduler/ops/live_timer.py),
and writes the families' pages (web/family_pages.py). Then, one after the other on free loopback ports:
  - the deployment: nginx running `airclass nginx-config --standalone` in front of `airclass serve`;
  - bare nginx: a minimal static server block on the same public folder, in the same standalone
    configuration (`web/cli/nginx.standalone_config`), the same number of workers.
Each is loaded by simulated viewers (asyncio, one keep-alive connection each): a viewer joins a grade
channel's live rendition (360p/720p/1080p in turn), fetches the last three segments as hls.js does,
then polls the playlist every target duration (6 s) divided by `--speedup` and fetches each segment it
has not seen; it visits its grade's guide page on joining and every `--guide-every` polls. Each level
of `--viewers` runs `--seconds`, the two servers in turn (the order turning per level). It prints, per
server and level, the errors and p50/p99 latencies; the viewers held with 0 errors; and the ratios
bare p99 / deployment p99 for playlists and guide pages (goal >= 0.5: the deployment at most twice
bare nginx's latency). Last, the guide page via the app alone (rendered: a query no file answers),
via the app sending its file, and via the files in nginx, each loaded by `--connections` clients.

The client is Python on the same 2 cores as nginx and the app: at high levels it is the client that
saturates first, which shows as late polls (printed) and weighs on both servers alike.
Needs: apt-get install nginx-light (scripts/system-packages.sh).
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.settings import Settings, load_settings
from tests.support.live_server import LiveServer, airclass_command, free_port
from web.cli import nginx

TARGET_DURATION = 6.0  # seconds: the live playlists' EXT-X-TARGETDURATION (media.profiles.HLS)
JOIN_SEGMENTS = 3  # hls.js starts three target durations from the live edge
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

BARE_SITE = """server {{
    listen 127.0.0.1:{port};
    root {root};
    types {{ text/html html; application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}
    charset utf-8;
    etag on;
    location / {{ try_files $uri $uri.html $uri/index.html =404; }}
}}
"""


# --- the demo city, its live playlists and pages ------------------------------------------------------------

def bench_env(workdir: Path) -> dict[str, str]:
    return {"AIRCLASS_VAR_DIR": str(workdir), "AIRCLASS_SECRET_KEY": "bench-secret",
            "AIRCLASS_PUBLIC_URL": "http://127.0.0.1:8000"}


def build_demo(workdir: Path) -> Settings:
    """The demo city with quick samples, its live playlists and its families' pages under workdir/public."""
    from media.samples import generate_all
    from scheduler.ops.demo import seed_demo
    from scheduler.ops.live_timer import LiveTimer
    from scheduler.store.db import upgrade_database
    from web.app import create_app
    from web.family_pages import write_family_pages

    settings = load_settings(bench_env(workdir))
    upgrade_database(settings.database_url)
    app = create_app(settings=settings)
    samples = generate_all(workdir / "samples", quick=True)
    seed_demo(app.extensions["airclass.sessions"], app.extensions["airclass.store"], samples, datetime.now(UTC))
    timer = LiveTimer(settings)
    written = timer.write_once()  # segments the standby, fillers and lessons once: the slow part
    timer.stop()
    failed = {channel: result for channel, result in written.items() if isinstance(result, str)}
    assert not failed, f"live playlists not written: {failed}"
    print(f"live playlists of {len(written)} channels; families' pages: {write_family_pages(app).summary()}")
    app.extensions["airclass.sessions"].kw["bind"].dispose()
    return settings


def keep_writing_live(workdir: str, stop: multiprocessing.synchronize.Event) -> None:
    """The live timer in a child process, so that its Python work does not hold the client's GIL."""
    from scheduler.ops.live_timer import LiveTimer

    timer = LiveTimer(load_settings(bench_env(Path(workdir)))).start()
    stop.wait()
    timer.stop()


@dataclass(frozen=True)
class Audience:
    """What viewers may watch: each grade channel's renditions, and the guide page of each grade."""

    playlists: list[str]
    guides: list[str]


def audience(public: Path) -> Audience:
    playlists = []
    for master in sorted((public / "live").glob("*/master.m3u8")):
        for line in master.read_text().splitlines():
            if line and not line.startswith("#"):
                playlists.append(f"/live/{master.parent.name}/{line}")
    guides = sorted(f"/guide/{page.stem}" for page in (public / "guide").glob("grade[0-9].html"))
    assert playlists and guides, "no live playlist or guide page written"
    return Audience(playlists, guides)


# --- servers -------------------------------------------------------------------------------------------------

def run_nginx(run_dir: Path, config: str) -> tuple[subprocess.Popen[bytes], Path]:
    run_dir.mkdir()
    conf = run_dir / "nginx.conf"
    conf.write_text(config)
    return subprocess.Popen([NGINX, "-p", str(run_dir), "-c", str(conf), "-e", str(run_dir / "error.log")]), conf


def start_deployment(workdir: Path, app: LiveServer, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """nginx with the site `airclass nginx-config --standalone` prints, in front of the app."""
    port = free_port()
    run_dir = workdir / "deployment"
    config = subprocess.run([*airclass_command(), "nginx-config", "--listen", f"127.0.0.1:{port}",
                             "--app", f"127.0.0.1:{app.port}", "--standalone", str(run_dir)],
                            env=app.env, capture_output=True, text=True, check=True).stdout
    config = re.sub(r"worker_processes \S+;", f"worker_processes {workers};", config)
    return run_nginx(run_dir, config)[0], port


def start_bare(workdir: Path, public: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    run_dir = workdir / "bare"
    site = BARE_SITE.format(port=port, root=public)
    return run_nginx(run_dir, nginx.standalone_config(site, run_dir=run_dir, workers=workers))[0], port


# --- the client ----------------------------------------------------------------------------------------------

class Connection:
    """One keep-alive HTTP/1.1 connection, as a player holds one."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        for attempt in range(2):
            reused = self.writer is not None
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                return await self._exchange(path)
            except (asyncio.IncompleteReadError, ConnectionError):
                self.close()
                if not reused or attempt:  # a kept connection the server closed is retried once, as browsers do
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, path: str) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head[9:12])
        length = re.search(r"\r\ncontent-length: *(\d+)", head)
        if length:
            body = await self.reader.readexactly(int(length.group(1)))
        elif "transfer-encoding: chunked" in head:
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            body = await self.reader.read()
        if "\r\nconnection: close" in head or (not length and "chunked" not in head):
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Figures:
    """Latencies by kind of request (playlist, segment, guide), errors, and polls that came late."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_error: str = ""
    late_polls: int = 0
    polls: int = 0
    segment_bytes: int = 0

    async def get(self, conn: Connection, kind: str, path: str) -> bytes | None:
        started = time.perf_counter()
        try:
            status, body = await conn.get(path)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            status, body = 0, f"{type(error).__name__}: {error}".encode()
        if status != 200:
            self.errors[kind] += 1
            self.first_error = self.first_error or f"{kind} {path}: HTTP {status} {body[:80]!r}"
            return None
        self.latency[kind].append(time.perf_counter() - started)
        return body

    def p(self, kind: str, quantile: float) -> float:
        values = sorted(self.latency[kind])
        return values[min(len(values) - 1, int(quantile * len(values)))] * 1000 if values else float("nan")

    def requests(self) -> int:
        return sum(len(v) for v in self.latency.values()) + sum(self.errors.values())


async def viewer(number: int, port: int, crowd: Audience, figures: Figures, start: float, stop: float,
                 poll: float, guide_every: int, join_delay: float) -> None:
    conn = Connection(port)
    playlist = crowd.playlists[number % len(crowd.playlists)]
    guide = crowd.guides[number % len(crowd.guides)]
    seen: set[str] = set()
    await asyncio.sleep(max(0.0, start + join_delay - time.perf_counter()))
    await figures.get(conn, "guide", guide)
    polls = 0
    due = time.perf_counter()
    while due < stop:
        body = await figures.get(conn, "playlist", playlist)
        figures.polls += 1
        if body is not None:
            segments = [urljoin(playlist, line) for line in body.decode().splitlines() if line and not line.startswith("#")]
            new = [s for s in (segments[-JOIN_SEGMENTS:] if not seen else segments) if s not in seen]
            for segment in new:
                if (data := await figures.get(conn, "segment", segment)) is not None:
                    figures.segment_bytes += len(data)
            seen.update(segments)
        polls += 1
        if polls % guide_every == 0:
            await figures.get(conn, "guide", guide)
        due += poll
        late = time.perf_counter() - due
        if late > poll / 2:
            figures.late_polls += 1
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
    conn.close()


def run_level(port: int, crowd: Audience, viewers: int, seconds: float, poll: float, guide_every: int) -> Figures:
    figures = Figures()

    async def everyone() -> None:
        start = time.perf_counter()
        stop = start + seconds
        await asyncio.gather(*(viewer(n, port, crowd, figures, start, stop, poll, guide_every, join_delay=n * poll / viewers)
                               for n in range(viewers)))

    asyncio.run(everyone())
    return figures


def closed_loop(port: int, path: str, connections: int, seconds: float) -> tuple[float, Figures]:
    """`connections` clients asking for one path back to back: requests/second and latencies."""
    figures = Figures()

    async def client(stop: float) -> None:
        conn = Connection(port)
        while time.perf_counter() < stop:
            await figures.get(conn, "guide", path)
        conn.close()

    async def all_clients() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(client(start + seconds) for _ in range(connections)))
        return time.perf_counter() - start

    elapsed = asyncio.run(all_clients())
    return len(figures.latency["guide"]) / elapsed, figures


def wait_for(port: int, path: str, seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, body = asyncio.run(Connection(port).get(path))
            if status == 200:
                return body
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"port {port} did not serve {path}")


# --- the run -------------------------------------------------------------------------------------------------

def level_line(name: str, viewers: int, f: Figures) -> str:
    errors = sum(f.errors.values())
    return (f"| {name} | {viewers} | {f.requests():,} | {errors} | {f.p('playlist', 0.5):.1f} / {f.p('playlist', 0.99):.1f} | "
            f"{f.p('segment', 0.99):.1f} | {f.p('guide', 0.5):.1f} / {f.p('guide', 0.99):.1f} | {f.late_polls}/{f.polls} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="100,200,400", help="levels of simultaneous viewers, comma-separated")
    parser.add_argument("--seconds", type=float, default=30, help="duration of each level on each server")
    parser.add_argument("--speedup", type=float, default=6,
                        help="playlist polls this many times per target duration (1: as players do)")
    parser.add_argument("--guide-every", type=int, default=10, help="a guide visit every this many polls")
    parser.add_argument("--rounds", type=int, default=1,
                        help="each level this many times per server, the order turning; errors add up, the best p99 is kept")
    parser.add_argument("--connections", type=int, default=8, help="clients of the guide comparison")
    parser.add_argument("--guide-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="nginx workers")
    parser.add_argument("--workdir", type=Path, help="keep the demo city here, and reuse it if already built there")
    args = parser.parse_args()
    levels = [int(v) for v in args.viewers.split(",")]
    poll = TARGET_DURATION / args.speedup
    workdir = args.workdir.absolute() if args.workdir else Path(tempfile.mkdtemp(prefix="airclass-family-bench-"))
    workdir.mkdir(exist_ok=True)
    os.chmod(workdir, 0o755)
    stop_writer = multiprocessing.Event()
    writer = None
    processes: list[subprocess.Popen[bytes]] = []
    app: LiveServer | None = None
    try:
        started = time.perf_counter()
        if args.workdir and (workdir / "public" / "guide").is_dir():
            settings = load_settings(bench_env(workdir))  # built by an earlier run; the live writer catches up
            for run_dir in ("deployment", "bare"):
                shutil.rmtree(workdir / run_dir, ignore_errors=True)
            print(f"demo city reused from {workdir}")
        else:
            settings = build_demo(workdir)
            print(f"demo city built in {time.perf_counter() - started:.1f} s")
        writer = multiprocessing.Process(target=keep_writing_live, args=(str(workdir), stop_writer), daemon=True)
        writer.start()
        crowd = audience(settings.public)
        app = LiveServer(settings.database_url, settings.media_dir, workdir / "serve.log")
        app.env.update(bench_env(workdir), AIRCLASS_TRUSTED_PROXY="127.0.0.1")
        app.start()
        deployment, deployment_port = start_deployment(workdir, app, args.workers)
        bare, bare_port = start_bare(workdir, settings.public, args.workers)
        processes += [deployment, bare]
        for port in (deployment_port, bare_port):
            assert wait_for(port, crowd.guides[0]) == (settings.public / f"{crowd.guides[0][1:]}.html").read_bytes()
            assert wait_for(port, crowd.playlists[0]).startswith(b"#EXTM3U")
        servers = {"deployment": deployment_port, "bare nginx": bare_port}
        print(f"{len(crowd.playlists)} live renditions, {len(crowd.guides)} guide pages; a poll every {poll:.2f} s "
              f"(target duration {TARGET_DURATION:.0f} s / speedup {args.speedup:g}), a guide visit every "
              f"{args.guide_every} polls, {args.seconds:g} s per level, nginx workers {args.workers}")
        print("\n| server | viewers | requests | errors | playlist p50 / p99 ms | segment p99 ms | guide p50 / p99 ms | late polls |")
        print("|---|---|---|---|---|---|---|---|")
        results: dict[str, dict[int, list[Figures]]] = defaultdict(lambda: defaultdict(list))
        names = list(servers)
        turn = 0
        for viewers in levels:
            for _round in range(args.rounds):
                for name in names[turn % 2:] + names[:turn % 2]:
                    figures = run_level(servers[name], crowd, viewers, args.seconds, poll, args.guide_every)
                    results[name][viewers].append(figures)
                    print(level_line(name, viewers, figures), flush=True)
                    if figures.first_error:
                        print(f"    first error: {figures.first_error}")
                turn += 1

        def errors(name: str, viewers: int) -> int:
            return sum(sum(f.errors.values()) for f in results[name][viewers])

        def best_p99(name: str, viewers: int, kind: str) -> float:
            return min(f.p(kind, 0.99) for f in results[name][viewers])

        held = {name: max([0] + [v for v in levels if all(not errors(name, w) for w in levels if w <= v)]) for name in names}
        print()
        for name in names:
            print(f"{name}: {held[name]} viewers held with 0 errors "
                  f"({held[name] / poll:.0f} playlist polls/s; {held[name] / poll * args.speedup:,.0f} viewers polling every "
                  f"{TARGET_DURATION:.0f} s at the same request rate)")
        print(f"ratio viewers held deployment / bare nginx: {held['deployment'] / max(1, held['bare nginx']):.2f}")
        for viewers in levels:
            ratios = {kind: best_p99("bare nginx", viewers, kind) / best_p99("deployment", viewers, kind)
                      for kind in ("playlist", "guide")}
            best = {name: "/".join(f"{best_p99(name, viewers, kind):.1f}" for kind in ("playlist", "guide")) for name in names}
            print(f"{viewers} viewers: best p99 playlist/guide ms: deployment {best['deployment']}, bare nginx "
                  f"{best['bare nginx']}; p99 ratio bare nginx / deployment: playlist {ratios['playlist']:.2f}, "
                  f"guide page {ratios['guide']:.2f} (goal >= 0.5)")
        guide = crowd.guides[len(crowd.guides) // 2]
        print(f"\nguide page {guide}, {args.connections} clients back to back, {args.guide_seconds:g} s each")
        ways = {"app alone, rendered (?v=1: no file answers)": (app.port, f"{guide}?v=1"),
                "app alone, sending the written file": (app.port, guide),
                "deployment (nginx, the written file)": (deployment_port, guide),
                "bare nginx, the same file": (bare_port, guide)}
        rates = {}
        print("| guide page via | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|")
        for label, (port, path) in ways.items():
            rate, figures = closed_loop(port, path, args.connections, args.guide_seconds)
            rates[label] = rate
            print(f"| {label} | {rate:,.1f} | {figures.p('guide', 0.5):.1f} | {figures.p('guide', 0.99):.1f} | "
                  f"{sum(figures.errors.values())} |", flush=True)
        rendered, deployed = rates[next(iter(ways))], rates["deployment (nginx, the written file)"]
        print(f"ratio rendered by the app / the files through the deployment: {rendered / deployed:.4f} "
              f"(the files serve {deployed / rendered:,.0f}x as many)")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        if app is not None:
            app.stop()
        stop_writer.set()
        if writer is not None:
            writer.join(15)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""A small closed-loop HTTP load generator: N threads, each with a keep-alive connection, for a fixed time.

    python -m scripts.load_generator http://127.0.0.1:8000/feeds/grade3.ics --seconds 5 --concurrency 8 [--etag]

Prints one JSON object: requests, requests_per_second, status counts, errors. With --etag each
thread first fetches the URL, then sends If-None-Match with its ETag (the 304 path).
Run it in its own process so the load does not share the server's interpreter.
"""
from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from collections import Counter
from urllib.parse import urlsplit


def _connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)


def _worker(urls: list[str], deadline: float, use_etag: bool, statuses: Counter[int], errors: list[str]) -> None:
    conn = _connection(urls[0])
    etags: dict[str, str] = {}
    n = 0
    try:
        while time.monotonic() < deadline:
            url = urls[n % len(urls)]
            n += 1
            path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
            headers = {"If-None-Match": etags[url]} if use_etag and url in etags else {}
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = _connection(url)
                continue
            statuses[response.status] += 1
            if use_etag and response.getheader("ETag"):
                etags[url] = response.getheader("ETag") or ""
    finally:
        conn.close()


def run(urls: list[str], seconds: float, concurrency: int, use_etag: bool) -> dict[str, object]:
    """Load the URLs (round robin per thread) and return the counts."""
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=_worker, args=(urls, deadline, use_etag, statuses, errors))
               for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    total = sum(statuses.values())
    return {"requests": total, "seconds": round(elapsed, 3), "requests_per_second": round(total / elapsed, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}, "errors": len(errors),
            "first_errors": errors[:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--etag", action="store_true", help="conditional GETs with the ETag of the first answer")
    args = parser.parse_args()
    print(json.dumps(run(args.urls, args.seconds, args.concurrency, args.etag)))


if __name__ == "__main__":
    main()

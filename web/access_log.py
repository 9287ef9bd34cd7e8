"""The access log: one line per request in the Combined Log Format, with the duration appended, to a rotated file.

    203.0.113.7 - - [29/Nov/2026:18:30:00 +0800] "GET /audit/ HTTP/1.1" 200 5120 "https://kt.example/overview" "Mozilla/5.0 ..." 1834

That is Apache's `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %D`: client address, two dashes
(identity and user are not logged), the time in the service's zone, the request line, status, bytes of body
sent (- for none), referrer, user agent, and the duration in microseconds (Apache's %D), from the request's
arrival to the last byte handed to the server. GoAccess, AWStats and `grep` read it as it is.

Nothing secret goes in: the request line and the referrer lose their query strings (a token or a search can
sit there), and no header but Referer and User-Agent is read (no cookie, no Authorization); form bodies,
passwords included, are never looked at. Quotes, backslashes and control characters are escaped as \\" \\\\ \\xhh,
so a crafted path or user agent cannot forge a line. The client address is REMOTE_ADDR, which waitress sets
from X-Forwarded-For only when the request comes from the trusted proxy (`airclass serve --trusted-proxy`).

The file is Settings.access_log (AIRCLASS_ACCESS_LOG, default <data dir>/logs/access.log), rotated by size by
logging.handlers.RotatingFileHandler (AIRCLASS_ACCESS_LOG_MB per file, AIRCLASS_ACCESS_LOG_FILES kept); one
`airclass serve` process writes it (waitress serves with threads; the handler's lock orders the lines).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AccessLogFile(RotatingFileHandler):
    """Rotates by size; keeps the file open only while it writes a line, so no descriptor outlives an app."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            super().emit(record)
        finally:
            if self.stream is not None:
                self.stream.close()
                self.stream = None  # type: ignore[assignment]


def open_log(path: Path, *, max_bytes: int, backups: int) -> logging.Logger:
    """A logger writing bare lines to the rotated file (created with its folder if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = AccessLogFile(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.Logger("airclass.access")  # not registered: each app has its own file
    logger.addHandler(handler)
    logger.propagate = False
    return logger


def _escaped(text: str) -> str:
    """Apache's escaping of logged text: \\" \\\\ and \\xhh for control characters, so a line stays one line."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def _without_query(url: str) -> str:
    """A referrer without its query string and fragment (where tokens and searches sit)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "-"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _wsgi_text(value: str) -> str:
    """PEP 3333 hands paths and headers over as latin-1 decoded bytes: read them back as UTF-8 where they are."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def access_line(environ: dict[str, Any], status: str, sent: int | None, micros: int, at: datetime) -> str:
    """One Combined Log Format line with the duration in microseconds appended."""
    path = _wsgi_text(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    request_line = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
    referrer = environ.get("HTTP_REFERER")
    agent = environ.get("HTTP_USER_AGENT")
    return " ".join([
        _escaped(environ.get("REMOTE_ADDR") or "-"), "-", "-", at.strftime("[%d/%b/%Y:%H:%M:%S %z]"),
        f'"{_escaped(request_line)}"', status.split(" ", 1)[0], str(sent) if sent else "-",
        f'"{_escaped(_without_query(_wsgi_text(referrer)))}"' if referrer else '"-"',
        f'"{_escaped(_wsgi_text(agent))}"' if agent else '"-"', str(micros),
    ])


class AccessLog:
    """WSGI middleware writing one access-log line per request, once the response's body has been sent."""

    def __init__(self, app: WsgiApp, logger: logging.Logger, tz: str) -> None:
        self.app, self.logger, self.zone = app, logger, ZoneInfo(tz)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: dict[str, str] = {"status": "500"}  # an exception before start_response is logged as a 500

        def recording_start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            seen["status"] = status
            return start_response(status, headers, *args)

        try:
            body = self.app(environ, recording_start)
        except BaseException:
            self._write(environ, seen["status"], None, started)
            raise
        return _CountedBody(body, lambda sent: self._write(environ, seen["status"], sent, started))

    def _write(self, environ: dict[str, Any], status: str, sent: int | None, started: float) -> None:
        micros = int((time.perf_counter() - started) * 1_000_000)
        self.logger.info(access_line(environ, status, sent, micros, datetime.now(self.zone)))


class _CountedBody:
    """The response body as the server iterates it, counting bytes; logged once, after the last byte or at close()
    (PEP 3333: always called, also when the client went away half-way)."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]) -> None:
        self.body, self.done, self.sent, self.logged = body, done, 0, False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk
        self._log()

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self._log()

    def _log(self) -> None:
        if not self.logged:
            self.logged = True
            self.done(self.sent)

"""Long ffmpeg runs: progress from `-progress pipe:1`, time and output size limits, kill on any error."""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from media.errors import FfmpegFailed, FfmpegTimedOut, OutputTooLarge, stderr_tail

ProgressCallback = Callable[[float], None]  # called with the percent done, 0 to 100


@dataclass(frozen=True)
class Watch:
    """What a long ffmpeg run reports and what it may not exceed besides its time limit."""

    progress: ProgressCallback | None = None
    duration_seconds: float | None = None  # what 100 % means for progress
    max_output_bytes: int | None = None
    outputs: tuple[Path, ...] = ()  # files or directories counted against max_output_bytes


def watched_run(argv: list[str], command: list[str], limit: float, watch: Watch) -> str:
    """Run ffmpeg with -progress on stdout: report percent, enforce the limits, kill on any error; return stderr."""
    lines: queue.Queue[str | None] = queue.Queue()
    errors: list[bytes] = []
    with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        readers = [
            threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True),
            threading.Thread(target=_read_all, args=(proc.stderr, errors), daemon=True),
        ]
        for reader in readers:
            reader.start()
        try:
            _follow(proc, lines, time.monotonic() + limit, watch, lambda: decode_output(b"".join(errors)), argv, limit)
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()  # a failing callback or limit must never leave ffmpeg writing
                proc.wait()
            for reader in readers:
                reader.join()
    stderr = decode_output(b"".join(errors))
    if proc.returncode != 0:
        raise FfmpegFailed(argv, proc.returncode, stderr_tail(stderr))
    if watch.progress is not None:
        watch.progress(100.0)
    return stderr


def _follow(
    proc: subprocess.Popen[bytes],
    lines: queue.Queue[str | None],
    deadline: float,
    watch: Watch,
    stderr: Callable[[], str],
    argv: list[str],
    limit: float,
) -> None:
    """Read progress lines until ffmpeg closes stdout, checking the limits between lines."""
    while True:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            line = ""
        if line is None:
            return
        percent = progress_percent(line, watch.duration_seconds)
        if percent is not None and watch.progress is not None:
            watch.progress(percent)
        if time.monotonic() > deadline:
            proc.kill()
            raise FfmpegTimedOut(argv, limit, stderr_tail(stderr()))
        if watch.max_output_bytes is not None and output_bytes(watch.outputs) > watch.max_output_bytes:
            proc.kill()
            raise OutputTooLarge(argv, watch.max_output_bytes, stderr_tail(stderr()))


def progress_percent(line: str, duration_seconds: float | None) -> float | None:
    """Turn one `-progress` line (out_time_us=..., progress=end) into a percent of the duration."""
    key, _, value = line.strip().partition("=")
    if key == "progress" and value == "end":
        return 100.0
    if key not in ("out_time_us", "out_time_ms") or not duration_seconds or not value.lstrip("-").isdigit():
        return None  # ffmpeg 5.1 prints microseconds under both names
    return max(0.0, min(100.0, int(value) / 1e6 / duration_seconds * 100))


def output_bytes(paths: Sequence[Path]) -> int:
    """Total size of the files, and of the files under the directories, in paths."""
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        elif path.exists():
            total += path.stat().st_size
    return total


def _read_lines(stream: IO[bytes] | None, lines: queue.Queue[str | None]) -> None:
    """Forward a pipe's lines to a queue, then None at its end."""
    if stream is not None:
        for raw in stream:
            lines.put(decode_output(raw))
    lines.put(None)


def _read_all(stream: IO[bytes] | None, chunks: list[bytes]) -> None:
    """Collect a pipe's bytes (stderr), so a chatty ffmpeg never blocks on a full pipe."""
    if stream is not None:
        while chunk := stream.read(65536):
            chunks.append(chunk)


def decode_output(output: bytes | str | None) -> str:
    """Decode captured output leniently (file names and metadata need not be UTF-8)."""
    if isinstance(output, str):
        return output
    return (output or b"").decode("utf-8", errors="replace")



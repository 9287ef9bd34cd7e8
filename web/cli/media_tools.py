"""`airclass media ...`: QC and one-off transcodes of any file, with a progress bar."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from media.errors import MediaError
from media.qc import QcReport, run_qc
from media.renditions import CABLE_FILE, HLS_DIR, MP4_FILE, RenditionSet, make_renditions
from media.runner import Watch

PROFILES = {
    "cable": (RenditionSet(hls=None, mp4=None, poster=None), CABLE_FILE),
    "hls": (RenditionSet(cable=None, mp4=None, poster=None), HLS_DIR),
    "mp4": (RenditionSet(cable=None, hls=None, poster=None), MP4_FILE),
}


@click.group("media")
def media_group() -> None:
    """QC, transcode, ingest and render channel days (ffmpeg)."""


@media_group.command("qc")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def qc_command(file: Path, as_json: bool) -> None:
    """Print the QC report of FILE (exit status 0 even when checks fail: the report says so)."""
    with operator_store(file) as (store, name), progress_bar("analysing") as watch:
        report = _or_abort(lambda: run_qc(name, store, watch=watch))
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else format_report(report))


@media_group.command("transcode")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", type=click.Choice(sorted(PROFILES)), required=True)
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), required=True,
              help="output file (cable: .ts, mp4: .mp4) or directory (hls)")
def transcode_command(file: Path, profile: str, out: Path) -> None:
    """Convert FILE to a rendition profile (loudness-normalised two-pass), for operators."""
    if out.exists():
        raise click.ClickException(f"{out} exists: refusing to overwrite it")
    renditions, produced = PROFILES[profile]
    with operator_store(file) as (store, name), progress_bar(f"transcoding to {profile}") as watch:
        result = _or_abort(lambda: make_renditions(
            name, store, store / "out", renditions=renditions, watch=watch, qc=False))
        shutil.move(store / "out" / produced, out)
    click.echo(f"wrote {out} (audio gain {result.gain_db:+.1f} dB)")


def format_report(report: QcReport) -> str:
    """The report as lines for a terminal."""
    lines = [f"QC {report.status.value.upper()}: {report.duration_frames} frames ({report.duration_seconds:.2f} s)"]
    for check in report.checks:
        ranges = ", ".join(f"{r.start:.2f}-{r.end:.2f} s" for r in check.ranges if check.status != "pass")
        lines.append(f"  {check.status.value:4}  {check.name:14} {check.message}" + (f" [{ranges}]" if ranges else ""))
    return "\n".join(lines)


@contextmanager
def operator_store(file: Path) -> Iterator[tuple[Path, Path]]:
    """A temporary media store holding FILE (hard link, or a copy across file systems): the store guard still applies."""
    with tempfile.TemporaryDirectory(prefix="airclass-media-") as folder:
        store = Path(folder)
        name = Path("source" + file.suffix.lower())
        try:
            os.link(file, store / name)
        except OSError:
            shutil.copyfile(file, store / name)
        yield store, name


@contextmanager
def progress_bar(label: str) -> Iterator[Watch]:
    """A click progress bar fed by the runner's -progress percentages."""
    with click.progressbar(length=100, label=label, file=sys.stderr) as bar:
        done = [0]

        def advance(percent: float) -> None:
            step = int(percent) - done[0]
            if step > 0:
                bar.update(step)
                done[0] += step

        yield Watch(progress=advance)


def _or_abort(work: Any) -> Any:
    """Run work; turn a media error into a one-line CLI error (exit 1)."""
    try:
        return work()
    except MediaError as error:
        raise click.ClickException(str(error)) from None

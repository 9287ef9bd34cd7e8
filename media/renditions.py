"""All renditions of a recording from one decode, loudness-normalised, written atomically, idempotent."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import ffmpeg

from media.analysis import ANALYSIS_LOGLEVEL, null_output, parse_measurements, video_detectors
from media.atomic_write import staging_dir
from media.checksum import sha256_file
from media.hls import write_master_playlist
from media.loudness import Leveling, level, leveling_for
from media.probe import MediaProbe, probe_upload
from media.profiles import (
    CABLE,
    FPS,
    HLS,
    MP4,
    POSTER,
    CableProfile,
    HlsProfile,
    LoudnessTarget,
    Mp4Profile,
    Picture,
    PosterProfile,
    cable_output,
    fit_16x9,
    hls_copy_output,
    hls_variant_output,
    mp4_output,
    poster_output,
)
from media.qc import QcReport, QcThresholds, build_report, loudness_argv, qc_argv
from media.runner import (
    FfmpegTool,
    MediaTool,
    Watch,
    ffmpeg_argv,
    file_url,
    store_input,
)
from media.si_carousel import SiTable
from media.si_insert import patch_si
from media.store_paths import output_in_store, resolve_in_store

MANIFEST = "manifest.json"
QC_SIZE = (640, 360)  # the video detectors watch the 360p picture (scaled once, shared with that rung)
CABLE_FILE, MP4_FILE, POSTER_FILE, HLS_DIR = "cable.ts", "download.mp4", "poster.jpg", "hls"


@dataclass(frozen=True)
class RenditionSet:
    """Which renditions to make and with which profiles (None: not this one)."""

    cable: CableProfile | None = CABLE
    hls: HlsProfile | None = HLS
    mp4: Mp4Profile | None = MP4
    poster: PosterProfile | None = POSTER

    def fingerprint(self) -> str:
        """A hash of the profiles: outputs made with other settings are stale."""
        return hashlib.sha256(repr(asdict(self)).encode()).hexdigest()[:16]

    @property
    def loudness(self) -> LoudnessTarget:
        """The target the single audio chain aims at (the cable one when there is cable)."""
        for profile in (self.cable, self.hls, self.mp4):
            if profile is not None:
                return profile.loudness
        return CABLE.loudness

    @property
    def shares_top_rung(self) -> bool:
        """The top HLS variant is cut from the download MP4 by stream copy (one 1080p encode, not two)."""
        return bool(self.hls and self.mp4 and self.mp4.picture == self.hls.ladder[0] and self.mp4.gop == self.hls.gop)


@dataclass(frozen=True)
class RenditionRun:
    """What make_renditions did: where the renditions are, the QC report (None when skipped or not asked)."""

    target_dir: Path
    report: QcReport | None
    gain_db: float
    skipped: bool
    limited_db: float = 0.0  # the most the true-peak limiter took off a peak (0: linear gain alone)


def make_renditions(
    path: Path,
    store_root: Path,
    target_dir: Path,
    *,
    renditions: RenditionSet | None = None,
    thresholds: QcThresholds | None = None,
    tool: MediaTool | None = None,
    watch: Watch | None = None,
    qc: bool = True,
    timeout: float | None = None,
    si: Sequence[SiTable] = (),
) -> RenditionRun:
    """QC and every rendition: the audio-only loudness pass, then one decode for all outputs and the video QC.

    qc=False: renditions only (no video detectors, no report), e.g. for a one-off operator transcode;
    timeout: each ffmpeg run's time limit; watch: progress and the output size limit of the main run;
    si: DVB SI tables put into the cable TS's null packets before it is renamed into place (its own event).
    """
    renditions = renditions or RenditionSet()
    thresholds = thresholds or QcThresholds()
    tool = tool or FfmpegTool()
    source = resolve_in_store(path, store_root)
    target_dir = output_in_store(target_dir, store_root)
    fingerprint = renditions.fingerprint()
    sha = sha256_file(source)
    if outputs_match(target_dir, sha, fingerprint):
        return RenditionRun(target_dir, None, 0.0, skipped=True)
    probe = probe_upload(path, store_root, tool)
    audio = tool.run(loudness_argv(path, store_root, probe.container, thresholds), timeout=timeout)
    measured = parse_measurements(audio.stderr, video=False)

    def source_audio() -> Any:
        return store_input(path, store_root, probe.container)["a:0"]

    leveling = leveling_for(source_audio, measured, renditions.loudness, tool, timeout)
    gain = leveling.gain_db
    with staging_dir(target_dir) as temp:
        if renditions.hls is not None:
            (temp / HLS_DIR).mkdir()
        argv = rendition_argv(path, store_root, probe, gain, renditions, temp, detect=thresholds if qc else None,
                              limited_db=leveling.limited_db)
        timed = Watch(watch.progress if watch else None, probe.duration_seconds,
                      watch.max_output_bytes if watch else None, (temp,))
        measured = measured.merged(parse_measurements(tool.run(argv, timeout=timeout, watch=timed).stderr, audio=False))
        finish_hls(temp, renditions, tool, store_root)
        if si and renditions.cable is not None:
            patch_si(temp / CABLE_FILE, si)
        write_manifest(temp, sha, fingerprint, gain, limited_db=leveling.limited_db)
    report = build_report(probe, measured, thresholds, leveling) if qc else None
    return RenditionRun(target_dir, report, gain, skipped=False, limited_db=leveling.limited_db)


def check_recording(
    path: Path,
    store_root: Path,
    *,
    renditions: RenditionSet | None = None,
    thresholds: QcThresholds | None = None,
    tool: MediaTool | None = None,
    watch: Watch | None = None,
    timeout: float | None = None,
) -> QcReport:
    """QC without the renditions (what a reviewer waits for): one decode with the audio detectors and the video
    detectors on a small picture, then how the renditions will be levelled (a limiter is a finding too)."""
    renditions = renditions or RenditionSet()
    thresholds = thresholds or QcThresholds()
    tool = tool or FfmpegTool()
    probe = probe_upload(path, store_root, tool)
    timed = Watch(watch.progress, probe.duration_seconds) if watch and watch.progress else None
    measured = parse_measurements(tool.run(qc_argv(path, store_root, probe.container, thresholds), timeout=timeout,
                                           watch=timed).stderr)

    def source_audio() -> Any:
        return store_input(path, store_root, probe.container)["a:0"]

    leveling = leveling_for(source_audio, measured, renditions.loudness, tool, timeout)
    return build_report(probe, measured, thresholds, leveling)


def rendition_argv(
    path: Path,
    store_root: Path,
    probe: MediaProbe,
    gain_db: float,
    renditions: RenditionSet,
    out_dir: Path,
    *,
    detect: QcThresholds | None = None,
    limited_db: float = 0.0,
) -> list[str]:
    """One ffmpeg run: decode once, split video and audio, one output per rendition (+ QC detectors).

    limited_db: above 0, a true-peak limiter follows the gain (media/loudness.py).
    """
    source = store_input(path, store_root, probe.container)
    video = source["v:0"]
    if probe.interlaced:
        video = video.filter("yadif", mode="send_frame")
    video = video.filter("fps", FPS)
    audio = source["a:0"].filter("aresample", 48000, first_pts=0, **{"async": 1})
    audio = level(audio, Leveling(gain_db, limited_db), renditions.loudness)
    outputs = _outputs(renditions, out_dir, probe)
    sizes = [o.size for o in outputs if o.frame is None] + ([QC_SIZE] if detect else [])
    pictures = _pictures(video, sizes, sum(1 for o in outputs if o.frame is not None))
    audios = _split(audio, "asplit", sum(1 for output in outputs if output.audio))
    built = [
        output.make(next(pictures[output.size]), *([next(audios)] if output.audio else []))
        for output in outputs if output.frame is None
    ]
    for still in (o for o in outputs if o.frame is not None):
        frame = int(still.frame or 0)
        one = next(pictures[None]).filter("trim", start_frame=frame, end_frame=frame + 1)
        built.append(still.make(fit_16x9(one, *still.size)))
    if detect is not None:
        built.append(null_output(video_detectors(next(pictures[QC_SIZE]), detect.detectors, shrink=False)))
    return ffmpeg_argv(ffmpeg.merge_outputs(*built), loglevel=ANALYSIS_LOGLEVEL if detect else "error")


@dataclass(frozen=True)
class _Output:
    """One encoded output: its builder (video[, audio]) -> output, picture size, whether it takes audio."""

    make: Callable[..., Any]
    size: tuple[int, int]
    audio: bool = True
    frame: int | None = None  # a still: only this frame is scaled and encoded


def _outputs(renditions: RenditionSet, out_dir: Path, probe: MediaProbe) -> list[_Output]:
    """The encoded outputs of one rendition run."""
    made: list[_Output] = []
    if (cable := renditions.cable) is not None:
        made.append(_Output(partial(_with_url, cable_output, file_url(out_dir / CABLE_FILE), cable), _size(cable.picture)))
    if (mp4 := renditions.mp4) is not None:
        made.append(_Output(partial(_with_url, mp4_output, file_url(out_dir / MP4_FILE), mp4), _size(mp4.picture)))
    if (hls := renditions.hls) is not None:
        for picture in hls.ladder[1:] if renditions.shares_top_rung else hls.ladder:
            url = file_url(out_dir / HLS_DIR / f"{picture.name}.m3u8")
            variant = partial(_variant, url=url, picture=picture, profile=hls)
            made.append(_Output(variant, _size(picture)))
    if (poster := renditions.poster) is not None:
        frame = int(probe.duration_frames * poster.at_fraction)
        still = partial(poster_output, url=file_url(out_dir / POSTER_FILE), profile=poster)
        made.append(_Output(still, (poster.width, poster.height), audio=False, frame=frame))
    return made


def _with_url(build: Callable[..., Any], url: str, profile: Any, video: Any, audio: Any) -> Any:
    return build(video, audio, url, profile)


def _variant(video: Any, audio: Any, *, url: str, picture: Picture, profile: HlsProfile) -> Any:
    return hls_variant_output(video, audio, url, picture, profile)


def _pictures(video: Any, sizes: list[tuple[int, int]], stills: int) -> dict[Any, Iterator[Any]]:
    """Scale once per distinct size and split each size to its users; key None: unscaled copies for stills."""
    distinct = list(dict.fromkeys(sizes))
    branches = _split(video, "split", len(distinct) + stills)
    pictures: dict[Any, Iterator[Any]] = {}
    for size in distinct:
        pictures[size] = _split(fit_16x9(next(branches), *size), "split", sizes.count(size))
    pictures[None] = branches
    return pictures


def finish_hls(out_dir: Path, renditions: RenditionSet, tool: MediaTool, store_root: Path) -> None:
    """Cut the shared top rung from the MP4 by stream copy, then write the master playlist."""
    hls = renditions.hls
    if hls is None:
        return
    if renditions.shares_top_rung:
        top = hls.ladder[0]
        mp4 = store_input(out_dir / MP4_FILE, store_root, "mp4")
        tool.run(ffmpeg_argv(hls_copy_output(mp4, file_url(out_dir / HLS_DIR / f"{top.name}.m3u8"), hls)))
    write_master_playlist(out_dir / HLS_DIR, hls)


def outputs_match(target_dir: Path, source_sha256: str, fingerprint: str) -> bool:
    """True when target_dir holds complete outputs of this source with these profiles."""
    try:
        manifest = json.loads((target_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    same = manifest.get("source_sha256") == source_sha256 and manifest.get("profiles") == fingerprint
    return same and all((target_dir / name).is_file() for name in manifest.get("files", []))


def write_manifest(
    out_dir: Path, source_sha256: str, fingerprint: str, gain_db: float, *, limited_db: float = 0.0
) -> None:
    """Record what was made from what, last, so a manifest means the outputs are complete."""
    files = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    manifest = {"source_sha256": source_sha256, "profiles": fingerprint, "gain_db": gain_db,
                "limited_db": limited_db, "files": files}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))


def _split(stream: Any, name: str, count: int) -> Iterator[Any]:
    """Yield count copies of a stream (a split filter when more than one)."""
    if count == 1:
        yield stream
        return
    node = stream.filter_multi_output(name, count)
    for index in range(count):
        yield node[index]


def _size(picture: Any) -> tuple[int, int]:
    return picture.width, picture.height

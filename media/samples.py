"""Generate demo lessons, fillers and tiny test clips from ffmpeg's lavfi sources."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ffmpeg

from media.atomic_write import atomic_output
from media.runner import FfmpegTool, MediaTool, concat_input, ffmpeg_argv, file_url

TITLE_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
SAMPLE_RATE = 48000
X264 = {"vcodec": "libx264", "preset": "ultrafast", "pix_fmt": "yuv420p"}
# Output suffix -> (muxer, video codec options, audio codec options).
ENCODINGS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    ".mp4": ("mp4", X264, {"acodec": "aac"}),
    ".mkv": ("matroska", X264, {"acodec": "aac"}),
    ".ts": ("mpegts", X264, {"acodec": "aac"}),
    ".mxf": ("mxf", {"vcodec": "mpeg2video", "pix_fmt": "yuv420p"}, {"acodec": "pcm_s16le"}),
}


@dataclass(frozen=True)
class ClipSpec:
    """What a generated clip shows and sounds like."""

    seconds: float = 1.0
    size: str = "160x90"
    rate: int | str = 25
    video_source: str = "testsrc2"  # any lavfi video source, e.g. "smptebars", "color=c=black"
    audio: bool = True
    tone_hz: int | None = 440  # None: a silent audio track
    title: str = ""
    title_seconds: float | None = None  # None: the title stays for the whole clip
    gain_db: float = 0.0  # applied to the tone (the mono sine alone measures about -21.8 LUFS)


@dataclass(frozen=True)
class Sample:
    """One demo file written by generate_all."""

    file_name: str
    spec: ClipSpec


LESSON = ClipSpec(seconds=15, size="1280x720", rate=25, title_seconds=3)
SAMPLES = (
    Sample(
        "lesson_g3_math_01.mp4",
        replace(LESSON, tone_hz=440, title="三年级 数学 第1课《两位数乘两位数》"),
    ),
    Sample(
        "lesson_g3_chinese_02.mp4",
        replace(
            LESSON,
            seconds=12,
            video_source="smptebars",
            tone_hz=523,
            title="三年级 语文 第2课《秋天的雨》",
        ),
    ),
    Sample(
        "lesson_g5_english_03.mp4",
        replace(LESSON, seconds=18, tone_hz=660, title="五年级 英语 第3课 My Weekend"),
    ),
    Sample(
        "filler_eye_exercise_30s.mp4",
        replace(
            LESSON,
            seconds=30,
            video_source="color=c=0x2e7d32",
            tone_hz=330,
            title="眼保健操 请闭眼休息",
            title_seconds=None,
        ),
    ),
    Sample(
        "slate_channel_10s.mp4",
        replace(
            LESSON,
            seconds=10,
            video_source="smptebars",
            tone_hz=1000,
            title="空中课堂 节目即将开始",
            title_seconds=None,
        ),
    ),
)
# Every demo lesson is its own title card, then this shared picture and sound: one encode of the card per lesson
# (about 0.3 s at 720p) and a stream copy of the body, instead of a whole lesson encoded per lesson.
LESSON_BODY = Sample(
    "lesson_body_9s.mp4", replace(LESSON, seconds=9, video_source="smptebars", tone_hz=523, title_seconds=None)
)
CARD_SECONDS = 3.0
CARD_BACKGROUND = "color=c=0x1a237e"
TITLED_FOLDER = "titled"  # beside the samples: one clip per lesson, kept for the next run
TITLING_PROCESSES = 2
QUICK_SECONDS = 2.0
QUICK_SIZE = "320x180"


def title_font() -> Path | None:
    """Return an installed CJK font for title cards, or None."""
    return next((font for font in TITLE_FONTS if font.exists()), None)


def clip_argv(path: Path, spec: ClipSpec, font: Path | None = None) -> list[str]:
    """Build the ffmpeg argv that renders spec into path (format from the suffix)."""
    muxer, video_options, audio_options = ENCODINGS[path.suffix]
    video = _titled(_video_input(spec), spec, font)
    streams = [video]
    options = {"f": muxer, "t": spec.seconds, **video_options}
    if spec.audio:
        streams.append(_audio_input(spec))
        options.update(audio_options, ac=2, ar=SAMPLE_RATE)
    return ffmpeg_argv(ffmpeg.output(*streams, file_url(path.absolute()), **options))


def write_clip(path: Path, spec: ClipSpec, tool: MediaTool | None = None) -> Path:
    """Render spec into path through a temporary file and return path."""
    with atomic_output(path) as temp:
        (tool or FfmpegTool()).run(clip_argv(temp, spec, title_font()))
    return path


def tiny_clip(
    path: Path,
    seconds: float = 1.0,
    size: str = "160x90",
    rate: int | str = 25,
    audio: bool = True,
    *,
    video_source: str = "testsrc2",
    tone_hz: int | None = 440,
    gain_db: float = 0.0,
    tool: MediaTool | None = None,
) -> Path:
    """Write a small test clip (container from the suffix: .mp4 .mkv .ts .mxf)."""
    spec = ClipSpec(seconds, size, rate, video_source, audio, tone_hz, gain_db=gain_db)
    return write_clip(path, spec, tool)


def write_sequence(path: Path, parts: Sequence[ClipSpec], tool: MediaTool | None = None) -> Path:
    """Write parts back to back into one clip (all parts share the first part's size and rate)."""
    muxer, video_options, audio_options = ENCODINGS[path.suffix]
    pieces: list[Any] = []
    for index, part in enumerate(parts):
        # ffmpeg-python merges identical nodes: a null filter per position keeps repeated parts apart.
        shape = replace(part, size=parts[0].size, rate=parts[0].rate)
        pieces += [_video_input(shape, ",null" * index), _part_audio(part, ",anull" * index)]
    joined = ffmpeg.concat(*pieces, v=1, a=1).node
    options = {"f": muxer, **video_options, **audio_options, "ac": 2, "ar": SAMPLE_RATE}
    with atomic_output(path) as temp:
        output = ffmpeg.output(joined[0], joined[1], file_url(temp.absolute()), **options)
        (tool or FfmpegTool()).run(ffmpeg_argv(output))
    return path


def sample_paths(outdir: Path) -> dict[str, Path]:
    """Return where each demo sample lives under outdir, by name."""
    return {Path(s.file_name).stem: outdir / s.file_name for s in (*SAMPLES, LESSON_BODY)}


def generate_all(
    outdir: Path, *, quick: bool = False, tool: MediaTool | None = None
) -> dict[str, Path]:
    """Write the demo samples missing from outdir (quick: 2 s at 320x180); return all, by name."""
    outdir.mkdir(parents=True, exist_ok=True)
    for sample in (*SAMPLES, LESSON_BODY):
        target = outdir / sample.file_name
        if not target.exists():
            write_clip(target, _quick(sample.spec) if quick else sample.spec, tool)
    return sample_paths(outdir)


def card_spec(title: str, body: ClipSpec) -> ClipSpec:
    """A title card in front of a body: the title on a plain panel, at the body's size, rate and tone."""
    return replace(body, seconds=CARD_SECONDS, video_source=CARD_BACKGROUND, title=title, title_seconds=None)


def join_argv(listing: Path, path: Path) -> list[str]:
    """Build the ffmpeg argv that copies the clips of an ffconcat list we wrote into one MP4, without encoding."""
    joined = concat_input(Path(listing.name), listing.parent)  # named within its folder, however that is named
    return ffmpeg_argv(ffmpeg.output(joined, file_url(path.absolute()), c="copy", f="mp4", movflags="+faststart"))


def write_titled(path: Path, title: str, body: Path, body_spec: ClipSpec, tool: MediaTool | None = None) -> Path:
    """Write a lesson clip: its own title card, then the body stream-copied (the card shares the body's encoding)."""
    runner = tool or FfmpegTool()
    with atomic_output(path) as temp:
        card, listing = temp.with_name(f"{temp.stem}.card.mp4"), temp.with_name(f"{temp.stem}.ffconcat")
        try:
            write_clip(card, card_spec(title, body_spec), runner)
            listing.write_text(f"ffconcat version 1.0\nfile '{card.name}'\nfile '{body.absolute()}'\n")
            runner.run(join_argv(listing, temp))
        finally:
            card.unlink(missing_ok=True)
            listing.unlink(missing_ok=True)
    return path


class TitledClips(Mapping[str, Path]):
    """The lesson clips being written in the background: reading one waits for it (an error in writing it is
    raised there). Use as a context manager: leaving it waits for every clip and stops the processes."""

    def __init__(self, pending: dict[str, Future[Path]], pool: ThreadPoolExecutor) -> None:
        self._pending, self._pool = pending, pool

    def __getitem__(self, name: str) -> Path:
        return self._pending[name].result()

    def __iter__(self) -> Iterator[str]:
        return iter(self._pending)

    def __len__(self) -> int:
        return len(self._pending)

    def __enter__(self) -> TitledClips:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=exc[0] is not None)


def titled_clips(
    samples: Mapping[str, Path], titles: Mapping[str, str], *, quick: bool = False, tool: MediaTool | None = None
) -> TitledClips:
    """One clip per name with its own title card before the shared lesson body (from generate_all's `samples`),
    under TITLED_FOLDER beside the samples; clips already there are kept. Written in the background, two ffmpeg
    processes at a time, in the order of `titles`, so that a caller can use the first while the others are made."""
    body = samples[Path(LESSON_BODY.file_name).stem]
    folder = body.parent / TITLED_FOLDER
    folder.mkdir(exist_ok=True)
    spec = _quick(LESSON_BODY.spec) if quick else LESSON_BODY.spec
    pool = ThreadPoolExecutor(TITLING_PROCESSES)
    pending: dict[str, Future[Path]] = {}
    for name, title in titles.items():
        path = folder / f"{name}.mp4"
        if path.exists():
            pending[name] = Future()
            pending[name].set_result(path)
        else:
            pending[name] = pool.submit(write_titled, path, title, body, spec, tool)
    return TitledClips(pending, pool)


def _quick(spec: ClipSpec) -> ClipSpec:
    """Shrink a sample for fast runs, keeping its look."""
    title_seconds = None if spec.title_seconds is None else min(spec.title_seconds, 1.0)
    return replace(spec, seconds=QUICK_SECONDS, size=QUICK_SIZE, title_seconds=title_seconds)


def _video_input(spec: ClipSpec, suffix: str = "") -> Any:
    """Open the lavfi video source at the spec's size, rate and length."""
    joiner = ":" if "=" in spec.video_source else "="
    shape = f"size={spec.size}:rate={spec.rate}:duration={spec.seconds}"
    source = f"{spec.video_source}{joiner}{shape}{suffix}"
    return ffmpeg.input(source, f="lavfi")


def _audio_input(spec: ClipSpec, suffix: str = "") -> Any:
    """Open a sine tone, or silence, at 48 kHz."""
    if spec.tone_hz is None:
        source = f"anullsrc=channel_layout=stereo:sample_rate={SAMPLE_RATE}"
    else:
        source = f"sine=frequency={spec.tone_hz}:sample_rate={SAMPLE_RATE}:duration={spec.seconds}"
    if spec.gain_db and spec.tone_hz is not None:
        source += f",volume={spec.gain_db}dB"
    return ffmpeg.input(source + suffix, f="lavfi")


def _part_audio(spec: ClipSpec, suffix: str) -> Any:
    """Open a part's audio, trimmed to its length (silence too), in stereo."""
    audio = _audio_input(spec, suffix).filter("atrim", duration=spec.seconds)
    return audio.filter("aformat", channel_layouts="stereo")


def _titled(video: Any, spec: ClipSpec, font: Path | None) -> Any:
    """Draw the title card (a dark panel and centred text) when a font is available."""
    if not spec.title or font is None:
        return video
    height = int(spec.size.split("x")[1])
    shown = {} if spec.title_seconds is None else {"enable": f"lt(t,{spec.title_seconds})"}
    if spec.title_seconds is not None:
        panel = {"x": 0, "y": 0, "w": "iw", "h": "ih", "color": "0x1a237e", "t": "fill"}
        video = video.filter("drawbox", **panel, **shown)
    return video.filter(
        "drawtext",
        fontfile=str(font),
        text=spec.title,
        fontsize=max(height // 14, 8),
        fontcolor="white",
        box=1,
        boxcolor="black@0.4",
        boxborderw=max(height // 60, 2),
        x="(w-text_w)/2",
        y="(h-text_h)/2",
        **shown,
    )

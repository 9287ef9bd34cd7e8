"""The HLS master playlist, written by us (ffmpeg's omits AVERAGE-BANDWIDTH and FRAME-RATE)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from media.profiles import FPS, HlsProfile

MASTER = "master.m3u8"


@dataclass(frozen=True)
class Variant:
    """One rendition of a ladder as a master playlist announces it."""

    name: str  # the media playlist's (and its segments') file prefix, e.g. 720p
    bandwidth: int  # peak bits per second
    average_bandwidth: int
    codecs: str
    width: int
    height: int
    frame_rate: float


def master_text(variants: Sequence[Variant]) -> str:
    """A master playlist: each rendition with BANDWIDTH, AVERAGE-BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in variants:
        attributes = (f"BANDWIDTH={v.bandwidth},AVERAGE-BANDWIDTH={v.average_bandwidth},"
                      f'CODECS="{v.codecs}",RESOLUTION={v.width}x{v.height},FRAME-RATE={v.frame_rate:.3f}')
        lines += [f"#EXT-X-STREAM-INF:{attributes}", f"{v.name}.m3u8"]
    return "\n".join(lines) + "\n"


def segment_bitrates(playlist: Path) -> list[float]:
    """Bits per second of each segment listed in a variant playlist (size over EXTINF duration)."""
    rates: list[float] = []
    duration = 0.0
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line.removeprefix("#EXTINF:").split(",")[0])
        elif line and not line.startswith("#") and duration > 0:
            rates.append((playlist.parent / line).stat().st_size * 8 / duration)
    return rates


def write_master_playlist(hls_dir: Path, profile: HlsProfile) -> Path:
    """Write master.m3u8 listing each variant with measured BANDWIDTH (peak) and AVERAGE-BANDWIDTH."""
    variants = []
    for picture in profile.ladder:
        rates = segment_bitrates(hls_dir / f"{picture.name}.m3u8") or [picture.video_kbps * 1000.0]
        variants.append(Variant(picture.name, round(max(rates)), round(sum(rates) / len(rates)), picture.codecs,
                                picture.width, picture.height, FPS))
    master = hls_dir / MASTER
    master.write_text(master_text(variants))
    return master

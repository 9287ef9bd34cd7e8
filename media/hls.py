"""The HLS master playlist, written by us (ffmpeg's omits AVERAGE-BANDWIDTH and FRAME-RATE)."""

from __future__ import annotations

from pathlib import Path

from media.profiles import FPS, HlsProfile

MASTER = "master.m3u8"


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
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for picture in profile.ladder:
        playlist = hls_dir / f"{picture.name}.m3u8"
        rates = segment_bitrates(playlist) or [picture.video_kbps * 1000.0]
        attributes = (
            f"BANDWIDTH={round(max(rates))},AVERAGE-BANDWIDTH={round(sum(rates) / len(rates))},"
            f'CODECS="{picture.codecs}",RESOLUTION={picture.width}x{picture.height},FRAME-RATE={FPS:.3f}'
        )
        lines += [f"#EXT-X-STREAM-INF:{attributes}", playlist.name]
    master = hls_dir / MASTER
    master.write_text("\n".join(lines) + "\n")
    return master

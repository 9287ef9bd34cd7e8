"""Live HLS playlists (RFC 8216) of a channel's web twin: text built from a live window. Pure."""
from __future__ import annotations

from datetime import UTC

from scheduler.domain.live import DayTimeline, LiveWindow, whole_day


def live_media_playlist(window: LiveWindow, rendition: str, *, target_duration: int, segment_prefix: str = "") -> str:
    """One rendition's live playlist: no ENDLIST, no PLAYLIST-TYPE; a PROGRAM-DATE-TIME on every segment
    (its scheduled air time); a DISCONTINUITY at each join after the first segment listed."""
    lines = [
        "#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target_duration}",
        f"#EXT-X-MEDIA-SEQUENCE:{window.media_sequence}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{window.discontinuity_sequence}", "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    for position, placed in enumerate(window.segments):
        if placed.segment.discontinuity and position > 0:
            lines.append("#EXT-X-DISCONTINUITY")
        stamp = placed.airs_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        lines += [f"#EXT-X-PROGRAM-DATE-TIME:{stamp}", f"#EXTINF:{placed.seconds:.3f},",
                  segment_prefix + placed.segment.uri(rendition)]
    return "\n".join(lines) + "\n"


def replay_playlist(day: DayTimeline, rendition: str, *, target_duration: int, segment_prefix: str = "") -> str:
    """A whole broadcast day as one rendition's VOD playlist (回放): every segment with its air time, so a
    player can start from any programme; ENDLIST, as nothing will be added. Its discontinuities are numbered
    from 0: a VOD playlist continues no other, and hls.js's cost per load grows with the number."""
    window = LiveWindow(day.first_sequence, 0, tuple(whole_day(day)))
    body = live_media_playlist(window, rendition, target_duration=target_duration, segment_prefix=segment_prefix)
    header, _, segments = body.partition("#EXT-X-INDEPENDENT-SEGMENTS\n")
    return f"{header}#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n{segments}#EXT-X-ENDLIST\n"

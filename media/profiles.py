"""Rendition profiles as data, and pure builders that turn them into ffmpeg-python outputs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import ffmpeg

FPS = 25


@dataclass(frozen=True)
class LoudnessTarget:
    """Where normalisation aims: integrated loudness, its tolerance and the true-peak ceiling."""

    name: str
    integrated_lufs: float
    tolerance_lu: float
    true_peak_dbtp: float


GY_T_282 = LoudnessTarget("GY/T 282", -24.0, 1.0, -2.0)
EBU_R128 = LoudnessTarget("EBU R128", -23.0, 0.5, -1.0)


@dataclass(frozen=True)
class Picture:
    """An encoded picture: size, H.264 level and bitrate (kb/s)."""

    name: str
    width: int
    height: int
    video_kbps: int
    level: str  # also picks the CODECS string of the HLS master playlist

    @property
    def codecs(self) -> str:
        """RFC 6381 codecs of this picture (H.264 High) with AAC-LC."""
        level = round(float(self.level) * 10)
        return f"avc1.6400{level:02x},mp4a.40.2"


@dataclass(frozen=True)
class CableProfile:
    """Cable playout: CBR MPEG-TS, H.264 High, MP2 stereo, loudness-normalised, SDT names."""

    picture: Picture = Picture("1080p", 1920, 1080, 8000, "4.0")
    muxrate_kbps: int = 10000
    pcr_period_ms: int = 20
    gop: int = FPS  # a keyframe every second: day renders cut lessons there by stream copy
    preset: str = "veryfast"
    audio_kbps: int = 256
    sample_rate: int = 48000
    loudness: LoudnessTarget = GY_T_282
    service_name: str = "空中课堂"
    service_provider: str = "airclass"
    # DVB SI of day files (media/si_insert.py): the ids the mux writes in its PAT and SDT, and the SI's text tables.
    transport_stream_id: int = 1
    original_network_id: int = 1
    service_id: int = 1  # the PMT's program_number
    si_charset: str = "gb2312"  # EIT text: "gb2312" (table byte 0x13, what most Chinese set-top boxes read) or "utf-8"
    sdt_names_gb2312: bool = False  # the SDT's service and provider names in GB2312 too (else UTF-8, as ffmpeg's)


@dataclass(frozen=True)
class HlsProfile:
    """On-demand HLS VOD: a ladder on aligned keyframes, AAC audio, fixed-length segments."""

    ladder: tuple[Picture, ...] = (
        Picture("1080p", 1920, 1080, 5000, "4.0"),
        Picture("720p", 1280, 720, 2500, "3.1"),
        Picture("360p", 640, 360, 800, "3.0"),
    )
    segment_seconds: int = 6
    gop: int = 2 * FPS  # divides the segment length: every variant cuts on the same keyframes
    preset: str = "veryfast"
    audio_kbps: int = 128
    loudness: LoudnessTarget = GY_T_282

    @property
    def segment_frames(self) -> int:
        """Frames in one whole segment."""
        return self.segment_seconds * FPS


@dataclass(frozen=True)
class Mp4Profile:
    """Download MP4: the top rung of the ladder, moov atom first (faststart)."""

    picture: Picture = Picture("1080p", 1920, 1080, 5000, "4.0")
    gop: int = 2 * FPS
    preset: str = "veryfast"
    audio_kbps: int = 128
    loudness: LoudnessTarget = GY_T_282


@dataclass(frozen=True)
class PosterProfile:
    """A JPEG still taken a little way into the recording."""

    width: int = 1280
    height: int = 720
    at_fraction: float = 0.1


CABLE = CableProfile()
CABLE_EBU = CableProfile(loudness=EBU_R128)
HLS = HlsProfile()
MP4 = Mp4Profile()
POSTER = PosterProfile()


def small(picture: Picture, factor: int) -> Picture:
    """The same picture divided by factor (bitrates too): for tests that check logic, not quality."""
    return replace(picture, width=picture.width // factor // 2 * 2, height=picture.height // factor // 2 * 2,
                   video_kbps=max(picture.video_kbps // factor, 100))


def fit_16x9(video: Any, width: int, height: int) -> Any:
    """Scale into width x height keeping the aspect ratio, pad the rest black, square pixels."""
    scaled = video.filter("scale", width, height, force_original_aspect_ratio="decrease")
    padded = scaled.filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
    return padded.filter("setsar", 1)


# No B-frames and closed GOPs: a segment's first N packets are its first N frames, each GOP decodes on its own,
# so the live web twin can cut a piece of a segment by stream copy (media/live_segments.py).
CUTTABLE: dict[str, Any] = {"bf": 0, "flags:v": "+cgop"}


def x264_options(picture: Picture, gop: int, preset: str) -> dict[str, Any]:
    """H.264 High at a fixed GOP with no scene-cut keyframes (keyframes line up across outputs)."""
    return {
        "vcodec": "libx264", "profile:v": "high", "level:v": picture.level, "preset": preset,
        "pix_fmt": "yuv420p", "r": FPS, "g": gop, "keyint_min": gop, "sc_threshold": 0,
    }


def cable_output(video: Any, audio: Any, url: str, profile: CableProfile) -> Any:
    """The cable TS output: CBR video with HRD, -muxrate, PCR period, MP2, SDT names."""
    return ffmpeg.output(
        video, audio, url, **cable_video_options(profile), **cable_audio_options(profile), **cable_mux_options(profile)
    )


def cable_video_options(profile: CableProfile) -> dict[str, Any]:
    """CBR H.264 High with HRD signalling (x264 nal-hrd=cbr, bitrate = minrate = maxrate)."""
    kbps = profile.picture.video_kbps
    return {
        **x264_options(profile.picture, profile.gop, profile.preset),
        # No B-frames, closed one-second GOPs: decode order is display order and each GOP decodes on its own, so
        # a day render copies a lesson or a prepared filler from any keyframe and cuts it at any frame.
        **CUTTABLE,
        "video_bitrate": f"{kbps}k", "minrate": f"{kbps}k", "maxrate": f"{kbps}k", "bufsize": f"{kbps}k",
        "x264-params": "nal-hrd=cbr:force-cfr=1",
    }


def cable_audio_options(profile: CableProfile) -> dict[str, Any]:
    """MPEG-1 Layer II stereo."""
    return {"acodec": "mp2", "audio_bitrate": f"{profile.audio_kbps}k", "ar": profile.sample_rate, "ac": 2}


def cable_mux_options(profile: CableProfile) -> dict[str, Any]:
    """MPEG-TS at a constant muxrate (0: none), PCR period, table repetition, the SDT names and the ids."""
    options: dict[str, Any] = {
        "f": "mpegts", "pcr_period": profile.pcr_period_ms, "pat_period": 0.1, "sdt_period": 0.5,
        # ffmpeg-python cannot repeat a key: "metadata:g" is the same global metadata, spelt differently.
        "metadata": f"service_name={profile.service_name}",
        "metadata:g": f"service_provider={profile.service_provider}",
        "mpegts_transport_stream_id": profile.transport_stream_id,
        "mpegts_original_network_id": profile.original_network_id,
        "mpegts_service_id": profile.service_id,
    }
    if profile.muxrate_kbps:
        options["muxrate"] = f"{profile.muxrate_kbps}k"
    return options


def hls_variant_output(
    video: Any, audio: Any, playlist_url: str, picture: Picture, profile: HlsProfile, *, cuttable: bool = False
) -> Any:
    """One HLS VOD variant: its playlist and numbered TS segments beside it (cuttable: see CUTTABLE)."""
    segments = playlist_url.removesuffix(".m3u8") + "_%05d.ts"
    return ffmpeg.output(
        video, audio, playlist_url, f="hls", **(CUTTABLE if cuttable else {}),
        **_abr(picture, profile.gop, profile.preset), acodec="aac", audio_bitrate=f"{profile.audio_kbps}k",
        ar=48000, ac=2, hls_time=profile.segment_seconds, hls_playlist_type="vod",
        hls_flags="independent_segments", hls_segment_type="mpegts", hls_segment_filename=segments,
    )


def mp4_output(video: Any, audio: Any, url: str, profile: Mp4Profile) -> Any:
    """The download MP4 (faststart)."""
    return ffmpeg.output(
        video, audio, url, f="mp4", **_abr(profile.picture, profile.gop, profile.preset),
        acodec="aac", audio_bitrate=f"{profile.audio_kbps}k", ar=48000, ac=2, movflags="+faststart",
    )


def poster_output(video: Any, url: str, profile: PosterProfile) -> Any:
    """One JPEG frame."""
    return ffmpeg.output(video, url, f="image2", vcodec="mjpeg", vframes=1, update=1, **{"q:v": 3})


def hls_copy_output(source: Any, playlist_url: str, profile: HlsProfile) -> Any:
    """Segment an already encoded MP4 (the download file) into an HLS variant without re-encoding."""
    segments = playlist_url.removesuffix(".m3u8") + "_%05d.ts"
    return ffmpeg.output(
        source, playlist_url, f="hls", c="copy", hls_time=profile.segment_seconds, hls_playlist_type="vod",
        hls_flags="independent_segments", hls_segment_type="mpegts", hls_segment_filename=segments,
    )


def _abr(picture: Picture, gop: int, preset: str) -> dict[str, Any]:
    """Capped average bitrate for on-demand video (peak 1.1 x, two-second buffer)."""
    kbps = picture.video_kbps
    return {**x264_options(picture, gop, preset), "video_bitrate": f"{kbps}k",
            "maxrate": f"{kbps * 11 // 10}k", "bufsize": f"{kbps * 2}k"}

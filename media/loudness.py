"""Loudness correction to a target: the gain a measurement asks for, and a true-peak limiter where it must.

Linear gain alone cannot lift a quiet source with sharp peaks to the target without passing the
true-peak ceiling (a -33.2 LUFS source with -0.2 dBTP peaks would need +8.8 dB). So the gain always
goes to the target, and when it would put the peaks over the ceiling, ffmpeg's alimiter holds them
under it. The limiter takes some loudness with the peaks: measuring the limited audio gives the gain
back (loudnorm's two-pass idea, with a limiter we can name and report).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from media.analysis import ANALYSIS_LOGLEVEL, Measurements, null_output, parse_measurements
from media.profiles import LoudnessTarget
from media.runner import MediaTool, ffmpeg_argv

SILENT_LUFS = -69.0  # at or below: nothing to normalise
ENCODER_MARGIN_DB = 0.3  # the encoder's overshoot over the peaks it is given
LIMIT_HEADROOM_DB = 3.5  # alimiter holds sample peaks; AAC at 128 kb/s rings up to ~3 dB over them on a sharp burst (MP2 ~1 dB)
LIMITED_PASSES = 4  # measurements through the limiter at most (each an audio-only decode)
CLOSE_ENOUGH_LU = 0.3


@dataclass(frozen=True)
class Leveling:
    """The gain applied (dB), and the most the limiter takes off a peak after it (0: linear gain alone)."""

    gain_db: float = 0.0
    limited_db: float = 0.0

    @property
    def limited(self) -> bool:
        """Whether a limiter follows the gain."""
        return self.limited_db > 0


def plan_leveling(measured: Measurements, target: LoudnessTarget) -> Leveling:
    """The gain to the target; a limiter when the peaks would pass the ceiling after it."""
    if measured.integrated_lufs is None or measured.integrated_lufs <= SILENT_LUFS:
        return Leveling()
    gain = target.integrated_lufs - measured.integrated_lufs
    peak = measured.true_peak_dbtp
    if peak is None or peak + gain <= target.true_peak_dbtp - ENCODER_MARGIN_DB:
        return Leveling(round(gain, 2))
    return Leveling(round(gain, 2), round(peak + gain - limit_dbfs(target), 2))


def limit_dbfs(target: LoudnessTarget) -> float:
    """Where the limiter holds the sample peaks."""
    return target.true_peak_dbtp - LIMIT_HEADROOM_DB


def level(audio: Any, leveling: Leveling, target: LoudnessTarget) -> Any:
    """Apply a leveling to an ffmpeg-python audio stream (the limiter's delay compensated: A/V stay aligned)."""
    audio = audio.filter("volume", f"{leveling.gain_db}dB")
    if not leveling.limited:
        return audio
    return audio.filter("alimiter", limit=f"{10 ** (limit_dbfs(target) / 20):.5f}", level=0, latency=1)


def measure(audio: Any, tool: MediaTool, timeout: float | None = None) -> Measurements:
    """Integrated loudness and true peak of an audio stream (ffmpeg's ebur128)."""
    argv = ffmpeg_argv(null_output(audio.filter("ebur128", peak="true")), loglevel=ANALYSIS_LOGLEVEL)
    return parse_measurements(tool.run(argv, timeout=timeout).stderr, video=False)


def leveling_for(
    audio: Callable[[], Any],
    measured: Measurements,
    target: LoudnessTarget,
    tool: MediaTool,
    timeout: float | None = None,
) -> Leveling:
    """The leveling of a source already measured; when limited, measured through the limiter and corrected.

    Each correction raises the gain by what the limited audio lacks; the limiter then takes a little of it
    again (the more, the more the loudness sits in the peaks), so up to LIMITED_PASSES measurements.
    """
    leveling = plan_leveling(measured, target)
    for _ in range(LIMITED_PASSES if leveling.limited else 0):
        after = measure(level(audio(), leveling, target), tool, timeout).integrated_lufs
        if after is None or abs(target.integrated_lufs - after) <= CLOSE_ENOUGH_LU:
            break
        shortfall = target.integrated_lufs - after
        leveling = Leveling(round(leveling.gain_db + shortfall, 2), round(leveling.limited_db + shortfall, 2))
    return leveling

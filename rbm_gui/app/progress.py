"""Progress text for the status bar (Qt-free): time left and durations."""

from __future__ import annotations

import math


def time_left(samples_per_second: float, samples_left: float) -> float:
    """Seconds left at the current speed (inf when unknown)."""
    if samples_per_second <= 0 or not math.isfinite(samples_per_second):
        return math.inf
    return samples_left / samples_per_second


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"

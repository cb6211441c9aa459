"""Qt-free brush strokes on a digit-sized canvas (the drawing board)."""

from __future__ import annotations

import numpy as np


def stamp(canvas: np.ndarray, y: float, x: float, radius: int, value: float) -> None:
    """Set every pixel whose centre is within ``radius`` of pixel (y, x) to ``value`` (in place).

    radius 0 = the one pixel under (y, x); 1 = it and its 4 neighbours; 2 = a 13-pixel disc.
    """
    h, w = canvas.shape
    cy, cx = int(np.floor(y)), int(np.floor(x))
    r = int(radius)
    yy, xx = np.mgrid[cy - r:cy + r + 1, cx - r:cx + r + 1]
    keep = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r) & (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
    canvas[yy[keep], xx[keep]] = value


def stroke(canvas: np.ndarray, p0: tuple[float, float] | None, p1: tuple[float, float], radius: int,
           value: float) -> None:
    """Stamp along the segment p0 -> p1 ((y, x) pixels; p0 None = a single dab at p1)."""
    if p0 is None:
        stamp(canvas, p1[0], p1[1], radius, value)
        return
    (y0, x0), (y1, x1) = p0, p1
    steps = max(1, int(np.ceil(max(abs(y1 - y0), abs(x1 - x0)) * 2)))
    for t in np.linspace(0.0, 1.0, steps + 1):
        stamp(canvas, y0 + (y1 - y0) * t, x0 + (x1 - x0) * t, radius, value)

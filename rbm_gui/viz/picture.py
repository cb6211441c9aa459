"""The one picture convention of every view and export: how digits and weights become greys.

Digits (and visible probabilities) are INK: 1 -> black, 0 -> white paper. Weights use a range
symmetric around 0 (0 -> mid grey) with POSITIVE weights dark. Both follow the blog's figures: the
post binarises digits as "0 for white, 1 for black" and draws them black on white (Figures 3, 4, 6
and the dream video), and in Figure 3 the units that fire for a digit show that digit's strokes in
dark, i.e. dark = positive = what the unit "likes". One polarity for both also means a unit's tile
looks like the digits it responds to. ``PICTURE`` is the single switch; every view (Weights, History,
Reconstruct, Dream tabs) and every export (figures, animations) draws through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PICTURE", "Picture", "ink_display", "ink_grey", "weight_grey", "weight_ramp"]


@dataclass(frozen=True)
class Picture:
    ink_dark: bool = True           # digit value 1 -> black
    positive_dark: bool = True      # weight +max -> black


PICTURE = Picture()


def ink_display(values) -> np.ndarray:
    """Digit values in [0, 1] -> float32 luminance in [0, 1] (for images drawn with levels (0, 1))."""
    v = np.asarray(values, dtype=np.float32)
    return np.ascontiguousarray(1.0 - v if PICTURE.ink_dark else v, dtype=np.float32)


def ink_grey(values: np.ndarray, invert: bool | None = None) -> np.ndarray:
    """Values in [0, 1] (NaN = background) -> uint8 grey; ink dark: 1 -> 0 (black), 0 -> 255.

    ``invert`` overrides the convention (None = :data:`PICTURE`).
    """
    invert = PICTURE.ink_dark if invert is None else invert
    v = np.nan_to_num(np.asarray(values, dtype=np.float32), nan=0.0)
    v = np.clip(v, 0.0, 1.0)
    if invert:
        v = 1.0 - v
    return np.rint(v * 255.0).astype(np.uint8)


def weight_grey(tiles: np.ndarray, per_tile: bool = False) -> np.ndarray:
    """Weights (..., h, w) -> uint8 grey, symmetric range: +m -> black, 0 -> grey, -m -> white.

    ``m`` is the largest |w| over all tiles, or over each tile (the last two axes) with ``per_tile``.
    """
    t = np.asarray(tiles, dtype=np.float32)
    if per_tile:
        m = np.max(np.abs(t), axis=(-2, -1), keepdims=True)
    else:
        m = np.max(np.abs(t)) if t.size else np.float32(1)
    m = np.where(m > 0, m, 1.0).astype(np.float32)
    sign = -0.5 if PICTURE.positive_dark else 0.5
    x = 0.5 + sign * t / m
    return np.rint(np.clip(x, 0, 1) * 255.0).astype(np.uint8)


def weight_ramp(n: int = 255) -> np.ndarray:
    """uint8 greys for n codes where code 0 is the most negative weight and n-1 the most positive.

    The live mosaics store weights as such codes and draw them through a lookup table built from this.
    """
    ramp = np.round(np.linspace(0, 255, n)).astype(np.uint8)
    return ramp[::-1].copy() if PICTURE.positive_dark else ramp

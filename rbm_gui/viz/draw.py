"""Small Qt-free drawing helpers shared by the animation exporter and the figure builder.

Display conventions (the blog's figures): digits and visible probabilities are drawn as INK, dark on
white (value 1 -> black, 0 -> white); weights are drawn so that a positive weight is dark too (what
a unit "likes" looks like ink), with a symmetric range around zero (0 -> middle grey).
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["ink_grey", "weight_grey", "upscale", "font", "text_size"]


def ink_grey(values: np.ndarray, invert: bool = True) -> np.ndarray:
    """Values in [0, 1] (NaN = background) -> uint8 grey; ``invert``: 1 -> 0 (black ink), 0 -> 255."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float32), nan=0.0)
    v = np.clip(v, 0.0, 1.0)
    if invert:
        v = 1.0 - v
    return np.rint(v * 255.0).astype(np.uint8)


def weight_grey(tiles: np.ndarray, per_tile: bool = False) -> np.ndarray:
    """Weights (..., h, w) -> uint8 grey with a symmetric range: -m -> white, 0 -> grey, +m -> black.

    ``m`` is the largest |w| over all tiles, or over each tile (the last two axes) with ``per_tile``.
    """
    t = np.asarray(tiles, dtype=np.float32)
    if per_tile:
        m = np.max(np.abs(t), axis=(-2, -1), keepdims=True)
    else:
        m = np.max(np.abs(t)) if t.size else np.float32(1)
    m = np.where(m > 0, m, 1.0).astype(np.float32)
    x = 0.5 - 0.5 * t / m            # +m -> 0 (black), -m -> 1 (white)
    return np.rint(np.clip(x, 0, 1) * 255.0).astype(np.uint8)


def upscale(a: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour upscaling of a 2-D (or (H, W, C)) array by an integer factor: crisp pixels."""
    scale = int(scale)
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    if scale == 1:
        return np.ascontiguousarray(a)
    return np.repeat(np.repeat(a, scale, axis=0), scale, axis=1)


@functools.lru_cache(maxsize=16)
def font(size: int = 12):
    """Pillow's bundled default font at ``size`` pixels (a bitmap font when FreeType is missing)."""
    from PIL import ImageFont
    try:
        return ImageFont.load_default(size=size)
    except TypeError:       # Pillow < 10.1
        return ImageFont.load_default()


def text_size(text: str, size: int) -> tuple[int, int]:
    """(width, height) in pixels of ``text`` drawn with :func:`font` (its ink box)."""
    from PIL import Image, ImageDraw
    box = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font(size))
    return box[2] - box[0], box[3] - box[1]

"""Small Qt-free drawing helpers shared by the animation exporter and the figure builder.

The greys of digits and weights come from :mod:`rbm_gui.viz.picture` (one convention for every view
and export); ``ink_grey`` and ``weight_grey`` are re-exported here for the existing callers.
"""

from __future__ import annotations

import functools

import numpy as np

from rbm_gui.viz.picture import ink_grey, weight_grey

__all__ = ["ink_grey", "weight_grey", "upscale", "font", "text_size"]


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

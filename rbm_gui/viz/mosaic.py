"""Arrange many small images (weight tiles, digits, chain states) into one mosaic array.

The window draws all tiles as ONE image (hundreds of separate image items are ~20x slower), the
figure exporter saves the same mosaic, so both share this layout code. Qt-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MosaicLayout:
    """Geometry of a grid of ``n`` tiles of ``tile_shape`` with ``pad`` pixels between them.

    Tile k sits at row ``k // cols``, column ``k % cols``; its top-left pixel in the mosaic is
    ``origin(k)``. ``shape`` is the mosaic's (height, width) in pixels.
    """

    n: int
    cols: int
    tile_shape: tuple[int, int]
    pad: int = 1

    @property
    def rows(self) -> int:
        return max(1, math.ceil(self.n / self.cols))

    @property
    def shape(self) -> tuple[int, int]:
        h, w = self.tile_shape
        return (self.rows * (h + self.pad) - self.pad, self.cols * (w + self.pad) - self.pad)

    def origin(self, k: int) -> tuple[int, int]:
        """(row, column) pixel of tile k's top-left corner."""
        h, w = self.tile_shape
        return (k // self.cols) * (h + self.pad), (k % self.cols) * (w + self.pad)

    def tile_at(self, y: float, x: float) -> int | None:
        """Index of the tile under pixel (y, x), or None on a separator or outside."""
        h, w = self.tile_shape
        if y < 0 or x < 0:
            return None
        r, ry = divmod(int(y), h + self.pad)
        c, cx = divmod(int(x), w + self.pad)
        if ry >= h or cx >= w or c >= self.cols:
            return None
        k = r * self.cols + c
        return k if k < self.n else None


def grid_columns(n: int, aspect: float = 1.0) -> int:
    """Columns for a near-square grid of n tiles (``aspect`` = wanted width / height)."""
    return max(1, min(n, math.ceil(math.sqrt(n * aspect))))


def mosaic(tiles: np.ndarray, cols: int | None = None, pad: int = 1, fill: float = np.nan,
           out: np.ndarray | None = None) -> np.ndarray:
    """Place ``tiles`` (n, h, w) in a grid; separators and empty cells get ``fill``.

    Returns (H, W) of the tiles' dtype (float32 for NaN fill). Passing a previously returned
    array as ``out`` reuses it (the live views redraw many times a second).
    """
    tiles = np.asarray(tiles)
    if tiles.ndim != 3:
        raise ValueError(f"tiles must be (n, h, w), got shape {tiles.shape}")
    n, h, w = tiles.shape
    layout = MosaicLayout(n, cols or grid_columns(n), (h, w), pad)
    dtype = np.result_type(tiles.dtype, np.float32) if isinstance(fill, float) and math.isnan(fill) else tiles.dtype
    if out is None or out.shape != layout.shape or out.dtype != dtype:
        out = np.empty(layout.shape, dtype=dtype)
    out.fill(fill)
    rows = layout.rows
    # one strided copy instead of a Python loop over tiles
    full = rows * layout.cols
    padded = np.full((full, h, w), fill, dtype=dtype)
    padded[:n] = tiles
    view = np.lib.stride_tricks.as_strided(
        out, shape=(rows, layout.cols, h, w),
        strides=((h + pad) * out.strides[0], (w + pad) * out.strides[1], out.strides[0], out.strides[1]),
        writeable=True)
    view[...] = padded.reshape(rows, layout.cols, h, w)
    return out


def weight_tiles(W: np.ndarray, image_shape: tuple[int, int], units=None) -> np.ndarray:
    """The incoming weights of hidden units as images: (n_units, h, w) from W (n_visible, n_hidden)."""
    sel = W if units is None else W[:, units]
    return np.ascontiguousarray(sel.T).reshape(-1, *image_shape)

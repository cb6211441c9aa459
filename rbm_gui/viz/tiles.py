"""Weights as the mosaic the window's views draw: uint8 codes and their lookup table (numpy only).

The whole mosaic is one uint8 image with a fixed 256-entry lookup table: values 0..254 code the
weights (0 = most negative, 127 = zero, 254 = most positive), drawn with the greys of the one
picture convention (:func:`rbm_gui.viz.picture.weight_ramp`: positive weights dark), and 255 is
the separator colour, so separators never look like a weight.
"""

from __future__ import annotations

import numpy as np

from rbm_gui.viz.mosaic import MosaicLayout, grid_columns, mosaic
from rbm_gui.viz.picture import weight_ramp

SEPARATOR = 255
SEPARATOR_RGB = (40, 52, 70)


def tile_position(layout, units_shown, k: int | None) -> int | None:
    """Tile position of unit k in a mosaic showing ``units_shown`` (None: all, in order), or None."""
    if k is None or layout is None:
        return None
    if units_shown is None:
        return int(k) if 0 <= k < layout.n else None
    hit = np.flatnonzero(units_shown == k)
    return int(hit[0]) if len(hit) else None


def unit_at(layout, units_shown, x: float, y: float) -> int | None:
    """The unit whose tile (label band included) covers mosaic pixel (x, y), or None."""
    pos = None if layout is None else layout.tile_at(y, x)
    return pos if pos is None or units_shown is None else int(units_shown[pos])


def lookup_table() -> np.ndarray:
    """(256, 3) uint8: the weight greys on codes 0..254, separator colour at 255."""
    lut = np.empty((256, 3), dtype=np.uint8)
    lut[:255] = weight_ramp(255)[:, None]
    lut[255] = SEPARATOR_RGB
    return lut


def scale_symmetric(tiles: np.ndarray, per_tile: bool = False, out: np.ndarray | None = None) -> np.ndarray:
    """Map float tiles (n, h, w) to uint8 0..254 with a symmetric range: 0 -> 127.

    ``per_tile``: each tile is scaled to its own largest |w|; otherwise all tiles share one range.
    """
    tiles = np.asarray(tiles, dtype=np.float32)
    if per_tile:
        s = np.abs(tiles).reshape(tiles.shape[0], -1).max(axis=1) if tiles.size else np.zeros(0)
        s = np.where(s > 0, s, 1.0).astype(np.float32)[:, None, None]
    else:
        m = float(np.abs(tiles).max()) if tiles.size else 0.0
        s = np.float32(m if m > 0 else 1.0)
    x = tiles * (np.float32(127.0) / s)
    x += np.float32(127.0)
    np.clip(x, 0, 254, out=x)
    if out is None or out.shape != x.shape:
        out = np.empty(x.shape, dtype=np.uint8)
    np.rint(x, out=x)
    out[...] = x
    return out


def band_height(tile_h: int, n_tiles: int, labels: bool) -> int:
    """Rows of blank space above each tile for its probability label (0 when labels are off)."""
    if not labels or n_tiles > 100:
        return 0
    return max(4, int(round(tile_h * 0.32)))


def tile_layout(n: int, image_shape: tuple[int, int], band: int = 0, cols: int | None = None,
                pad: int = 1) -> MosaicLayout:
    """Layout of n tiles, each ``band`` label rows above an image of ``image_shape``."""
    h, w = image_shape
    return MosaicLayout(n, cols or grid_columns(n, aspect=1.0), (h + band, w), pad)


def weight_mosaic(W: np.ndarray, image_shape: tuple[int, int], layout: MosaicLayout, band: int = 0,
                  per_tile: bool = False, units=None, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 mosaic (layout.shape) of hidden units' weights from W (n_visible, n_hidden)."""
    sel = W if units is None else W[:, units]
    tiles = np.ascontiguousarray(sel.T).reshape(-1, *image_shape)
    t8 = scale_symmetric(tiles, per_tile)
    if band:
        full = np.full((t8.shape[0], band + image_shape[0], image_shape[1]), SEPARATOR, dtype=np.uint8)
        full[:, band:] = t8
        t8 = full
    return mosaic(t8, layout.cols, layout.pad, fill=SEPARATOR, out=out)


def image_rect(layout: MosaicLayout, k: int, band: int = 0) -> tuple[int, int, int, int]:
    """(x, y, w, h) in mosaic pixels of tile k's image (below its label band)."""
    y, x = layout.origin(k)
    th, tw = layout.tile_shape
    return x, y + band, tw, th - band

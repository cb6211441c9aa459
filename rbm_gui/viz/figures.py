"""The blog's figures as clean images (numpy + Pillow, no Qt): PNG bitmaps and real vector SVGs.

* :func:`weights_figure` — every hidden unit's weights as a tile (Figure 5);
* :func:`history_figure` — the weights of some units over training, rows = epochs (Figure 2);
* :func:`reconstruction_figure` — per input: the digit, a one-step reconstruction and the hidden
  units' weight tiles with P(h_j=1|v) above each and a RED border where it is >= threshold (Figure 3);
* :func:`averages_figure` — inputs over their averaged reconstructions (Figures 4 and 6).

Each returns a :class:`~rbm_gui.viz.figure_image.Figure`: ``.rgb`` (H, W, 3) uint8 and the layout
(``.tiles``, ``.borders``, ``.labels``, ``.active``) that tests and the GUI can use;
:func:`save_figure` writes ``.png`` or ``.svg`` (both in :mod:`rbm_gui.viz.figure_image`, re-exported
here). Greys: the one picture convention of :mod:`rbm_gui.viz.picture` (digits as black ink on
white, weights symmetric around 0 with positive dark). Tile grids use
:class:`rbm_gui.viz.mosaic.MosaicLayout`.
"""

from __future__ import annotations

import numpy as np

from rbm_gui.viz.draw import ink_grey, text_size, weight_grey
from rbm_gui.viz.figure_image import (ACTIVE_COLOUR, FIGURE_FORMATS, INACTIVE_COLOUR, Border, Figure, Label, Tile,
                                      save_figure)
from rbm_gui.viz.mosaic import MosaicLayout, grid_columns, weight_tiles

__all__ = ["Border", "FIGURE_FORMATS", "Figure", "Label", "Tile", "ACTIVE_COLOUR", "averages_figure", "tracked_history_figure",
           "history_figure", "reconstruction_figure", "save_figure", "weights_figure"]


# ------------------------------------------------------------------------------------------ helpers
def _check_scale(scale) -> int:
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a positive whole number, got {scale}")
    return int(scale)


def _gap(scale: int) -> int:
    return max(2, scale)


def _font_size(scale: int) -> int:
    return max(10, 4 * scale)


def _border_width(scale: int) -> int:
    return max(1, scale // 2)


def _digits_2d(digits, n_visible: int) -> np.ndarray:
    d = np.asarray(digits)
    if d.ndim == 1:
        d = d[None, :]
    if d.shape[0] == 0:
        raise ValueError("there are no digits to draw: the figure needs at least one")
    d = d.reshape(d.shape[0], -1)
    if d.shape[1] != n_visible:
        raise ValueError(f"digits have {d.shape[1]} pixels, the model has {n_visible} visible units")
    if np.issubdtype(d.dtype, np.integer) and d.dtype != bool and d.size and d.max() > 1:
        return (d >= 128).astype(np.float32)
    return d.astype(np.float32)


# ------------------------------------------------------------------------------------------ figures
def weights_figure(W: np.ndarray, image_shape: tuple[int, int], cols: int | None = None, scale: int = 4,
                   per_tile: bool = False, units=None) -> Figure:
    """All hidden units' weights as tiles in a grid (Figure 5).

    Grey range symmetric around 0 over the whole figure (``per_tile``: each tile its own), positive
    weights dark; ``scale``-pixel white separators. ``units``: a subset of unit indices.
    """
    scale = _check_scale(scale)
    W = np.asarray(W, dtype=np.float32)
    unit_ids = np.arange(W.shape[1]) if units is None else np.asarray(units).reshape(-1)
    tiles = weight_grey(weight_tiles(W, image_shape, unit_ids), per_tile=per_tile)
    n = len(unit_ids)
    h, w = image_shape
    gap = _gap(scale)
    layout = MosaicLayout(n, cols or grid_columns(n), (h * scale, w * scale), gap)
    margin = gap
    fig = Figure(layout.shape[1] + 2 * margin, layout.shape[0] + 2 * margin, kind="weights")
    for k in range(n):
        y, x = layout.origin(k)
        fig.tiles.append(Tile(x + margin, y + margin, tiles[k], scale, "weight", row=k // layout.cols,
                              col=k % layout.cols, unit=int(unit_ids[k])))
    return fig


def history_figure(weight_history: np.ndarray, image_shape: tuple[int, int], scale: int = 4, units=None,
                   row_labels=None, per_tile: bool = True, max_units: int = 16) -> Figure:
    """Weights of hidden units over training (Figure 2): rows = snapshots, columns = units.

    ``weight_history``: (n_snapshots, n_visible, n_units). ``units``: which units (default: the first
    ``max_units``). ``row_labels``: one per snapshot (default "epoch 0", "epoch 1", ...). Each tile
    has its own symmetric range by default (the blog's look: epoch-0 noise stays visible).
    """
    scale = _check_scale(scale)
    hist = np.asarray(weight_history, dtype=np.float32)
    if hist.ndim != 3:
        raise ValueError(f"weight history must be (snapshots, visible, units), got shape {hist.shape}")
    n_snap, n_vis, n_units = hist.shape
    if n_vis != image_shape[0] * image_shape[1]:
        raise ValueError(f"weight history has {n_vis} visible units, image shape {image_shape} holds "
                         f"{image_shape[0] * image_shape[1]}")
    if n_snap == 0 or n_units == 0:
        raise ValueError("the weight history is empty")
    unit_ids = np.arange(min(n_units, max_units)) if units is None else np.asarray(units).reshape(-1)
    labels = [f"epoch {i}" for i in range(n_snap)] if row_labels is None else [str(s) for s in row_labels]
    if len(labels) != n_snap:
        raise ValueError(f"{len(labels)} row labels for {n_snap} snapshots")
    tiles = np.stack([weight_tiles(hist[s], image_shape, unit_ids) for s in range(n_snap)])   # (S, U, h, w)
    greys = weight_grey(tiles, per_tile=per_tile) if per_tile else np.stack([weight_grey(t) for t in tiles])
    h, w = image_shape
    gap = _gap(scale)
    fs = _font_size(scale)
    label_w = max(text_size(s, fs)[0] for s in labels) + 3 * gap
    layout = MosaicLayout(n_snap * len(unit_ids), len(unit_ids), (h * scale, w * scale), gap)
    margin = gap
    fig = Figure(label_w + layout.shape[1] + 2 * margin, layout.shape[0] + 2 * margin, kind="history")
    for s in range(n_snap):
        for u, unit in enumerate(unit_ids):
            y, x = layout.origin(s * len(unit_ids) + u)
            fig.tiles.append(Tile(label_w + margin + x, margin + y, greys[s, u], scale, "history", row=s, col=u,
                                  unit=int(unit)))
        y0 = margin + layout.origin(s * len(unit_ids))[0]
        fig.labels.append(Label(label_w + margin - 2 * gap, y0 + h * scale / 2, labels[s], fs, "rm"))
    return fig



def tracked_history_figure(weight_history: np.ndarray, units, image_shape: tuple[int, int], scale: int = 4,
                           row_word: str = "epoch") -> Figure:
    """Figure 2 of a model file's tracked units: column i of each snapshot is hidden unit ``units[i]``.

    ``weight_history``: (n_snapshots, n_visible, n_tracked); ``units``: the tracked units' indices
    (None or a wrong length: 0..n_tracked-1). Tiles are labelled with the real unit numbers.
    """
    hist = np.asarray(weight_history)
    units = np.arange(hist.shape[2]) if units is None else np.asarray(units).reshape(-1)
    if len(units) != hist.shape[2]:
        units = np.arange(hist.shape[2])
    fig = history_figure(hist, image_shape, scale=scale, units=np.arange(min(hist.shape[2], 16)),
                         row_labels=[f"{row_word} {i}" for i in range(len(hist))])
    for tile in fig.tiles:
        if tile.unit is not None:
            tile.unit = int(units[tile.unit])
    return fig

def reconstruction_figure(rbm, digits, rng: np.random.Generator, threshold: float = 0.5, top_k: int | None = None,
                          scale: int = 4, units=None) -> Figure:
    """The reconstruction sheet (Figure 3).

    One row per digit: the input, a one-step reconstruction (binary sample v' as in the blog), then
    weight tiles of hidden units, each with P(h_j=1|v) printed above (4 decimals) and a red border
    when it is >= ``threshold`` (black otherwise). Units: all of them when there are at most 20,
    otherwise (or with ``top_k``) the ``top_k`` (default 10) most probable units of each row, most
    probable first, with the unit number under the tile. ``units`` fixes the columns explicitly.
    """
    scale = _check_scale(scale)
    v = _digits_2d(digits, rbm.n_visible)
    ph = rbm.hidden_probs(v)
    _, recon = rbm.reconstruct(v, rng)
    n_rows = v.shape[0]
    if units is not None:
        per_row = np.tile(np.asarray(units).reshape(1, -1), (n_rows, 1))
        show_ids = False
    elif top_k is None and rbm.n_hidden <= 20:
        per_row = np.tile(np.arange(rbm.n_hidden), (n_rows, 1))
        show_ids = False
    else:
        k = min(rbm.n_hidden, top_k or 10)
        per_row = np.argsort(-ph, axis=1, kind="stable")[:, :k]
        show_ids = True
    shown = np.unique(per_row)
    tiles = weight_grey(weight_tiles(rbm.W, rbm.image_shape, shown))      # one symmetric range for all
    tile_of = {int(u): tiles[i] for i, u in enumerate(shown)}

    h, w = rbm.image_shape
    gap, fs, bw = _gap(scale), _font_size(scale), _border_width(scale)
    text_w, text_h = text_size("0.0000", fs)
    id_h = (text_h + 2 * gap) if show_ids else 0
    cell_w = max(w * scale + 2 * bw, text_w + 2)
    cell_h = text_h + gap + bw + h * scale + bw + id_h
    n_cols = 2 + per_row.shape[1]
    layout = MosaicLayout(n_rows * n_cols, n_cols, (cell_h, cell_w), 2 * gap)
    margin = 2 * gap
    fig = Figure(layout.shape[1] + 2 * margin, layout.shape[0] + 2 * margin, kind="reconstruction")
    for r in range(n_rows):
        for c in range(n_cols):
            cy, cx = layout.origin(r * n_cols + c)
            x = margin + cx + (cell_w - w * scale) // 2
            y = margin + cy + text_h + gap + bw
            if c == 0:
                fig.tiles.append(Tile(x, y, ink_grey(v[r].reshape(h, w)), scale, "input", row=r, col=c))
                continue
            if c == 1:
                fig.tiles.append(Tile(x, y, ink_grey(recon[r].reshape(h, w)), scale, "reconstruction", row=r, col=c))
                continue
            unit = int(per_row[r, c - 2])
            p = float(ph[r, unit])
            active = p >= threshold
            fig.tiles.append(Tile(x, y, tile_of[unit], scale, "unit", row=r, col=c, unit=unit, value=p))
            fig.borders.append(Border(x, y, w * scale, h * scale, bw, ACTIVE_COLOUR if active else INACTIVE_COLOUR,
                                      active, row=r, unit=unit))
            fig.labels.append(Label(x + w * scale / 2, y - bw - gap // 2, f"{p:.4f}", fs, "mb"))
            if show_ids:
                fig.labels.append(Label(x + w * scale / 2, y + h * scale + bw + gap, f"h{unit}", fs, "mt"))
    return fig


def averages_figure(rbm, digits, n_samples: int = 100, rng: np.random.Generator | None = None,
                    scale: int = 4) -> Figure:
    """Inputs (top row) over their averaged one-step reconstructions (bottom row): Figures 4 and 6."""
    scale = _check_scale(scale)
    rng = np.random.default_rng() if rng is None else rng
    v = _digits_2d(digits, rbm.n_visible)
    avg = rbm.averaged_reconstruction(v, n_samples, rng)
    n = v.shape[0]
    h, w = rbm.image_shape
    gap = _gap(scale)
    layout = MosaicLayout(2 * n, n, (h * scale, w * scale), gap)
    margin = 2 * gap
    fig = Figure(layout.shape[1] + 2 * margin, layout.shape[0] + 2 * margin, kind="averages")
    for row, (kind, data) in enumerate((("input", v), ("average", avg))):
        for i in range(n):
            y, x = layout.origin(row * n + i)
            fig.tiles.append(Tile(margin + x, margin + y, ink_grey(data[i].reshape(h, w)), scale, kind, row=row, col=i))
    return fig

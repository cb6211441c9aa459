"""Hidden-unit tiles for one digit (the blog's Figure 3): ONE mosaic image plus a light overlay.

Each tile is a unit's incoming weights (positive = dark, one symmetric range, as the exported
figure); above it P(h_j=1|v) with 4 decimals; a RED border when P >= threshold, black otherwise.
When only some units are shown, the unit number is printed under its tile.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QToolTip

from rbm_gui.viz.draw import weight_grey
from rbm_gui.viz.mosaic import MosaicLayout, mosaic, weight_tiles

RED = QColor(230, 0, 0)
BLACK = QColor(0, 0, 0)
PAD = 4            # mosaic pixels between cells (room for the borders)


def cell_bands(tile_h: int, with_ids: bool) -> tuple[int, int]:
    """Rows above (probability) and below (unit number) each tile image."""
    top = max(6, int(round(tile_h * 0.36)))
    return top, (max(5, int(round(tile_h * 0.3))) if with_ids else 0)


class _Overlay(pg.GraphicsObject):
    """Borders and the printed numbers of every shown tile (painted in screen pixels)."""

    def __init__(self, owner: "UnitTiles"):
        super().__init__()
        self.owner = owner
        self.labels_drawn = 0

    def boundingRect(self) -> QRectF:
        lay = self.owner.layout_
        if lay is None:
            return QRectF()
        h, w = lay.shape
        return QRectF(-PAD, -PAD, w + 2 * PAD, h + 2 * PAD)

    def paint(self, painter, option, widget=None):
        o = self.owner
        self.labels_drawn = 0
        if o.layout_ is None or not len(o.units):
            return
        tr = painter.transform()
        th, tw = o.image_shape
        one = tr.mapRect(QRectF(0, 0, tw, o.top))
        painter.save()
        painter.resetTransform()
        pen = QPen(BLACK)
        pen.setWidthF(1.0)
        for k in range(len(o.units)):
            x, y = o.image_origin(k)
            r = tr.mapRect(QRectF(x, y, tw, th))
            pen.setColor(RED if o.flags[k] else BLACK)
            pen.setWidthF(2.5 if o.flags[k] else 1.0)
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(r.adjusted(-1.5, -1.5, 1.5, 1.5))
        if one.height() >= 8 and one.width() >= 30:
            font = QFont()
            font.setPixelSize(int(min(14, max(8, one.height() * 0.75, one.width() / 5.2))))
            font.setPixelSize(int(min(font.pixelSize(), one.width() / 3.9)))
            painter.setFont(font)
            for k in range(len(o.units)):
                x, y = o.image_origin(k)
                rect = tr.mapRect(QRectF(x - PAD / 2, y - o.top, tw + PAD, o.top - 1))
                painter.setPen(RED if o.flags[k] else BLACK)
                painter.drawText(rect, Qt.AlignHCenter | Qt.AlignBottom, o.texts[k])
                if o.bottom:
                    rect = tr.mapRect(QRectF(x, y + th + 1, tw, o.bottom - 1))
                    painter.setPen(QColor(90, 90, 90))
                    painter.drawText(rect, Qt.AlignHCenter | Qt.AlignTop, f"h{int(o.units[k])}")
                self.labels_drawn += 1
        painter.restore()


class UnitTiles(pg.GraphicsLayoutWidget):
    """The shown units' weight tiles with P(h|v) above and red borders (one ImageItem)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.vb = self.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.vb.setMouseEnabled(False, False)
        self.image = pg.ImageItem()
        self.vb.addItem(self.image)
        self.overlay = _Overlay(self)
        self.vb.addItem(self.overlay)
        self.layout_: MosaicLayout | None = None
        self.image_shape = (28, 28)
        self.top = self.bottom = 0
        self.units = np.zeros(0, dtype=np.int64)
        self.probs = np.zeros(0, dtype=np.float32)      # P(h=1|v) of the shown units, display order
        self.flags = np.zeros(0, dtype=bool)
        self.texts: list[str] = []
        self.threshold = 0.5
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def set_state(self, W: np.ndarray, image_shape, probs_all: np.ndarray, units: np.ndarray,
                  threshold: float, all_units: bool) -> None:
        """Show ``units`` (display order) of W (n_visible, n_hidden) with P(h|v) ``probs_all`` (n_hidden,)."""
        self.image_shape = tuple(image_shape)
        self.units = np.asarray(units, dtype=np.int64)
        self.probs = np.asarray(probs_all, dtype=np.float32)[self.units]
        self.threshold = float(threshold)
        self.flags = self.probs >= self.threshold
        self.texts = [f"{p:.4f}" for p in self.probs]
        h, w = self.image_shape
        self.top, self.bottom = cell_bands(h, not all_units)
        n = len(self.units)
        self._args = (W, image_shape, probs_all, units, threshold, all_units)
        cols = self.best_columns(n, (self.top + h + self.bottom + PAD, w + PAD))
        lay = MosaicLayout(max(1, n), cols, (self.top + h + self.bottom, w), PAD)
        cells = np.full((max(1, n), self.top + h + self.bottom, w), 255, dtype=np.uint8)
        if n:
            cells[:n, self.top:self.top + h] = weight_grey(weight_tiles(W, self.image_shape, self.units))
        img = mosaic(cells, cols, PAD, fill=255)
        self.overlay.prepareGeometryChange()
        relayout = lay != self.layout_
        self.layout_ = lay
        self.image.setImage(img, levels=(0, 255), autoLevels=False)
        if relayout:
            H, Wd = lay.shape
            self.vb.setRange(QRectF(-PAD, -PAD, Wd + 2 * PAD, H + 2 * PAD), padding=0)
        self.overlay.update()

    def best_columns(self, n: int, cell: tuple[int, int]) -> int:
        """Columns that make the tiles largest in this widget's current size."""
        W, H = max(1, self.width()), max(1, self.height())
        best, best_scale = 1, -1.0
        for cols in range(1, max(1, n) + 1):
            rows = math.ceil(max(1, n) / cols)
            scale = min(W / (cols * cell[1]), H / (rows * cell[0]))
            if scale > best_scale + 1e-9:
                best, best_scale = cols, scale
        return best

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        args = getattr(self, "_args", None)
        if args is not None and self.layout_ is not None:
            h, w = self.image_shape
            if self.best_columns(len(self.units), (self.layout_.tile_shape[0] + PAD, w + PAD)) != self.layout_.cols:
                self.set_state(*args)

    def clear(self) -> None:
        self.units = np.zeros(0, dtype=np.int64)
        self.layout_ = None
        self.image.clear()
        self.overlay.update()

    def image_origin(self, k: int) -> tuple[int, int]:
        """(x, y) mosaic pixel of the top-left corner of tile k's weight image."""
        y, x = self.layout_.origin(k)
        return x, y + self.top

    def red_units(self) -> set[int]:
        """Units drawn with a red border."""
        return {int(u) for u, f in zip(self.units, self.flags) if f}

    def unit_at(self, x: float, y: float) -> int | None:
        if self.layout_ is None:
            return None
        k = self.layout_.tile_at(y, x)
        return int(self.units[k]) if k is not None and k < len(self.units) else None

    def _on_mouse_moved(self, scene_pos) -> None:
        p = self.image.mapFromScene(scene_pos)
        u = self.unit_at(p.x(), p.y())
        if u is None:
            return
        k = int(np.flatnonzero(self.units == u)[0])
        QToolTip.showText(self.mapToGlobal(self.mapFromScene(scene_pos)),
                          f"unit {u}: P(h=1|v) = {self.probs[k]:.4f}", self)

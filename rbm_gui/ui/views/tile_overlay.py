"""The weights mosaic's overlay: red borders on flagged tiles, the clicked tile's blue frame, and the
probability labels in the band above each tile, painted by ONE light item (fast for 1,000+ units)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPen

from rbm_gui.viz import tiles

RED = QColor(230, 30, 30)
SELECTED = QColor(60, 160, 255)
KNOCKED_OUT = QColor(255, 150, 0)      # a cross over a unit forced off
FORCED_ON = QColor(40, 200, 90)        # a frame around a unit forced on
MARKED = QColor(255, 220, 0)


class TileOverlay(pg.GraphicsObject):
    """Red borders around flagged tiles and probability labels in the band above each tile."""

    def __init__(self):
        super().__init__()
        self.mosaic_layout: tiles.MosaicLayout | None = None
        self.band = 0
        self.probs = np.zeros(0)
        self.flagged = np.zeros(0, dtype=bool)
        self.selected: int | None = None
        self.status = np.zeros(0, dtype=np.int8)     # per tile: 0 as trained, 1 knocked out, 2 forced on
        self.marked = np.zeros(0, dtype=bool)
        self._pen = QPen(RED)
        self._pen.setCosmetic(True)
        self._pen.setWidthF(2.0)
        self._sel_pen = QPen(SELECTED)
        self._sel_pen.setCosmetic(True)
        self._sel_pen.setWidthF(3.0)
        self.labels_drawn = 0       # labels painted last time (tests and the screenshot check it)

    def set_state(self, layout, band: int, probs: np.ndarray, flags: np.ndarray, selected=None,
                  status=None, marked=None) -> None:
        if layout != self.mosaic_layout:
            self.prepareGeometryChange()
        self.mosaic_layout, self.band, self.probs, self.flagged = layout, band, probs, flags
        self.selected = selected
        n = len(probs)
        self.status = np.zeros(n, np.int8) if status is None else status
        self.marked = np.zeros(n, bool) if marked is None else marked
        self.update()

    def boundingRect(self) -> QRectF:
        if self.mosaic_layout is None:
            return QRectF()
        h, w = self.mosaic_layout.shape
        return QRectF(-2, -2, w + 4, h + 4)

    def paint(self, painter, option, widget=None):
        if self.mosaic_layout is None:
            return
        lay, band = self.mosaic_layout, self.band
        painter.setPen(self._pen)
        painter.setBrush(Qt.NoBrush)
        for k in np.flatnonzero(self.flagged):
            x, y, w, h = tiles.image_rect(lay, int(k), band)
            painter.drawRect(QRectF(x - 0.5, y - 0.5, w + 1.0, h + 1.0))
        if self.selected is not None and self.selected < lay.n:      # the clicked tile, outside the red border
            x, y, w, h = tiles.image_rect(lay, int(self.selected), band)
            painter.setPen(self._sel_pen)
            painter.drawRect(QRectF(x - 1.0, y - 1.0, w + 2.0, h + 2.0))
        self._paint_forced(painter, lay, band)
        self.labels_drawn = 0
        if not band:
            return
        tr = painter.transform()
        th, tw = lay.tile_shape
        probe = tr.mapRect(QRectF(0, 0, tw, band))
        if probe.height() < 9 or probe.width() < 26:
            return       # too small on screen: the numbers are in the hover text instead
        font = QFont()
        font.setPixelSize(int(min(13, max(8, probe.height() * 0.8))))
        painter.save()
        painter.resetTransform()
        painter.setFont(font)
        digits = 2 if probe.width() < 40 else 3
        for k, p in enumerate(self.probs):
            y, x = lay.origin(k)
            rect = tr.mapRect(QRectF(x, y, tw, band))
            painter.setPen(RED if self.flagged[k] else QColor(235, 235, 235))
            painter.drawText(rect, Qt.AlignCenter, f"{p:.{digits}f}")
            self.labels_drawn += 1
        painter.restore()

    def _paint_forced(self, painter, lay, band) -> None:
        """Knocked-out tiles crossed out, forced-on ones framed green, marked ones framed yellow."""
        for k in np.flatnonzero(self.status | self.marked):
            x, y, w, h = tiles.image_rect(lay, int(k), band)
            if self.marked[k]:
                painter.setPen(_pen(MARKED, 2.0, Qt.DashLine))
                painter.drawRect(QRectF(x - 1.5, y - 1.5, w + 3.0, h + 3.0))
            if self.status[k] == 1:
                painter.setPen(_pen(KNOCKED_OUT, 2.5))
                painter.drawLine(QPointF(x, y), QPointF(x + w, y + h))
                painter.drawLine(QPointF(x + w, y), QPointF(x, y + h))
            elif self.status[k] == 2:
                painter.setPen(_pen(FORCED_ON, 3.0))
                painter.drawRect(QRectF(x - 0.5, y - 0.5, w + 1.0, h + 1.0))


def _pen(color, width, style=Qt.SolidLine) -> QPen:
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    pen.setStyle(style)
    return pen

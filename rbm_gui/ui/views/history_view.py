"""The history view (the blog's Figure 2): weight tiles at the start and after every epoch.

Rows are snapshots (start, epoch 1, 2, ...), columns are hidden units: for many units a chosen
range of the tracked units (default the first 10). Drawn into one image in a scroll area from the
session's ``weight_history``; the range, zoom and scaling live in :class:`HistoryState`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QScrollArea, QSpinBox, QVBoxLayout, QWidget

from rbm_gui.app.view_state import VIEW_LIMITS, HistoryState
from rbm_gui.ui.binding import bind
from rbm_gui.viz import tiles

MARGIN_LEFT = 64
MARGIN_TOP = 22


def history_image(snapshots: list[np.ndarray], image_shape, columns: np.ndarray, unit_ids: np.ndarray,
                  zoom: int = 2, per_tile: bool = True) -> QImage:
    """Render rows of tiles (one row per snapshot) with epoch and unit labels; returns a QImage."""
    h, w = image_shape
    n_rows, n_cols = len(snapshots), len(columns)
    stack = np.stack([s[:, columns] for s in snapshots], axis=0)            # (rows, nv, cols)
    t = stack.transpose(0, 2, 1).reshape(n_rows * n_cols, h, w)
    t8 = tiles.scale_symmetric(t, per_tile=per_tile)
    lay = tiles.MosaicLayout(n_rows * n_cols, n_cols, (h, w), 2)
    m = tiles.mosaic(t8, n_cols, 2, fill=tiles.SEPARATOR)
    rgb = tiles.lookup_table()[m]
    rgb = np.repeat(np.repeat(rgb, zoom, axis=0), zoom, axis=1)
    rgb = np.ascontiguousarray(rgb)
    H, W = rgb.shape[:2]
    img = QImage(W + MARGIN_LEFT + 4, H + MARGIN_TOP + 4, QImage.Format_RGB32)
    img.fill(QColor(24, 28, 36))
    tile_img = QImage(rgb.data, W, H, 3 * W, QImage.Format_RGB888)
    p = QPainter(img)
    p.drawImage(MARGIN_LEFT, MARGIN_TOP, tile_img)
    font = QFont()
    font.setPixelSize(11)
    p.setFont(font)
    p.setPen(QColor(220, 220, 220))
    for r in range(n_rows):
        y0 = MARGIN_TOP + lay.origin(r * n_cols)[0] * zoom
        label = "start" if r == 0 else f"epoch {r}"
        p.drawText(4, y0, MARGIN_LEFT - 8, h * zoom, Qt.AlignVCenter | Qt.AlignRight, label)
    for c in range(n_cols):
        x0 = MARGIN_LEFT + lay.origin(c)[1] * zoom
        p.drawText(x0, 2, w * zoom, MARGIN_TOP - 4, Qt.AlignCenter, f"#{int(unit_ids[c])}")
    p.end()
    return img


class HistoryView(QWidget):
    """Binds to the session's weight history and a :class:`HistoryState`; draws one image."""

    def __init__(self, session, state: HistoryState, parent=None):
        super().__init__(parent)
        self.session, self.state = session, state
        self.rows_drawn = 0
        self.cols_drawn = 0
        self._dirty = False

        bar = QHBoxLayout()
        bar.addWidget(QLabel("First unit"))
        self.first_spin = QSpinBox()
        self.first_spin.setRange(0, VIEW_LIMITS["first_unit"][1])
        self.first_spin.setToolTip("First of the tracked hidden units to show (columns).")
        bar.addWidget(self.first_spin)
        bar.addWidget(QLabel("Units shown"))
        self.count_spin = QSpinBox()
        self.count_spin.setRange(*VIEW_LIMITS["count"])
        self.count_spin.setToolTip("How many hidden units (columns) to show; the first 100 units are tracked.")
        bar.addWidget(self.count_spin)
        bar.addWidget(QLabel("Zoom"))
        self.zoom_spin = QSpinBox()
        self.zoom_spin.setRange(*VIEW_LIMITS["zoom"])
        self.zoom_spin.setToolTip("Screen pixels per weight pixel.")
        bar.addWidget(self.zoom_spin)
        self.per_tile = QCheckBox("Scale tiles separately")
        self.per_tile.setToolTip("Scale each tile to its own largest weight (as the blog's Figure 2), "
                                 "or use one grey range for all tiles (shows how the weights grow).")
        bar.addWidget(self.per_tile)
        self.summary = QLabel()
        bar.addWidget(self.summary, 1)
        for name, w in (("first_unit", self.first_spin), ("count", self.count_spin), ("zoom", self.zoom_spin),
                        ("per_tile", self.per_tile)):
            bind(state, name, w)
            state.connect(name, lambda _v: self.redraw())
        for name in ("weight_history", "history_units"):
            session.connect(name, lambda _v: self.redraw())
        session.model_replaced.connect(self.redraw)

        self.canvas = QLabel()
        self.canvas.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.canvas)
        self.scroll.setWidgetResizable(False)
        self.scroll.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.scroll.setStyleSheet("QScrollArea { background: rgb(24,28,36); }")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.scroll, 1)
        self.redraw()

    def redraw(self, *_) -> None:
        if not self.isVisible():
            self._dirty = True      # drawn when shown: no work for a hidden tab
            return
        self._dirty = False
        s = self.session
        snapshots = s.weight_history or []
        units = s.history_units if s.history_units is not None else np.zeros(0, dtype=np.int64)
        n = len(units)
        self.first_spin.setMaximum(max(0, n - 1))     # only the tracked units can be shown
        if not snapshots or n == 0 or s.model is None:
            self.canvas.setText("No history yet: the tiles are recorded at the start and after every epoch.")
            self.canvas.adjustSize()
            self.rows_drawn = self.cols_drawn = 0
            self.summary.setText("")
            return
        cols = self.state.columns()
        img = history_image(snapshots, s.model.image_shape, cols, np.asarray(units)[cols], self.state.zoom,
                            self.state.per_tile)
        self.canvas.setPixmap(QPixmap.fromImage(img))
        self.canvas.adjustSize()
        self.rows_drawn, self.cols_drawn = len(snapshots), len(cols)
        self.summary.setText(f"  {len(snapshots) - 1} epochs x {len(cols)} units (of {n} tracked)")

    def showEvent(self, event):
        super().showEvent(event)
        if self._dirty:
            self.redraw()


def make(session, states, window) -> HistoryView:
    return HistoryView(session, states.history)

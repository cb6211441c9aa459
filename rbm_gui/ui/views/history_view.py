"""The history view (the blog's Figure 2): weight tiles at the start and after every epoch.

Rows are snapshots (start, epoch 1, 2, ...), columns are hidden units: for many units a chosen
range of the tracked units (default the first 10). Drawn into one image in a scroll area.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QScrollArea, QSpinBox, QVBoxLayout, QWidget

from rbm_gui.ui import tiles

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
    def __init__(self, parent=None):
        super().__init__(parent)
        self.snapshots: list[np.ndarray] = []
        self.unit_ids = np.zeros(0, dtype=np.int64)
        self.image_shape = (28, 28)
        self.rows_drawn = 0
        self.cols_drawn = 0
        self._dirty = False

        bar = QHBoxLayout()
        bar.addWidget(QLabel("First unit"))
        self.first_spin = QSpinBox()
        self.first_spin.setToolTip("First of the tracked hidden units to show (columns).")
        bar.addWidget(self.first_spin)
        bar.addWidget(QLabel("Units shown"))
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 100)
        self.count_spin.setValue(10)
        self.count_spin.setToolTip("How many hidden units (columns) to show; the first 100 units are tracked.")
        bar.addWidget(self.count_spin)
        bar.addWidget(QLabel("Zoom"))
        self.zoom_spin = QSpinBox()
        self.zoom_spin.setRange(1, 6)
        self.zoom_spin.setValue(2)
        self.zoom_spin.setToolTip("Screen pixels per weight pixel.")
        bar.addWidget(self.zoom_spin)
        self.per_tile = QCheckBox("Scale tiles separately")
        self.per_tile.setChecked(True)
        self.per_tile.setToolTip("Scale each tile to its own largest weight (as the blog's Figure 2), "
                                 "or use one grey range for all tiles (shows how the weights grow).")
        self.per_tile.toggled.connect(lambda _: self.redraw())
        bar.addWidget(self.per_tile)
        self.summary = QLabel()
        bar.addWidget(self.summary, 1)
        for s in (self.first_spin, self.count_spin, self.zoom_spin):
            s.valueChanged.connect(lambda _: self.redraw())

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

    def set_history(self, snapshots: list[np.ndarray], unit_ids: np.ndarray, image_shape) -> None:
        """``snapshots``: list of (n_visible, n_tracked) arrays; ``unit_ids``: their unit indices."""
        self.snapshots = list(snapshots)
        self.unit_ids = np.asarray(unit_ids)
        self.image_shape = tuple(image_shape)
        n = len(self.unit_ids)
        self.first_spin.setRange(0, max(0, n - 1))
        self.redraw()

    def append(self, snapshot: np.ndarray) -> None:
        self.snapshots.append(snapshot)
        self.redraw()

    def redraw(self) -> None:
        if not self.isVisible():
            self._dirty = True      # drawn when shown: no work for a hidden tab
            return
        self._dirty = False
        n = len(self.unit_ids)
        if not self.snapshots or n == 0:
            self.canvas.setText("No history yet: the tiles are recorded at the start and after every epoch.")
            self.canvas.adjustSize()
            self.rows_drawn = self.cols_drawn = 0
            self.summary.setText("")
            return
        first = min(self.first_spin.value(), n - 1)
        cols = np.arange(first, min(n, first + self.count_spin.value()))
        img = history_image(self.snapshots, self.image_shape, cols, self.unit_ids[cols], self.zoom_spin.value(),
                            self.per_tile.isChecked())
        self.canvas.setPixmap(QPixmap.fromImage(img))
        self.canvas.adjustSize()
        self.rows_drawn, self.cols_drawn = len(self.snapshots), len(cols)
        self.summary.setText(f"  {len(self.snapshots) - 1} epochs x {len(cols)} units "
                             f"(of {n} tracked)")

    def showEvent(self, event):
        super().showEvent(event)
        if self._dirty:
            self.redraw()

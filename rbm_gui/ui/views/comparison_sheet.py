"""The comparison sheet (Figures 4 and 6): a row of inputs over a row of averaged reconstructions.

One mosaic image. Default digits: the first of each class of the gallery's split; "Add selected"
appends the selected digit (up to 20). Digits and averages come from :class:`ExplorerState`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from rbm_gui.app.explorer_state import EXPLORER_LIMITS, ExplorerState
from rbm_gui.ui.binding import bind
from rbm_gui.viz.mosaic import mosaic

class ComparisonSheet(QWidget):
    """Draws the sheet of an :class:`ExplorerState` (its digits; the averages the explorer hands in)."""

    def __init__(self, state: ExplorerState, parent=None):
        super().__init__(parent)
        self.state = state
        self.averages: np.ndarray | None = None     # (k, n_visible) float32, last drawn
        self.title = QLabel("<b>Comparison sheet</b>")
        self.title.setWordWrap(True)
        self.add_btn = QPushButton("Add selected")
        self.add_btn.setToolTip("Append the selected digit to the sheet.")
        self.add_btn.clicked.connect(lambda: state.add_selected())
        self.reset_btn = QPushButton("First of each class")
        self.reset_btn.setToolTip("Back to the first digit of each label.")
        self.reset_btn.clicked.connect(lambda: state.reset_sheet())
        self.n_spin = QSpinBox()
        self.n_spin.setRange(*EXPLORER_LIMITS["sheet_n"])
        self.n_spin.setPrefix("N ")
        self.n_spin.setToolTip("One-step reconstructions averaged per digit of the sheet (1-1,000).")
        bind(state, "sheet_n", self.n_spin)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.vb = self.glw.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.vb.setMouseEnabled(False, False)
        self.image = pg.ImageItem()
        self.vb.addItem(self.image)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.n_spin)
        bar.addWidget(self.add_btn)
        bar.addWidget(self.reset_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.glw, 1)

    @property
    def digits(self) -> np.ndarray | None:
        return self.state.sheet_digits

    @property
    def captions(self) -> list[str]:
        return self.state.sheet_captions

    def show_averages(self, averages: np.ndarray | None, rbm, n: int = 0) -> None:
        self.averages = averages
        if averages is None or rbm is None:
            self.image.clear()
            return
        h, w = rbm.image_shape
        k = len(averages)
        tiles = np.concatenate([self.digits, averages]).reshape(2 * k, h, w)
        img = mosaic(tiles.astype(np.float32), k, 2, fill=0.0)
        self.image.setImage(1.0 - img, levels=(0, 1), autoLevels=False)
        self.vb.setRange(QRectF(0, 0, img.shape[1], img.shape[0]), padding=0.02)
        self.title.setText(f"<b>Comparison sheet</b>: inputs over their averages of {n} reconstructions")

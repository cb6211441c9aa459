"""The comparison sheet (Figures 4 and 6): a row of inputs over a row of averaged reconstructions.

One mosaic image. Default digits: the first of each class of the gallery's split; "Add selected"
appends the explorer's digit (up to ``MAX_DIGITS``). The averages are computed by the explorer.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from rbm_gui.viz.gallery import first_of_each_class
from rbm_gui.viz.mosaic import mosaic

MAX_DIGITS = 20


class ComparisonSheet(QWidget):
    changed = Signal()            # the digits changed: the explorer recomputes the averages

    def __init__(self, parent=None):
        super().__init__(parent)
        self.digits: np.ndarray | None = None       # (k, n_visible) float32
        self.captions: list[str] = []
        self.averages: np.ndarray | None = None     # (k, n_visible) float32, last drawn
        self.source = None
        self.selected = None                        # SelectedDigit the explorer shows
        self._default = None
        self.title = QLabel("<b>Comparison sheet</b>")
        self.title.setWordWrap(True)
        self.add_btn = QPushButton("Add selected")
        self.add_btn.setToolTip("Append the selected digit to the sheet.")
        self.add_btn.clicked.connect(self.add_selected)
        self.reset_btn = QPushButton("First of each class")
        self.reset_btn.setToolTip("Back to the first digit of each label.")
        self.reset_btn.clicked.connect(self.reset)
        self.n_spin = QSpinBox()
        self.n_spin.setRange(1, 1000)
        self.n_spin.setValue(100)
        self.n_spin.setPrefix("N ")
        self.n_spin.setToolTip("One-step reconstructions averaged per digit of the sheet (1-1,000).")
        self.n_spin.valueChanged.connect(lambda _: self.changed.emit())
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

    def set_default(self, gallery_model, source) -> None:
        """First of each class of the gallery's digits (the first ten when unlabelled)."""
        idx = first_of_each_class(gallery_model.labels)
        if not len(idx):
            idx = np.arange(min(10, len(gallery_model.digits)))
        self.source = source
        self._default = (gallery_model.digits[idx].astype(np.float32), [f"#{i}" for i in idx])
        self.reset()

    def reset(self) -> None:
        if self._default is not None:
            self.digits, captions = self._default[0].copy(), list(self._default[1])
            self.captions = captions
            self.changed.emit()

    def add_selected(self) -> None:
        d = self.selected
        if d is None or (self.digits is not None and len(self.digits) >= MAX_DIGITS):
            return
        row = d.vector.astype(np.float32)[None, :]
        if self.digits is None or self.digits.shape[1] != row.shape[1]:
            self.digits, self.captions = row, []
        else:
            self.digits = np.vstack([self.digits, row])
        self.captions.append(d.source)
        self.changed.emit()

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

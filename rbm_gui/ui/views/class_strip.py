"""The class timeline strip under the dream mosaic (labelled models): one row per chain, one column
per recent step, coloured by the chain's most likely digit at that step — ONE ImageItem of class
codes drawn through a lookup table, so a redraw is one small upload whatever the number of chains.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from rbm_gui.app.class_timeline import ClassTimeline
from rbm_gui.ui.views.timed_paint import TimedLayoutWidget

#: one colour per class (matplotlib's tab10, which stays distinct for 10 classes)
CLASS_COLOURS = np.array([(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                          (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)],
                         dtype=np.uint8)
EMPTY = (36, 41, 51)          # steps not taken yet: the panel's background


def class_colour(k: int) -> tuple[int, int, int]:
    return tuple(int(x) for x in CLASS_COLOURS[int(k) % len(CLASS_COLOURS)])


def class_lut() -> np.ndarray:
    """(256, 3) uint8: code 0 = no step yet, code k + 1 = class k (classes past 10 reuse the colours)."""
    lut = np.empty((256, 3), np.uint8)
    lut[0] = EMPTY
    lut[1:] = CLASS_COLOURS[np.arange(255) % len(CLASS_COLOURS)]
    return lut


def class_rgba(codes: np.ndarray) -> np.ndarray:
    """(..., 4) uint8 opaque RGBA of uint8 ``codes`` through :func:`class_lut` (looked up here: Qt
    paints RGBA faster than an indexed image, which pyqtgraph also rebuilds a colour table for)."""
    return _RGBA[codes].view(np.uint8).reshape(*codes.shape, 4)


_RGBA = np.ascontiguousarray(np.concatenate([class_lut(), np.full((256, 1), 255, np.uint8)], axis=1)).view(
    np.uint32).reshape(256)


def legend_html(n_labels: int) -> str:
    return " ".join(f'<span style="color:rgb{class_colour(k)}; font-weight:bold">{k}</span>'
                    for k in range(n_labels))


class ClassStrip(QWidget):
    """Draws a :class:`ClassTimeline`; x = steps relative to the newest (0), y = chain number."""

    def __init__(self, paint_clock=None, parent=None):
        super().__init__(parent)
        self.glw = TimedLayoutWidget(paint_clock)
        self.glw.setBackground((24, 28, 36))
        self.plot = self.glw.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setLabel("bottom", "step (0 = now)")
        self.plot.setLabel("left", "chain")
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.legend = QLabel()
        self.legend.setStyleSheet("QLabel { background: rgb(24, 28, 36); color: #c8d0dc; padding: 2px 6px; }")
        self.legend.setToolTip("Each chain's most likely digit P(y|v) at each of the recent steps.")
        self.codes: np.ndarray | None = None      # the uint8 image last drawn (tests read it)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.glw, 1)
        lay.addWidget(self.legend)
        self._shape = None

    def draw(self, timeline: ClassTimeline, n_labels: int) -> None:
        codes = timeline.codes()
        img = np.ascontiguousarray(np.clip(codes + 1, 0, 255).astype(np.uint8))
        self.codes = img
        self.image.setImage(class_rgba(img), levels=None, autoLevels=False)
        if img.shape != self._shape:
            self._shape = img.shape
            n, length = img.shape
            # pixel column j is (length - 1 - j) steps ago; rows are chains 1..n
            self.image.setRect(QRectF(-length + 0.5, 0.5, length, n))
            self.plot.setRange(xRange=(-length + 0.5, 0.5), yRange=(0.5, n + 0.5), padding=0)
            self.legend.setText("Most likely digit: " + legend_html(n_labels))

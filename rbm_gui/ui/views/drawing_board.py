"""Draw your own digit: a digit-sized canvas shown large, brush / eraser / clear, "send to dream".

Every stroke emits ``changed(canvas)`` (n_visible float32 in {0, 1}) so the explorer reconstructs
what is drawn live. Strokes are computed by the Qt-free :mod:`rbm_gui.viz.canvas`. The "Mask" tool
paints the dream's clamp mask over the drawing instead (tinted); "Send to dream" then sends it too.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLabel, QPushButton, QRadioButton,
                               QSpinBox, QVBoxLayout, QWidget)

from rbm_gui.ui.views.mask_brush import framed_canvas, mask_rgba
from rbm_gui.viz.canvas import stroke


class _Canvas(pg.GraphicsView):
    """The board: one ImageItem of the canvas; left button paints, right button erases."""

    def __init__(self, board: "DrawingBoard"):
        super().__init__(background="w")
        self.board = board
        # the drawing, the clamp mask painted with the Mask tool (tinted) and the canvas's frame
        self.vb, self.image, self.tint, self.frame = framed_canvas(self)
        self._last: tuple[float, float] | None = None
        self._value = 1.0

    def pixel_at(self, pos) -> tuple[float, float]:
        """(row, column) canvas coordinates of a viewport position."""
        p = self.image.mapFromScene(self.mapToScene(pos))
        return p.y(), p.x()

    def mousePressEvent(self, ev) -> None:
        if ev.button() not in (Qt.LeftButton, Qt.RightButton):
            return
        erase = ev.button() == Qt.RightButton or self.board.eraser.isChecked()
        self._value = 0.0 if erase else 1.0
        self._last = None
        self._paint(ev.position().toPoint())
        ev.accept()

    def mouseMoveEvent(self, ev) -> None:
        if ev.buttons() & (Qt.LeftButton | Qt.RightButton):
            self._paint(ev.position().toPoint())
            ev.accept()

    def mouseReleaseEvent(self, ev) -> None:
        self._last = None
        ev.accept()

    def _paint(self, pos) -> None:
        y, x = self.pixel_at(pos)
        self.board.paint((y, x), self._last, self._value)
        self._last = (y, x)


class DrawingBoard(QWidget):
    changed = Signal(object)          # (n_visible,) float32: the canvas after a stroke
    sendToDream = Signal(object)      # (1, n_visible) float32
    sendMask = Signal(object)         # (n_visible,) bool clamp mask, sent just before sendToDream (if painted)

    def __init__(self, image_shape=(28, 28), parent=None):
        super().__init__(parent)
        self.canvas = np.zeros(image_shape, dtype=np.float32)
        self.mask = np.zeros(image_shape, dtype=bool)
        self.view = _Canvas(self)
        self.view.setMinimumSize(224, 224)
        self.brush = QRadioButton("Brush")
        self.brush.setChecked(True)
        self.brush.setToolTip("Left button paints ink (the right button always erases).")
        self.eraser = QRadioButton("Eraser")
        self.eraser.setToolTip("Left button erases.")
        self.mask_tool = QRadioButton("Mask")
        self.mask_tool.setToolTip("Paint the pixels the dream keeps clamped to this drawing (inpainting); "
                                  "the right button erases the mask.")
        group = QButtonGroup(self)
        for b in (self.brush, self.eraser, self.mask_tool):
            group.addButton(b)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(0, 4)
        self.size_spin.setValue(1)
        self.size_spin.setPrefix("radius ")
        self.size_spin.setToolTip("Brush radius in pixels (0 = one pixel, 1 = a plus, 2 = a small disc).")
        self.clear_btn = QPushButton("Clear")
        self.clear_btn.setToolTip("Clear the drawing (with the Mask tool: the mask).")
        self.clear_btn.clicked.connect(lambda: self.clear_mask() if self.mask_tool.isChecked() else self.clear())
        self.dream_btn = QPushButton("Send to dream")
        self.dream_btn.setToolTip("Start the dream panel's Gibbs chain from this drawing (and clamp the "
                                  "pixels painted with the Mask tool, if any).")
        self.dream_btn.clicked.connect(self.send_to_dream)
        tools = QHBoxLayout()
        for w in (self.brush, self.eraser, self.mask_tool, self.size_spin):
            tools.addWidget(w)
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_btn)
        buttons.addWidget(self.dream_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        hint = QLabel("Draw a digit: it is reconstructed live on the right.")
        hint.setWordWrap(True)
        lay.addWidget(hint)
        lay.addWidget(self.view, 1)
        lay.addLayout(tools)
        lay.addLayout(buttons)
        self._draw(relayout=True)

    def set_image_shape(self, image_shape) -> None:
        if tuple(image_shape) != self.canvas.shape:
            self.canvas = np.zeros(image_shape, dtype=np.float32)
            self.mask = np.zeros(image_shape, dtype=bool)
            self._draw(relayout=True)

    def vector(self) -> np.ndarray:
        return self.canvas.reshape(-1).copy()

    def paint(self, at: tuple[float, float], last: tuple[float, float] | None, value: float) -> None:
        """Stroke from ``last`` to ``at`` ((row, column) canvas coordinates) with ink 1 or 0
        (with the Mask tool: mask on or off)."""
        if self.mask_tool.isChecked():
            stroke(self.mask, last, at, self.size_spin.value(), bool(value))
            self._draw()
            return
        before = self.canvas.copy()
        stroke(self.canvas, last, at, self.size_spin.value(), value)
        if not np.array_equal(before, self.canvas):
            self._draw()
            self.changed.emit(self.vector())

    def clear(self) -> None:
        self.canvas[...] = 0
        self._draw()
        self.changed.emit(self.vector())

    def clear_mask(self) -> None:
        self.mask[...] = False
        self._draw()

    def send_to_dream(self) -> None:
        if self.mask.any():
            self.sendMask.emit(self.mask.reshape(-1).copy())
        self.sendToDream.emit(self.vector()[None, :])

    def _draw(self, relayout: bool = False) -> None:
        self.view.image.setImage(1.0 - self.canvas, levels=(0, 1), autoLevels=False)
        self.view.tint.setImage(mask_rgba(self.mask, self.mask.shape), levels=(0, 255), autoLevels=False)
        if relayout:
            h, w = self.canvas.shape
            self.view.frame.setRect(QRectF(0, 0, w, h))
            self.view.vb.setRange(QRectF(0, 0, w, h), padding=0.03)

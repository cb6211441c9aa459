"""Paint the dream's clamp mask over a start digit: brush / erase, undo, clear, half-image presets.

The digit is drawn in the app's picture polarity (:func:`rbm_gui.viz.picture.ink_display`) and the
clamped pixels are tinted by a second, RGBA ImageItem above it. Every edit goes to the Qt-free
:class:`rbm_gui.app.dream_controls.DreamControls` (which the chains follow live); the widget only
redraws when the controls' ``mask`` changes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (QButtonGroup, QGraphicsRectItem, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QRadioButton, QSizePolicy, QSpinBox, QVBoxLayout, QWidget)

from rbm_gui.app.dream_controls import MASK_PRESETS, DreamControls
from rbm_gui.viz.picture import ink_display

#: RGBA of a clamped pixel over the digit (a blue that shows on black ink and on white paper)
TINT = (30, 110, 255, 120)
BORDER = QColor(90, 100, 115)


def mask_rgba(mask: np.ndarray | None, shape, tint=TINT) -> np.ndarray:
    """(h, w, 4) uint8: ``tint`` where ``mask`` is True, transparent elsewhere."""
    rgba = np.zeros((*shape, 4), np.uint8)
    if mask is not None:
        rgba[np.asarray(mask, bool).reshape(shape)] = tint
    return rgba


def framed_canvas(view: pg.GraphicsView) -> tuple[pg.ViewBox, pg.ImageItem, pg.ImageItem, QGraphicsRectItem]:
    """A digit-sized canvas in ``view``: (view box, picture, RGBA tint above it, frame). The picture is
    white on a white background: the frame shows where painting counts (set its rect to the image)."""
    vb = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
    vb.setMouseEnabled(False, False)
    view.setCentralItem(vb)
    picture, tint = pg.ImageItem(), pg.ImageItem()
    vb.addItem(picture)
    vb.addItem(tint)
    frame = QGraphicsRectItem()
    pen = QPen(BORDER)
    pen.setCosmetic(True)
    pen.setWidthF(2.0)
    frame.setPen(pen)
    vb.addItem(frame)
    return vb, picture, tint, frame


class MaskCanvas(pg.GraphicsView):
    """A digit with a tinted mask on top; left button paints, right button erases (or the board's tool)."""

    def __init__(self, on_press, on_drag, background="w"):
        super().__init__(background=background)
        self.vb, self.digit, self.tint, self.frame = framed_canvas(self)
        self._on_press, self._on_drag = on_press, on_drag
        self._last: tuple[float, float] | None = None
        self._erase = False
        self.shape: tuple[int, int] | None = None

    def show_images(self, digit: np.ndarray | None, mask: np.ndarray | None, shape) -> None:
        shape = tuple(shape)
        d = np.zeros(shape, np.float32) if digit is None else np.asarray(digit, np.float32).reshape(shape)
        self.digit.setImage(ink_display(d), levels=(0, 1), autoLevels=False)
        self.tint.setImage(mask_rgba(mask, shape), levels=(0, 255), autoLevels=False)
        if shape != self.shape:
            self.shape = shape
            h, w = shape
            self.frame.setRect(QRectF(0, 0, w, h))
            self.vb.setRange(QRectF(0, 0, w, h), padding=0.03)

    def pixel_at(self, pos) -> tuple[float, float]:
        p = self.digit.mapFromScene(self.mapToScene(pos))
        return p.y(), p.x()

    def mousePressEvent(self, ev) -> None:
        if ev.button() not in (Qt.LeftButton, Qt.RightButton):
            return
        self._erase = self._on_press(ev.button() == Qt.RightButton)
        self._last = self.pixel_at(ev.position().toPoint())
        self._on_drag(self._last, None, self._erase)
        ev.accept()

    def mouseMoveEvent(self, ev) -> None:
        if self._last is not None and ev.buttons() & (Qt.LeftButton | Qt.RightButton):
            at = self.pixel_at(ev.position().toPoint())
            self._on_drag(at, self._last, self._erase)
            self._last = at
            ev.accept()

    def mouseReleaseEvent(self, ev) -> None:
        self._last = None
        ev.accept()


class MaskBrush(QWidget):
    """The dream panel's clamp-mask editor, bound to a :class:`DreamControls`."""

    def __init__(self, controls: DreamControls, parent=None):
        super().__init__(parent)
        self.controls = controls
        self.digit: np.ndarray | None = None
        self.canvas = MaskCanvas(self._press, self._drag)
        self.canvas.setFixedHeight(200)
        self.canvas.setToolTip("Paint the pixels to clamp: they keep the start digit's values at every step "
                               "and the chains fill in the rest (inpainting). Right button erases.")
        self.paint_radio = QRadioButton("Paint")
        self.paint_radio.setChecked(True)
        self.erase_radio = QRadioButton("Erase")
        group = QButtonGroup(self)
        group.addButton(self.paint_radio)
        group.addButton(self.erase_radio)
        self.radius_spin = QSpinBox()
        self.radius_spin.setRange(0, 6)
        self.radius_spin.setValue(2)
        self.radius_spin.setPrefix("r ")
        self.radius_spin.setToolTip("Brush radius in pixels (0 = one pixel).")
        self.undo_btn = QPushButton("Undo")
        self.undo_btn.setToolTip("Back to the mask before the last stroke or button.")
        self.undo_btn.clicked.connect(controls.undo)
        self.clear_btn = QPushButton("Clear")
        self.clear_btn.setToolTip("Clamp nothing.")
        self.clear_btn.clicked.connect(controls.clear)
        self.invert_btn = QPushButton("Invert")
        self.invert_btn.setToolTip("Swap clamped and free pixels.")
        self.invert_btn.clicked.connect(controls.invert)
        self.preset_btns = {}
        presets = QGridLayout()
        for i, name in enumerate(MASK_PRESETS):
            b = QPushButton(name.capitalize())
            b.setToolTip(f"Clamp the {name} half of the picture (the chains dream the other half).")
            b.clicked.connect(lambda _=False, n=name: controls.preset(n))
            self.preset_btns[name] = b
            presets.addWidget(b, 0, i)
        for b in (self.undo_btn, self.clear_btn, self.invert_btn, *self.preset_btns.values()):
            b.setMinimumWidth(40)          # (a push button's own minimum is 80 px: 4 in a row overflow the column)
            b.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.summary = QLabel()
        self.summary.setStyleSheet("color:#9aa4b2;")
        tools = QHBoxLayout()
        for w in (self.paint_radio, self.erase_radio, self.radius_spin):
            tools.addWidget(w)
        edits = QHBoxLayout()
        for w in (self.undo_btn, self.clear_btn, self.invert_btn):
            edits.addWidget(w)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.canvas, 1)
        lay.addLayout(tools)
        lay.addLayout(presets)
        lay.addLayout(edits)
        lay.addWidget(self.summary)
        controls.connect("mask", lambda _m: self.redraw())
        self.redraw()

    def set_digit(self, digit: np.ndarray | None) -> None:
        """The start digit to paint over ((n_visible,) in [0, 1], or None for blank paper)."""
        self.digit = None if digit is None else np.asarray(digit, np.float32).reshape(-1)
        self.redraw()

    def redraw(self) -> None:
        c = self.controls
        digit = self.digit if self.digit is not None and self.digit.size == int(np.prod(c.shape)) else None
        self.canvas.show_images(digit, c.mask, c.shape)
        n = c.n_clamped
        self.summary.setText(f"{n} of {int(np.prod(c.shape))} pixels clamped" if n else "No pixel clamped.")
        self.undo_btn.setEnabled(c.can_undo)

    # mouse -> controls
    def _press(self, right_button: bool) -> bool:
        self.controls.begin_stroke()
        self.undo_btn.setEnabled(True)
        return right_button or self.erase_radio.isChecked()

    def _drag(self, at, last, erase: bool) -> None:
        self.controls.paint(at, last, self.radius_spin.value(), not erase)

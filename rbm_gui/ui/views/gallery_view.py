"""The digit gallery: a scrolling page of digits drawn as ONE mosaic image (fast for 60,000 digits).

Split (test/train) and label filter at the top; click a digit to select it; arrow keys, Page Up/Down,
Home/End move the selection; the wheel and the scroll bar scroll. What is listed and selected lives
in the Qt-free :class:`rbm_gui.app.view_state.GalleryState` (which loads the digits) and its
:class:`rbm_gui.viz.gallery.GalleryModel`; the selected digit becomes the session's.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (QComboBox, QGraphicsRectItem, QHBoxLayout, QLabel, QScrollBar,
                               QVBoxLayout, QWidget)

from rbm_gui.app.gallery_state import GalleryState
from rbm_gui.ui.binding import bind
from rbm_gui.viz.gallery import SelectedDigit
from rbm_gui.viz.mosaic import mosaic

SPLITS = ("test", "train")
SELECTION = QColor(20, 110, 255)
GAP_GREY = 0.82          # separators, in ink units (0 = white paper, 1 = black ink)


class GalleryView(QWidget):
    """Draws a :class:`GalleryState`'s digits; clicks and keys select (the session's selected digit)."""

    COLS = 10

    def __init__(self, state: GalleryState, parent=None):
        super().__init__(parent)
        self.state = state
        self.redraws = 0

        self.split_combo = QComboBox()
        self.split_combo.addItem("Test digits", "test")
        self.split_combo.addItem("Training digits", "train")
        self.split_combo.setToolTip("Which part of the data set to browse.")
        self.label_combo = QComboBox()
        self.label_combo.addItem("All labels", -1)
        for k in range(10):
            self.label_combo.addItem(f"Only {k}s", k)
        self.label_combo.setToolTip("Show only the digits with this label.")
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)

        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.glw.setFocusPolicy(Qt.NoFocus)
        self.vb = self.glw.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.vb.setMouseEnabled(False, False)
        self.image = pg.ImageItem()
        self.vb.addItem(self.image)
        self.marker = QGraphicsRectItem()
        pen = QPen(SELECTION)
        pen.setCosmetic(True)
        pen.setWidthF(3.0)
        self.marker.setPen(pen)
        self.vb.addItem(self.marker)
        self.glw.scene().sigMouseClicked.connect(self._on_click)
        self.glw.viewport().installEventFilter(self)
        self.scroll = QScrollBar(Qt.Vertical)
        self.scroll.valueChanged.connect(self._on_scroll)

        top = QHBoxLayout()
        top.addWidget(self.split_combo)
        top.addWidget(self.label_combo)
        mid = QHBoxLayout()
        mid.setSpacing(0)
        mid.addWidget(self.glw, 1)
        mid.addWidget(self.scroll)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addLayout(mid, 1)
        lay.addWidget(self.count_label)
        self.setFocusPolicy(Qt.StrongFocus)
        bind(state, "split", self.split_combo)
        bind(state, "label_filter", self.label_combo)
        state.connect("model", lambda _m: self._on_model())
        state.connect("error", lambda e: self.count_label.setText(e) if e else None)
        self._on_model()

    # ------------------------------------------------------------------ reading (tests)
    @property
    def model(self):
        return self.state.model

    @property
    def split(self) -> str:
        return self.state.split

    def selected(self) -> SelectedDigit | None:
        return self.state.selected()

    def _on_model(self) -> None:
        m = self.model
        if m is None:
            self.image.clear()
            self.marker.hide()
            self.count_label.setText(self.state.error)
            return
        m.rows = self._rows_for_size()
        m.scroll_to(m.first_row)
        self.label_combo.setEnabled(m.labels is not None)
        self.redraw(relayout=True)

    def _rows_for_size(self) -> int:
        w, h = max(1, self.glw.width()), max(1, self.glw.height())
        return int(min(30, max(4, round(self.COLS * h / w))))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.model is not None and self.model.rows != self._rows_for_size():
            self.model.rows = self._rows_for_size()
            self.model.scroll_to(self.model.first_row)
            if self.model.count:
                self.model.select_position(self.model.position)    # keeps the selection in view
            self.redraw(relayout=True)

    # ------------------------------------------------------------------ intent -> state
    def set_split(self, split: str) -> None:
        self.state.split = split

    def set_label_filter(self, label: int | None) -> None:
        self.state.label_filter = -1 if label is None else int(label)

    def select_position(self, position: int) -> None:
        if self.state.select_position(position):
            self.redraw()

    def keyPressEvent(self, event) -> None:
        m = self.model
        if m is None:
            return super().keyPressEvent(event)
        moves = {Qt.Key_Left: (0, -1), Qt.Key_Right: (0, 1), Qt.Key_Up: (-1, 0), Qt.Key_Down: (1, 0),
                 Qt.Key_PageUp: (-m.rows, 0), Qt.Key_PageDown: (m.rows, 0)}
        key = event.key()
        if key in moves:
            changed = self.state.move(*moves[key])
        elif key in (Qt.Key_Home, Qt.Key_End):
            changed = self.state.select_position(0 if key == Qt.Key_Home else m.count - 1)
        else:
            return super().keyPressEvent(event)
        event.accept()
        if changed:
            self.redraw()

    def tile_center(self, position: int):
        """Scene-independent centre (x, y) in mosaic pixels of a position on the visible page."""
        m = self.model
        k = position - m.first_row * m.cols
        y, x = m.layout.origin(k)
        h, w = m.image_shape
        return x + w / 2, y + h / 2

    def tile_of_selection_visible(self) -> bool:
        return self.model is not None and self.model.tile_of_selection() is not None and self.marker.isVisible()

    def _on_click(self, event) -> None:
        if self.model is None:
            return
        self.setFocus(Qt.MouseFocusReason)
        p = self.image.mapFromScene(event.scenePos())
        pos = self.model.position_at(p.y(), p.x())
        if pos is not None:
            self.select_position(pos)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Wheel and self.model is not None:
            steps = -event.angleDelta().y() / 120
            self.scroll.setValue(self.scroll.value() + int(np.sign(steps) * max(1, abs(round(steps)))))
            return True
        return super().eventFilter(obj, event)

    def _on_scroll(self, value: int) -> None:
        if self.model is not None and value != self.model.first_row:
            self.model.scroll_to(value)
            self.redraw()

    # ------------------------------------------------------------------ drawing
    def redraw(self, relayout: bool = False) -> None:
        m = self.model
        if m is None:
            return
        h, w = m.image_shape
        page = np.zeros((m.rows * m.cols, h, w), dtype=np.float32)
        tiles = m.page_tiles()
        page[:len(tiles)] = tiles
        page[len(tiles):] = GAP_GREY / 3
        img = mosaic(page, m.cols, 1, fill=GAP_GREY)
        self.image.setImage(1.0 - img, levels=(0, 1), autoLevels=False)   # ink: 1 -> black
        if relayout:
            H, W = m.layout.shape
            self.vb.setRange(QRectF(0, 0, W, H), padding=0.005)
        k = m.tile_of_selection()
        if k is None:
            self.marker.hide()
        else:
            y, x = m.layout.origin(k)
            self.marker.setRect(QRectF(x - 0.5, y - 0.5, w + 1, h + 1))
            self.marker.show()
        self.scroll.blockSignals(True)
        self.scroll.setRange(0, m.max_first_row)
        self.scroll.setPageStep(m.rows)
        self.scroll.setValue(m.first_row)
        self.scroll.blockSignals(False)
        sel = m.selected_index
        what = f"label {m.labels[sel]}" if (sel is not None and m.labels is not None) else "unlabelled"
        self.count_label.setText(f"{m.count:,} digits · selected {self.split} #{sel} ({what})"
                                 if sel is not None else "No digits with this label.")
        self.redraws += 1

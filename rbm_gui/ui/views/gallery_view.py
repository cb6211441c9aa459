"""The digit gallery: a scrolling page of digits drawn as ONE mosaic image (fast for 60,000 digits).

Split (test/train) and label filter at the top; click a digit to select it; arrow keys, Page Up/Down,
Home/End move the selection; the wheel and the scroll bar scroll. What is listed and selected lives
in the Qt-free :class:`rbm_gui.viz.gallery.GalleryModel`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (QComboBox, QGraphicsRectItem, QHBoxLayout, QLabel, QScrollBar,
                               QVBoxLayout, QWidget)

from rbm_gui.viz.gallery import GalleryModel, SelectedDigit
from rbm_gui.viz.mosaic import mosaic

SPLITS = ("test", "train")
SELECTION = QColor(20, 110, 255)
GAP_GREY = 0.82          # separators, in ink units (0 = white paper, 1 = black ink)


def load_split(source: str, split: str, threshold: int):
    """(bool digits (N, n_visible), uint8 labels or None, image shape) of one split of a data source."""
    from rbm_gui.data import load_dataset
    ds = load_dataset(source, split)
    return ds.binarize(threshold).reshape(ds.n, -1), ds.labels, ds.image_shape


class GalleryView(QWidget):
    """Pick a digit of the data set; emits ``digitPicked(SelectedDigit)``."""

    digitPicked = Signal(object)
    COLS = 10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model: GalleryModel | None = None
        self.source: tuple[str, int] | None = None
        self.split = "test"
        self.redraws = 0
        self._cache: dict[tuple, tuple] = {}

        self.split_combo = QComboBox()
        self.split_combo.addItems(["Test digits", "Training digits"])
        self.split_combo.setToolTip("Which part of the data set to browse.")
        self.split_combo.currentIndexChanged.connect(lambda i: self.set_split(SPLITS[i]))
        self.label_combo = QComboBox()
        self.label_combo.addItems(["All labels"] + [f"Only {k}s" for k in range(10)])
        self.label_combo.setToolTip("Show only the digits with this label.")
        self.label_combo.currentIndexChanged.connect(self._on_filter)
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

    # ------------------------------------------------------------------ data
    def set_source(self, source: str, threshold: int) -> None:
        """Browse data source ``source`` (a load_dataset spec) binarised at ``threshold``."""
        if (source, threshold) != self.source:
            self.source = (source, int(threshold))
            self._cache.clear()
            self._load()

    def set_split(self, split: str) -> None:
        self.split = split
        self.split_combo.blockSignals(True)
        self.split_combo.setCurrentIndex(SPLITS.index(split))
        self.split_combo.blockSignals(False)
        self._load()

    def _load(self) -> None:
        if self.source is None:
            return
        key = (*self.source, self.split)
        try:
            if key not in self._cache:
                self._cache[key] = load_split(self.source[0], self.split, self.source[1])
            digits, labels, shape = self._cache[key]
        except Exception as exc:      # DataError, OSError: say so, keep the window
            self.model = None
            self.image.clear()
            self.count_label.setText(f"Cannot load the {self.split} digits: {exc}")
            return
        self.model = GalleryModel(digits, labels, shape, self.COLS, self._rows_for_size())
        self.label_combo.setEnabled(labels is not None)
        self._on_filter(self.label_combo.currentIndex(), emit=False)
        self._emit()

    def _rows_for_size(self) -> int:
        w, h = max(1, self.glw.width()), max(1, self.glw.height())
        return int(min(30, max(4, round(self.COLS * h / w))))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.model is not None and self.model.rows != self._rows_for_size():
            self.model.rows = self._rows_for_size()
            self.model.scroll_to(self.model.first_row)
            self.model._scroll_to_selection()
            self.redraw(relayout=True)

    # ------------------------------------------------------------------ filter, selection
    def _on_filter(self, index: int, emit: bool = True) -> None:
        if self.model is None:
            return
        self.model.set_filter(None if index <= 0 else index - 1)
        self.redraw(relayout=True)
        if emit:
            self._emit()

    def set_label_filter(self, label: int | None) -> None:
        self.label_combo.setCurrentIndex(0 if label is None else label + 1)

    def select_position(self, position: int) -> None:
        if self.model is not None and self.model.select_position(position):
            self.redraw()
            self._emit()

    def selected(self) -> SelectedDigit | None:
        m = self.model
        i = m.selected_index if m is not None else None
        if i is None:
            return None
        label = int(m.labels[i]) if m.labels is not None else None
        return SelectedDigit(m.digits[i].astype(np.float32), label, f"{self.split} #{i}", (self.split, i))

    def _emit(self) -> None:
        d = self.selected()
        if d is not None:
            self.digitPicked.emit(d)

    def keyPressEvent(self, event) -> None:
        m = self.model
        if m is None:
            return super().keyPressEvent(event)
        moves = {Qt.Key_Left: (0, -1), Qt.Key_Right: (0, 1), Qt.Key_Up: (-1, 0), Qt.Key_Down: (1, 0),
                 Qt.Key_PageUp: (-m.rows, 0), Qt.Key_PageDown: (m.rows, 0)}
        key = event.key()
        if key in moves:
            changed = m.move(*moves[key])
        elif key in (Qt.Key_Home, Qt.Key_End):
            changed = m.select_position(0 if key == Qt.Key_Home else m.count - 1)
        else:
            return super().keyPressEvent(event)
        event.accept()
        if changed:
            self.redraw()
            self._emit()

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

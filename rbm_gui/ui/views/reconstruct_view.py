"""The reconstruction explorer tab (issue 4): what the machine makes of a digit.

Left: the digit gallery and the drawing board. Right, for the selected digit (the window's
``digitSelected``): the input, a one-step reconstruction sample (Resample draws another), the
average of N reconstructions and its per-pixel error, then the hidden units' tiles with
P(h_j=1|v) and red borders (:class:`UnitTiles`); below, the comparison sheet (Figures 4 and 6).

It follows the latest model snapshot (``frameShown``) while training runs. The numbers come from
:mod:`rbm_gui.engine.explore` on the GUI thread (measured: 10 ms for N=1,000 at 400 hidden units),
recomputed at most every max(100 ms, 5x the last computation), so it never takes more than about a
sixth of the GUI thread however large N, the model or the sheet.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)
from PySide6.QtCore import Qt

from rbm_gui.engine.explore import averaged_sheet, explain, shown_units
from rbm_gui.ui.views.comparison_sheet import ComparisonSheet
from rbm_gui.ui.views.drawing_board import DrawingBoard
from rbm_gui.ui.views.gallery_view import GalleryView
from rbm_gui.ui.registry import register_view
from rbm_gui.ui.views.unit_tiles import UnitTiles
from rbm_gui.viz.gallery import SelectedDigit

register_view("reconstruct", "Reconstruct", "rbm_gui.ui.views.reconstruct_view:ReconstructView", 40)

MIN_INTERVAL_MS = 100
SHEET_BUDGET_S = 0.05      # sheets slower than this follow training only on Resample / N / model changes
TITLES = ("Input", "One-step sample", "Average of {n}", "Error |v - avg|")


def _spin(lo, hi, value, tip, double=False):
    s = QDoubleSpinBox() if double else QSpinBox()
    s.setRange(lo, hi)
    if double:
        s.setDecimals(2)
        s.setSingleStep(0.05)
    s.setValue(value)
    s.setToolTip(tip)
    return s


class ReconstructView(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window_ = window
        self.rbm = None                          # latest model or snapshot (never modified here)
        self.digit: SelectedDigit | None = None
        self.explanation = None                  # the last Explanation drawn (tests read it)
        self.seed = 1
        self.computations = 0
        self.last_compute_s = 0.0
        self.last_sheet_s = 0.0
        self._stale = {"digit": False, "sheet": False}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._compute)

        self.gallery = GalleryView()
        self.board = DrawingBoard()
        self.left = QTabWidget()
        self.left.addTab(self.gallery, "Gallery")
        self.left.addTab(self.board, "Draw")
        self.left.setMinimumWidth(260)
        self.left.setMaximumWidth(300)
        self.left.currentChanged.connect(self._on_left_tab)

        self.header = QLabel("Select a digit in the gallery.")
        self.images = pg.GraphicsLayoutWidget()
        self.images.setBackground("w")
        self.images.setFixedHeight(150)
        self.titles, self.boxes = [], []
        for i, t in enumerate(TITLES):
            self.titles.append(self.images.addLabel(t, row=0, col=i, color="k", size="9pt"))
            vb = self.images.addViewBox(row=1, col=i, lockAspect=True, invertY=True, enableMenu=False)
            vb.setMouseEnabled(False, False)
            img = pg.ImageItem()
            vb.addItem(img)
            self.boxes.append((vb, img))

        self.resample_btn = QPushButton("Resample")
        self.resample_btn.setToolTip("Draw another one-step reconstruction (and new averages).")
        self.resample_btn.clicked.connect(self.resample)
        self.threshold_spin = _spin(0.0, 1.0, 0.5, "Units with P(h_j=1|v) at least this get a red border.", True)
        self.sort_check = QCheckBox("Sort by P")
        self.sort_check.setToolTip("Order the tiles by P(h_j=1|v), most probable first.")
        self.topk_spin = _spin(0, 10_000, 0, "Show only the K most probable units (auto: all up to 40 units, "
                               "else the top 40).")
        self.topk_spin.setSpecialValueText("auto")
        self.n_spin = _spin(1, 1000, 100, "How many one-step reconstructions are averaged (1-1,000).")
        self.dream_btn = QPushButton("Send to dream")
        self.dream_btn.setToolTip("Start the dream panel's Gibbs chain from this digit.")
        self.dream_btn.clicked.connect(self._send_to_dream)
        for w in (self.threshold_spin, self.sort_check, self.topk_spin):
            (w.toggled if isinstance(w, QCheckBox) else w.valueChanged).connect(lambda *_: self.update_digit(now=True))
        self.n_spin.valueChanged.connect(lambda *_: self.update_digit(now=True))
        controls = QVBoxLayout()
        for row in (((None, self.resample_btn), ("Average N", self.n_spin), (None, self.dream_btn)),
                    (("Red border at P >=", self.threshold_spin), ("Top K", self.topk_spin),
                     (None, self.sort_check))):
            line = QHBoxLayout()
            for label, w in row:
                if label:
                    line.addWidget(QLabel(label))
                line.addWidget(w)
            line.addStretch(1)
            controls.addLayout(line)
        self.active_label = QLabel()
        self.active_label.setWordWrap(True)
        self.header.setWordWrap(True)
        self.tiles = UnitTiles()
        self.sheet = ComparisonSheet()
        self.sheet.changed.connect(self.update_sheet)

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.header)
        tl.addWidget(self.images)
        tl.addLayout(controls)
        tl.addWidget(self.active_label)
        tl.addWidget(self.tiles, 1)
        right = QSplitter(Qt.Vertical)
        right.addWidget(top)
        right.addWidget(self.sheet)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.left)
        lay.addWidget(right, 1)

        self._restore_options()
        for w in (self.threshold_spin, self.topk_spin, self.n_spin, self.sheet.n_spin):
            w.valueChanged.connect(self._save_options)
        self.sort_check.toggled.connect(self._save_options)
        self.gallery.digitPicked.connect(self._on_picked)
        self.board.changed.connect(self._on_drawn)
        self.board.sendToDream.connect(window.request_dream)
        window.modelChanged.connect(self.on_model)
        window.frameShown.connect(self.on_frame)
        window.digitSelected.connect(self.on_digit)

    # ------------------------------------------------------------------ settings
    def _option_widgets(self):
        return {"threshold": self.threshold_spin, "top_k": self.topk_spin, "n_average": self.n_spin,
                "sheet_n": self.sheet.n_spin}

    def _restore_options(self) -> None:
        """The explorer's options from the window's QSettings (bad stored values are ignored)."""
        s = getattr(self.window_, "settings", None)
        if s is None:
            return
        for key, w in self._option_widgets().items():
            raw = s.value(f"reconstruct/{key}")
            try:
                value = type(w.value())(raw)
            except (TypeError, ValueError):
                continue
            if w.minimum() <= value <= w.maximum():
                w.setValue(value)
        self.sort_check.setChecked(str(s.value("reconstruct/sort", "false")) == "true")

    def _save_options(self, *_) -> None:
        s = getattr(self.window_, "settings", None)
        if s is None:
            return
        for key, w in self._option_widgets().items():
            s.setValue(f"reconstruct/{key}", w.value())
        s.setValue("reconstruct/sort", "true" if self.sort_check.isChecked() else "false")

    # ------------------------------------------------------------------ inputs
    def on_model(self, rbm) -> None:
        """A new model (training is not running): show it at once; reload the data if it changed."""
        s = self.window_.session
        if s.data is not None:
            self.gallery.set_source(s.data_options.source, s.data_options.threshold)
            self.board.set_image_shape(s.data.image_shape)
            if self.gallery.model is not None and self.sheet.source != self.gallery.source:
                self.sheet.set_default(self.gallery.model, self.gallery.source)
        self.rbm = s.rbm.snapshot() if s.rbm is not None else None
        self.update_all(now=True)

    def on_frame(self, rbm) -> None:
        """A training snapshot: redraw from it, throttled."""
        self.rbm = rbm
        self._stale["digit"] = True
        # a costly sheet (large N, many units) is not redrawn for every frame: it would stall the GUI
        self._stale["sheet"] |= self.last_sheet_s < SHEET_BUDGET_S
        self._schedule(False)

    def on_digit(self, digit: SelectedDigit) -> None:
        self.digit = digit
        self.update_digit(now=True)

    def _on_picked(self, digit: SelectedDigit) -> None:
        if self.left.currentWidget() is self.gallery:
            self.window_.select_digit(digit)
        self.sheet.selected = digit

    def _on_drawn(self, vector) -> None:
        self.window_.select_digit(SelectedDigit(vector, None, "drawn"))

    def _on_left_tab(self, _index: int) -> None:
        if self.left.currentWidget() is self.board:
            self._on_drawn(self.board.vector())
        elif self.gallery.selected() is not None:
            self.window_.select_digit(self.gallery.selected())

    def _send_to_dream(self) -> None:
        if self.digit is not None:
            self.window_.request_dream(self.digit.vector[None, :])

    def resample(self) -> None:
        self.seed += 1
        self.update_all(now=True)

    # ------------------------------------------------------------------ scheduling
    def update_digit(self, now: bool = False) -> None:
        self._stale["digit"] = True
        self._schedule(now)

    def update_sheet(self, now: bool = True) -> None:
        self._stale["sheet"] = True
        self._schedule(now)

    def update_all(self, now: bool = False) -> None:
        self._stale["digit"] = self._stale["sheet"] = True
        self._schedule(now)

    def _schedule(self, now: bool) -> None:
        if not self.isVisible():
            return                                  # showEvent computes what is stale
        if now:
            self._timer.stop()
            self._compute()
        elif not self._timer.isActive():
            self._timer.start(int(max(MIN_INTERVAL_MS, 5000 * self.last_compute_s)))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if any(self._stale.values()):
            QTimer.singleShot(0, self._compute)

    # ------------------------------------------------------------------ computing and drawing
    def _usable(self) -> bool:
        rbm = self.rbm
        if rbm is None:
            self.header.setText("No model.")
            return False
        if self.digit is None:
            self.header.setText("Select a digit in the gallery.")
            return False
        if len(self.digit.vector) != rbm.n_visible:
            self.header.setText(f"The digit has {len(self.digit.vector)} pixels, the model "
                                f"{rbm.n_visible} visible units.")
            return False
        return True

    def _compute(self) -> None:
        t0 = time.perf_counter()
        if self._stale["digit"] and self._usable():
            self._draw_digit()
        if self._stale["sheet"] and self.rbm is not None:
            self._draw_sheet()
        self._stale = {"digit": False, "sheet": False}
        self.last_compute_s = time.perf_counter() - t0
        self.computations += 1

    def _draw_digit(self) -> None:
        rbm, d = self.rbm, self.digit
        n = self.n_spin.value()
        ex = explain(rbm, d.vector, n, self.seed)
        self.explanation = ex
        shape = rbm.image_shape
        ink = (ex.v, ex.sample.astype(np.float32), ex.average, ex.error)
        for (vb, img), values in zip(self.boxes, ink):
            img.setImage(np.ascontiguousarray(1.0 - values.reshape(shape), dtype=np.float32),
                         levels=(0, 1), autoLevels=False)
            vb.setRange(QRectF(0, 0, shape[1], shape[0]), padding=0.02)
        self.titles[2].setText(TITLES[2].format(n=n), color="k", size="9pt")
        self.titles[3].setText(f"Error |v - avg|<br>mean {ex.mean_error:.4f}", color="k", size="9pt")
        label = f", label {d.label}" if d.label is not None else ""
        self.header.setText(f"<b>{d.source}</b>{label} · model with {rbm.n_hidden} hidden units")
        units = shown_units(ex.probs, self.topk_spin.value() or None, self.sort_check.isChecked())
        thr = self.threshold_spin.value()
        self.tiles.set_state(rbm.W, shape, ex.probs, units, thr, len(units) == rbm.n_hidden)
        on = int((ex.probs >= thr).sum())
        shown = "all units" if len(units) == rbm.n_hidden else f"the {len(units)} most probable units"
        self.active_label.setText(f"{on} of {rbm.n_hidden} hidden units have P(h=1|v) >= {thr:g} "
                                  f"(red borders); showing {shown}.")

    def _draw_sheet(self) -> None:
        digits = self.sheet.digits
        if digits is None or not len(digits) or digits.shape[1] != self.rbm.n_visible:
            self.sheet.show_averages(None, self.rbm)
            return
        t0 = time.perf_counter()
        n = self.sheet.n_spin.value()
        avg = averaged_sheet(self.rbm, digits, n, self.seed)
        self.sheet.show_averages(avg, self.rbm, n)
        self.last_sheet_s = time.perf_counter() - t0

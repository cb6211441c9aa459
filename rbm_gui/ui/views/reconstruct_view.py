"""The reconstruction explorer tab (issue 4): what the machine makes of a digit.

Left: the digit gallery and the drawing board. Right, for the session's selected digit: the input,
a one-step reconstruction sample (Resample draws another), the average of N reconstructions and
its per-pixel error, then the hidden units' tiles with P(h_j=1|v) and red borders
(:class:`UnitTiles`); below, the comparison sheet (Figures 4 and 6).

It follows the session's model (each training snapshot). The numbers come from
:class:`rbm_gui.app.explorer_state.ExplorerState` on the GUI thread (10 ms for N=1,000 at 400 units),
recomputed at most every max(100 ms, 5x the last computation), so it never takes more than about a
sixth of the GUI thread however large N, the model or the sheet.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from rbm_gui.app.explorer_state import EXPLORER_LIMITS
from rbm_gui.ui.registry import register_view
from rbm_gui.ui.binding import bind, persist
from rbm_gui.ui.views.comparison_sheet import ComparisonSheet
from rbm_gui.ui.views.drawing_board import DrawingBoard
from rbm_gui.ui.views.gallery_view import GalleryView
from rbm_gui.ui.views.unit_tiles import UnitTiles
from rbm_gui.viz.gallery import SelectedDigit
from rbm_gui.viz.picture import ink_display

register_view("reconstruct", "Reconstruct", "rbm_gui.ui.views.reconstruct_view:ReconstructView", 40)
STORED = ("threshold", "top_k", "n_average", "sheet_n", "sort")

MIN_INTERVAL_MS = 100
SHEET_BUDGET_S = 0.05      # sheets slower than this follow training only on Resample / N / model changes
TITLES = ("Input", "One-step sample", "Average of {n}", "Error |v - avg|")


def _spin(name, tip, double=False):
    s = QDoubleSpinBox() if double else QSpinBox()
    s.setRange(*EXPLORER_LIMITS[name])
    if double:
        s.setDecimals(2)
        s.setSingleStep(0.05)
    s.setToolTip(tip)
    return s


class ReconstructView(QWidget):
    """Built by the view registry as ``ReconstructView(session, states, window)``."""

    def __init__(self, session, states, window):
        super().__init__()
        self.session, self.state, self.window_ = session, states.explorer, window
        self.explanation = None                  # the last Explanation drawn (tests read it)
        self.computations = 0
        self.last_compute_s = 0.0
        self.last_sheet_s = 0.0
        self._stale = {"digit": False, "sheet": False}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._compute)

        self.gallery = GalleryView(states.gallery)
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
        self.label_plot = self._label_plot()
        self.label_probs = None               # the last P(y|v) drawn (tests read it)

        self.resample_btn = QPushButton("Resample")
        self.resample_btn.setToolTip("Draw another one-step reconstruction (and new averages).")
        self.resample_btn.clicked.connect(lambda: self.state.resample())
        self.threshold_spin = _spin("threshold", "Units with P(h_j=1|v) at least this get a red border.", True)
        self.sort_check = QCheckBox("Sort by P")
        self.sort_check.setToolTip("Order the tiles by P(h_j=1|v), most probable first.")
        self.topk_spin = _spin("top_k", "Show only the K most probable units (auto: all up to 40 units, "
                               "else the top 40).")
        self.topk_spin.setSpecialValueText("auto")
        self.n_spin = _spin("n_average", "How many one-step reconstructions are averaged (1-1,000).")
        self.dream_btn = QPushButton("Send to dream")
        self.dream_btn.setToolTip("Start the dream panel's Gibbs chain from this digit.")
        self.dream_btn.clicked.connect(self._send_to_dream)
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
        self.sheet = ComparisonSheet(self.state)

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.header)
        tl.addWidget(self.images)
        tl.addWidget(self.label_plot)
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

        st = self.state
        persist(st, getattr(window, "settings", None), "reconstruct", STORED, EXPLORER_LIMITS)
        for name, w in (("threshold", self.threshold_spin), ("top_k", self.topk_spin), ("n_average", self.n_spin),
                        ("sort", self.sort_check)):
            bind(st, name, w)
            st.connect(name, lambda _v: self.update_digit(now=True))
        st.connect("seed", lambda _v: self.update_all(now=True))
        st.connect("sheet_digits", lambda _v: self.update_sheet())
        st.connect("sheet_n", lambda _v: self.update_sheet())
        self.board.changed.connect(self._on_drawn)
        self.board.sendToDream.connect(window.request_dream)
        session.connect("effective_model", self.on_frame)     # frames and unit overrides
        session.model_replaced.connect(lambda *_: self.update_all(now=True))
        session.connect("selected_digit", lambda _d: self.update_digit(now=True))
        session.connect("data", lambda d: self.board.set_image_shape(d.image_shape) if d is not None else None)
        self.update_all()

    @property
    def rbm(self):
        return self.session.model

    @property
    def digit(self) -> SelectedDigit | None:
        return self.session.selected_digit

    # ------------------------------------------------------------------ inputs
    def on_frame(self, rbm) -> None:
        """A new snapshot: redraw from it, throttled."""
        self._stale["digit"] = True
        # a costly sheet (large N, many units) is not redrawn for every frame: it would stall the GUI
        self._stale["sheet"] |= self.last_sheet_s < SHEET_BUDGET_S
        self._schedule(False)

    def _on_drawn(self, vector) -> None:
        self.session.selected_digit = SelectedDigit(vector, None, "drawn")

    def _on_left_tab(self, _index: int) -> None:
        if self.left.currentWidget() is self.board:
            self._on_drawn(self.board.vector())
        else:
            self.gallery.state.pick()

    def _send_to_dream(self) -> None:
        if self.digit is not None:
            self.window_.request_dream(self.digit.vector[None, :])

    def resample(self) -> None:
        self.state.resample()

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
    def _compute(self) -> None:
        t0 = time.perf_counter()
        if self._stale["digit"]:
            problem = self.state.problem()
            if problem:
                self.header.setText(problem)
                self._draw_labels(None)
            else:
                self._draw_digit()
        if self._stale["sheet"] and self.rbm is not None:
            self._draw_sheet()
        self._stale = {"digit": False, "sheet": False}
        self.last_compute_s = time.perf_counter() - t0
        self.computations += 1

    def _draw_digit(self) -> None:
        st, d = self.state, self.digit
        ex = st.explain()
        self.explanation = ex
        rbm, shape = ex.rbm, ex.rbm.image_shape
        ink = (ex.v, ex.sample.astype(np.float32), ex.average, ex.error)
        for (vb, img), values in zip(self.boxes, ink):
            img.setImage(ink_display(values.reshape(shape)),
                         levels=(0, 1), autoLevels=False)
            vb.setRange(QRectF(0, 0, shape[1], shape[0]), padding=0.02)
        self.titles[2].setText(TITLES[2].format(n=ex.n_average), color="k", size="9pt")
        self.titles[3].setText(f"Error |v - avg|<br>mean {ex.mean_error:.4f}", color="k", size="9pt")
        label = f", label {d.label}" if d.label is not None else ""
        self.header.setText(f"<b>{d.source}</b>{label} · model with {rbm.n_hidden} hidden units")
        self._draw_labels(st.label_probs())
        units = st.units(ex)
        self.tiles.set_state(rbm.W, shape, ex.probs, units, st.threshold, len(units) == rbm.n_hidden)
        self.active_label.setText(st.summary(ex, units))

    def _label_plot(self) -> pg.PlotWidget:
        """P(y|v) as one bar per label, under the images: shown for labelled models only."""
        w = pg.PlotWidget(background="w")
        w.setFixedHeight(120)
        w.setVisible(False)
        plot = w.getPlotItem()
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setYRange(0, 1, padding=0.02)
        plot.getAxis("left").setTicks([[(0, "0"), (0.5, ".5"), (1, "1")]])
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen("k")
            plot.getAxis(axis).setPen("k")
        self.label_bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#7a8ca5")
        plot.addItem(self.label_bars)
        return w

    @property
    def _label_plot_shown(self) -> bool:
        return not self.label_plot.isHidden()

    def _draw_labels(self, p) -> None:
        self.label_probs = p
        self.label_plot.setVisible(p is not None)
        if p is None:
            return
        x = np.arange(len(p))
        best = int(np.argmax(p))
        self.label_bars.setOpts(x=x, height=p, brushes=["#d9534f" if i == best else "#7a8ca5" for i in x])
        plot = self.label_plot.getPlotItem()
        plot.getAxis("bottom").setTicks([[(int(i), str(int(i))) for i in x]])
        plot.setXRange(-0.6, len(p) - 0.4, padding=0)
        plot.setTitle(f"P(label | digit), exact: most probable {best} ({p[best]:.3f})", color="k", size="9pt")

    def _draw_sheet(self) -> None:
        t0 = time.perf_counter()
        avg = self.state.averages()
        self.sheet.show_averages(avg, self.rbm, self.state.sheet_n)
        self.last_sheet_s = time.perf_counter() - t0 if avg is not None else 0.0

"""The unit inspector: one hidden unit up close — its weights large, bias and activities, the test
digits that drive it most (click one to explore it), its mean P(h=1|v) per class, its film strip
over the epochs, and buttons that knock it out or force it on (Edit > Undo takes it back).

It draws :class:`rbm_gui.app.inspector_state.InspectorState`; the statistics are measured on the
runner (``ui/actions/unit_actions.py`` schedules them), never on the GUI thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import (QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from rbm_gui.viz import tiles
from rbm_gui.viz.mosaic import MosaicLayout, mosaic
from rbm_gui.viz.picture import ink_display

TOP_COLS = 5
BG = (24, 28, 36)


def _image_box(size: tuple[int, int]) -> tuple[pg.GraphicsLayoutWidget, pg.ViewBox, pg.ImageItem]:
    glw = pg.GraphicsLayoutWidget()
    glw.setBackground(BG)
    glw.setFixedSize(*size)
    vb = glw.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
    vb.setMouseEnabled(False, False)
    img = pg.ImageItem()
    vb.addItem(img)
    return glw, vb, img


def _heading(text: str) -> QLabel:
    return QLabel(f"<b>{text}</b>")


class UnitInspector(QDialog):
    """A non-modal window onto ``state.unit``; ``digitChosen(index)`` when a top digit is clicked."""

    digitChosen = Signal(int)        # index into the test digits

    def __init__(self, session, state, parent=None):
        super().__init__(parent)
        self.session, self.state = session, state
        self.setWindowTitle("Unit inspector")
        self.setObjectName("unit_inspector")
        self._lut = tiles.lookup_table()
        self._top_layout: MosaicLayout | None = None
        self._top_idx = np.zeros(0, np.int64)
        self.draws = 0

        self.title = QLabel()
        self.unit_spin = QSpinBox()
        self.unit_spin.setToolTip("The inspected hidden unit.")
        self.unit_spin.valueChanged.connect(lambda k: setattr(self.state, "unit", int(k)))
        self.off_button = QPushButton("Knock out")
        self.off_button.setToolTip("Force this unit off: P(h=1|v) = 0 in reconstructions, dreams, probes and "
                                   "metrics. The trained model is kept (and is what Save writes).")
        self.on_button = QPushButton("Force on")
        self.on_button.setToolTip("Force this unit on: P(h=1|v) = 1 everywhere the views sample.")
        self.release_button = QPushButton("As trained")
        self.release_button.setToolTip("Back to the trained behaviour for this unit.")
        self.off_button.clicked.connect(lambda: self._force("knock_out"))
        self.on_button.clicked.connect(lambda: self._force("force_on"))
        self.release_button.clicked.connect(lambda: self._force("release"))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Unit"))
        top.addWidget(self.unit_spin)
        for b in (self.off_button, self.on_button, self.release_button):
            top.addWidget(b)

        self.weights_glw, self.weights_vb, self.weights_image = _image_box((230, 230))
        self.weights_image.setLookupTable(self._lut[:255])
        self.facts = QLabel()
        self.facts.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.facts.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.facts.setWordWrap(True)
        self.top_glw, self.top_vb, self.top_image = _image_box((260, 260))
        self.top_glw.setToolTip("The test digits with the highest P(h=1|v), highest first; click one to "
                                "open it in the explorer.")
        self.top_glw.scene().sigMouseClicked.connect(self._on_top_clicked)
        self.top_caption = QLabel()
        self.top_caption.setWordWrap(True)
        self.bars = pg.PlotWidget()
        self.bars.setBackground(BG)
        self.bars.setFixedHeight(200)
        self.bars.setMouseEnabled(False, False)
        self.bars.setMenuEnabled(False)
        self.bars.setYRange(0, 1)
        self.bars.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)]])
        self.bars.setLabel("left", "mean P(h=1|v)")
        self.bar_item = pg.BarGraphItem(x=[], height=[], width=0.7, brush=(90, 150, 230))
        self.bars.addItem(self.bar_item)
        self.bars_note = QLabel()
        self.strip_glw, self.strip_vb, self.strip_image = _image_box((720, 70))
        self.strip_image.setLookupTable(self._lut)
        self.strip_caption = QLabel()
        self.strip_caption.setWordWrap(True)

        grid = QGridLayout()
        grid.addWidget(_heading("Weights"), 0, 0)
        grid.addWidget(self.weights_glw, 1, 0)
        grid.addWidget(_heading("Facts"), 0, 1)
        grid.addWidget(self.facts, 1, 1)
        grid.addWidget(_heading("Digits that drive it most (click to explore)"), 0, 2)
        right = QVBoxLayout()
        right.addWidget(self.top_glw)
        right.addWidget(self.top_caption)
        grid.addLayout(right, 1, 2, 2, 1)
        grid.addWidget(_heading("Mean P(h=1|v) per class (test digits)"), 2, 0, 1, 2, Qt.AlignBottom)
        below = QVBoxLayout()
        below.addWidget(self.bars)
        below.addWidget(self.bars_note)
        grid.addLayout(below, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(grid)
        lay.addWidget(_heading("Film strip over the epochs"))
        lay.addWidget(self.strip_glw)
        lay.addWidget(self.strip_caption)

        for name in ("unit", "stats", "busy"):
            state.connect(name, lambda _v: self.redraw())
        session.overrides.connect("forced", lambda _f: self.redraw())
        session.connect("weight_history", lambda _w: self.redraw())
        session.model_replaced.connect(lambda *_: self.redraw())
        self.resize(800, 720)

    # ------------------------------------------------------------------ intent
    def _force(self, what: str) -> None:
        if self.state.unit is not None:
            getattr(self.session.overrides, what)(self.state.unit)

    def _on_top_clicked(self, event) -> None:
        if self._top_layout is None:
            return
        p = self.top_image.mapFromScene(event.scenePos())
        pos = self._top_layout.tile_at(p.y(), p.x())
        if pos is not None and pos < len(self._top_idx):
            self.digitChosen.emit(int(self._top_idx[pos]))

    def top_digit_center(self, position: int):
        """Scene point of the top digit at ``position`` (tests click it)."""
        y, x = self._top_layout.origin(position)
        h, w = self._top_layout.tile_shape
        return self.top_image.mapToScene(pg.Point(x + w / 2, y + h / 2))

    # ------------------------------------------------------------------ drawing
    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.redraw()

    def redraw(self) -> None:
        if not self.isVisible():
            return
        m, k = self.session.model, self.state.unit
        if m is None or k is None or not 0 <= k < m.n_hidden:
            self.title.setText("<b>No unit</b> (click a tile in the Weights tab)")
            for img in (self.weights_image, self.top_image, self.strip_image):
                img.clear()
            self.bar_item.setOpts(x=[], height=[])
            self.facts.setText("")
            return
        self.draws += 1
        self.unit_spin.blockSignals(True)
        self.unit_spin.setRange(0, m.n_hidden - 1)
        self.unit_spin.setValue(k)
        self.unit_spin.blockSignals(False)
        status = self.session.overrides.status(k)
        badge = {"off": " — <span style='color:#ff9600'>knocked out</span>",
                 "on": " — <span style='color:#28c85a'>forced on</span>"}.get(status, "")
        self.title.setText(f"<b>Unit {k}</b> of {m.n_hidden}{badge}")
        self.off_button.setEnabled(status != "off")
        self.on_button.setEnabled(status != "on")
        self.release_button.setEnabled(bool(status))
        tile = np.ascontiguousarray(m.W[:, k].reshape(m.image_shape), dtype=np.float32)
        s = float(np.abs(tile).max()) or 1.0
        self.weights_image.setImage(tile, levels=(-s, s), autoLevels=False)
        self.weights_vb.setRange(QRectF(0, 0, m.image_shape[1], m.image_shape[0]), padding=0.01)
        self.facts.setText(self.state.describe())
        self._draw_top(m)
        self._draw_bars()
        self._draw_strip(m)

    def _draw_top(self, m) -> None:
        idx, probs = self.state.top_digits()
        d = self.session.data
        self._top_idx = idx
        if not len(idx) or d is None:
            self.top_image.clear()
            self._top_layout = None
            self.top_caption.setText("Measuring..." if self.state.busy else "")
            return
        digits = ink_display(np.asarray(d.probes[idx], dtype=np.float32).reshape(-1, *m.image_shape))
        self._top_layout = MosaicLayout(len(idx), TOP_COLS, m.image_shape, 1)
        self.top_image.setImage(mosaic(digits, TOP_COLS, 1, fill=0.35), levels=(0, 1), autoLevels=False)
        h, w = self._top_layout.shape
        self.top_vb.setRange(QRectF(0, 0, w, h), padding=0.01)
        labels = d.probe_labels
        first = ", ".join(f"#{int(i)}" + (f" ({int(labels[i])})" if labels is not None else "") + f" {p:.3f}"
                          for i, p in zip(idx[:3], probs[:3]))
        self.top_caption.setText(f"{len(idx)} test digits, highest P first: {first}, ...")

    def _draw_bars(self) -> None:
        cm = self.state.class_means()
        if cm is None:
            self.bar_item.setOpts(x=[], height=[])
            self.bars_note.setText("No labels: no class means." if self.state.stats is not None else "")
            return
        heights = np.nan_to_num(cm, nan=0.0)
        self.bar_item.setOpts(x=np.arange(len(cm)), height=heights, width=0.7)
        self.bars.getAxis("bottom").setTicks([[(i, str(i)) for i in range(len(cm))]])
        best = int(np.argmax(heights))
        self.bars_note.setText(f"Answers most to {best}s (mean P {heights[best]:.3f}); "
                               f"least to {int(np.argmin(heights))}s.")

    def _draw_strip(self, m) -> None:
        strip = self.state.film_strip()
        if strip is None:
            self.strip_image.clear()
            self.strip_caption.setText("Not tracked: the window keeps the film strip of the first units only "
                                       "(the History tab's).")
            return
        W, epochs = strip
        lay = tiles.tile_layout(len(epochs), m.image_shape, cols=len(epochs))
        self.strip_image.setImage(tiles.weight_mosaic(W.T, m.image_shape, lay, per_tile=True),
                                  levels=(0, 255), autoLevels=False)
        h, w = lay.shape
        self.strip_vb.setRange(QRectF(0, 0, w, h), padding=0.01)
        self.strip_caption.setText("Epochs " + ", ".join(str(e) for e in epochs) + " (each tile scaled to itself).")

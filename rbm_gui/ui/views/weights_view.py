"""The weights view: every hidden unit's incoming weights as ONE mosaic image, with overlays.

Beside the mosaic: the probe digit; each tile carries P(h_j=1 | probe) (printed in a band above
the tile when the tiles are large enough on screen, always in the hover text) and a red border
when it is at least the threshold (the blog's Figure 3, live); the clicked tile has a blue frame.
Borders and labels are drawn by one light overlay item, not one item per tile, so the view stays
fast for 1,000+ units. What is shown lives in the session and :class:`WeightsState`; this widget
draws it and forwards clicks, hovers and edits as calls on them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QSpinBox, QToolTip, QVBoxLayout, QWidget)

from rbm_gui.app.data import DATA_HELP
from rbm_gui.app.view_state import WeightsState
from rbm_gui.ui.binding import bind
from rbm_gui.ui.views.label_bars import LabelBars
from rbm_gui.ui.views.tile_overlay import TileOverlay
from rbm_gui.ui.views.unit_controls import UnitControls
from rbm_gui.viz import tiles
from rbm_gui.viz.picture import ink_display

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

def _image_box(glw: pg.GraphicsLayoutWidget, row: int = 0, col: int = 0) -> tuple[pg.ViewBox, pg.ImageItem]:
    vb = glw.addViewBox(row=row, col=col, lockAspect=True, invertY=True, enableMenu=False)
    vb.setMouseEnabled(False, False)
    img = pg.ImageItem()
    vb.addItem(img)
    return vb, img


class WeightsView(QWidget):
    """Mosaic of all hidden units; probe digit, threshold and the selected tile at the side."""

    unitClicked = Signal(int)      # a tile was clicked (the window opens the unit inspector)

    def __init__(self, session, state: WeightsState, parent=None):
        super().__init__(parent)
        self.session, self.state = session, state
        self.layout_: tiles.MosaicLayout | None = None
        self.band = 0
        self.updates = 0
        self._dirty = False
        self._probe_key = self._label_key = None
        self._buf = None
        self._lut = tiles.lookup_table()
        self.units_shown: np.ndarray | None = None      # tile position -> unit (None: all, in order)

        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground((24, 28, 36))
        self.glw.ci.setContentsMargins(4, 4, 4, 4)
        self.vb, self.image = _image_box(self.glw)
        self.image.setLookupTable(self._lut)
        self.overlay = TileOverlay()
        self.vb.addItem(self.overlay)
        self.glw.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.glw.scene().sigMouseClicked.connect(self._on_mouse_clicked)

        side = QWidget()
        side.setFixedWidth(230)
        sl = QVBoxLayout(side)
        sl.setContentsMargins(4, 4, 4, 4)
        sl.addWidget(QLabel("<b>Probe digit</b>"))
        self.probe_glw = pg.GraphicsLayoutWidget()
        self.probe_glw.setFixedSize(120, 120)
        self.probe_vb, self.probe_image = _image_box(self.probe_glw)
        sl.addWidget(self.probe_glw, 0, Qt.AlignHCenter)
        self.label_bars = LabelBars(90, "P(label | probe)")     # labelled models only
        sl.addWidget(self.label_bars)
        form = QFormLayout()
        self.probe_spin = QSpinBox()       # -1 (shown as the digit's name): a digit that is no test digit
        self.probe_spin.setRange(0, 0)
        self.probe_spin.setToolTip(DATA_HELP["probe"])
        self.probe_spin.valueChanged.connect(lambda v: state.choose_probe(v) if v >= 0 else None)
        form.addRow("Test digit #", self.probe_spin)
        self.threshold_spin = QDoubleSpinBox()
        self.threshold_spin.setRange(0.0, 1.0)
        self.threshold_spin.setSingleStep(0.05)
        self.threshold_spin.setDecimals(2)
        self.threshold_spin.setToolTip(DATA_HELP["prob_threshold"])
        form.addRow("Red border at P >=", self.threshold_spin)
        self.per_tile = QCheckBox("Scale tiles separately")
        self.per_tile.setToolTip(DATA_HELP["per_tile"])
        form.addRow(self.per_tile)
        sl.addLayout(form)
        self.unit_controls = UnitControls(self, sl)     # sort, filter, knock out many
        self.marked_button = self.unit_controls.marked_button
        self.active_label = QLabel()
        self.active_label.setWordWrap(True)
        sl.addWidget(self.active_label)
        sl.addWidget(QLabel("<b>Selected unit</b> (click a tile)"))
        self.big_glw = pg.GraphicsLayoutWidget()
        self.big_glw.setFixedSize(200, 200)
        self.big_vb, self.big_image = _image_box(self.big_glw)
        sl.addWidget(self.big_glw, 0, Qt.AlignHCenter)
        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self.info_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        sl.addWidget(self.info_label)
        self.hover_label = QLabel("Hover over a tile to see its unit.")
        self.hover_label.setWordWrap(True)
        self.hover_label.setStyleSheet("color:#8a94a6;")
        sl.addWidget(self.hover_label)
        sl.addStretch(1)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.glw, 1)
        lay.addWidget(side)

        bind(state, "threshold", self.threshold_spin)
        bind(state, "per_tile", self.per_tile)
        for name in ("threshold", "per_tile", "order_by", "show_top", "marked"):
            state.connect(name, lambda _v: self.refresh())
        for name in ("probe_index", "probe_digit"):
            state.connect(name, lambda _v: self.refresh(probe=True))
        state.connect("hovered_unit", self._show_hovered)
        session.connect("effective_model", lambda _m: self.refresh())      # frames and unit overrides
        session.connect("data", lambda _d: self.refresh(probe=True))
        session.connect("selected_unit", lambda _k: self.refresh())
        self.refresh(probe=True)

    # ------------------------------------------------------------------ reading (tests, exports)
    @property
    def rbm(self):
        return self.session.model

    @property
    def threshold(self) -> float:
        return float(self.state.threshold)

    @property
    def selected(self) -> int | None:
        return self.session.selected_unit

    def probe_vector(self) -> np.ndarray | None:
        return self.state.probe_vector()

    def flagged_units(self) -> np.ndarray:
        """Units drawn with a red border: P(h_j=1|probe) >= threshold."""
        pos = np.flatnonzero(self.overlay.flagged)
        return pos if self.units_shown is None else self.units_shown[pos]

    # ------------------------------------------------------------------ drawing
    def refresh(self, probe: bool = False) -> None:
        if probe:                    # not per frame: the box changes only with the probe or the data
            self._sync_probe_box()
        if not self.isVisible():
            self._dirty = True       # drawn when shown: no work for a hidden tab
            return
        self._dirty = False
        rbm, st = self.rbm, self.state
        if rbm is None:
            self.image.clear()
            self.overlay.set_state(None, 0, np.zeros(0), np.zeros(0, bool))
            self.big_image.clear()
            self.label_bars.draw(None)
            self._label_key = None
            self.info_label.setText("")
            self.active_label.setText(st.summary())
            return
        units = self.units_shown = st.shown_units()
        n = rbm.n_hidden if units is None else len(units)
        probe = st.probe_vector()
        band = tiles.band_height(rbm.image_shape[0], n, probe is not None)
        lay = tiles.tile_layout(n, rbm.image_shape, band)
        relayout = lay != self.layout_ or band != self.band
        if relayout:
            self.layout_, self.band, self._buf = lay, band, None
        self._buf = tiles.weight_mosaic(rbm.W, rbm.image_shape, lay, band, st.per_tile, units=units, out=self._buf)
        self.image.setImage(self._buf, levels=(0, 255), autoLevels=False)
        if relayout:
            h, w = lay.shape
            self.vb.setRange(QRectF(0, 0, w, h), padding=0.01)
        probs = st.probs()
        if probs is None:
            probs = np.full(rbm.n_hidden, np.nan, dtype=np.float32)
        self._draw_probe(probe, rbm.image_shape)
        if (st.computations, probe is None) != self._label_key:    # P(y|probe) changed: not every redraw
            self._label_key = (st.computations, probe is None)
            self.label_bars.draw(st.label_probs())
        self.active_label.setText(" ".join(t for t in (st.summary(), st.order_text()) if t))
        order = np.arange(rbm.n_hidden) if units is None else units
        forced = self.session.overrides
        status = np.array([{"off": 1, "on": 2}.get(forced.status(int(k)), 0) for k in order], dtype=np.int8) \
            if forced.active else np.zeros(n, dtype=np.int8)
        marked = np.isin(order, list(st.marked)) if st.marked else np.zeros(n, dtype=bool)
        self.overlay.set_state(lay, band, probs[order], st.flagged()[order], self.position_of(self.selected),
                               status, marked)
        self._show_selected()
        self.updates += 1

    def _sync_probe_box(self) -> None:
        """"Test digit #" shows the probing digit: its index, or its name when it is no test digit."""
        st, spin = self.state, self.probe_spin
        spin.blockSignals(True)
        spin.setRange(-1 if st.probe_digit is not None else 0, max(0, st.n_probes - 1))
        if st.probe_digit is not None:
            spin.setSpecialValueText(st.probe_name())
            spin.setValue(-1)
        else:
            spin.setSpecialValueText("")
            spin.setValue(st.probe_index)
        spin.blockSignals(False)

    def _draw_probe(self, probe, image_shape) -> None:
        key = (self.state.probe_index, id(self.state.probe_digit), id(self.session.data), probe is None)
        if key == self._probe_key:      # the probe image changes rarely: not on every frame
            return
        self._probe_key = key
        if probe is None:
            self.probe_image.clear()
            return
        self.probe_image.setImage(ink_display(probe.reshape(image_shape)), levels=(0, 1), autoLevels=False)
        self.probe_vb.autoRange(padding=0.02)

    def _show_selected(self) -> None:
        """The selected unit's picture and text, both from the model shown now."""
        rbm, k = self.rbm, self.selected
        if rbm is None or k is None or not 0 <= k < rbm.n_hidden:
            self.big_image.clear()
            self.info_label.setText("")
            return
        tile = rbm.W[:, k].reshape(rbm.image_shape)
        s = float(np.abs(tile).max()) or 1.0
        self.big_image.setImage(np.ascontiguousarray(tile, dtype=np.float32), levels=(-s, s), autoLevels=False)
        self.big_image.setLookupTable(self._lut[:255])
        self.big_vb.autoRange(padding=0.02)
        self.info_label.setText(self.state.unit_text(k).replace("\n", " · "))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    # ------------------------------------------------------------------ hover and click
    def position_of(self, k: int | None) -> int | None:
        """Tile position of unit k (None when it is not shown)."""
        return tiles.tile_position(self.layout_, self.units_shown, k)

    def unit_at(self, x: float, y: float) -> int | None:
        """Hidden unit whose tile (label band included) covers mosaic pixel (x, y), or None."""
        return tiles.unit_at(self.layout_, self.units_shown, x, y)

    def tile_center(self, k: int) -> QPointF:
        """Centre of unit k's tile image in mosaic pixels (for tests and tools)."""
        x, y, w, h = tiles.image_rect(self.layout_, self.position_of(k), self.band)
        return QPointF(x + w / 2, y + h / 2)

    def knock_out_shown(self) -> None:
        self.unit_controls.knock_out_shown()

    def hover_text(self, k: int) -> str:
        return self.state.unit_text(k)

    def _unit_at_scene(self, scene_pos) -> int | None:
        if self.rbm is None:
            return None
        p = self.image.mapFromScene(scene_pos)
        return self.unit_at(p.x(), p.y())

    def _on_mouse_moved(self, scene_pos) -> None:
        k = self._unit_at_scene(scene_pos)
        self.state.hovered_unit = k
        if k is not None:
            view = self.glw
            QToolTip.showText(view.mapToGlobal(view.mapFromScene(scene_pos)), self.hover_text(k), view)

    def _show_hovered(self, k) -> None:
        text = self.state.unit_text(k)
        self.hover_label.setText(f"Under the mouse: {text.replace(chr(10), ' · ')}" if text
                                 else "Hover over a tile to see its unit.")

    def _on_mouse_clicked(self, event) -> None:
        k = self._unit_at_scene(event.scenePos())
        if k is None:
            return
        if event.modifiers() & Qt.ControlModifier:      # mark several units (Knock out marked)
            self.state.toggle_marked(k)
            return
        self.select_unit(k)
        self.unitClicked.emit(k)

    def select_unit(self, k: int) -> None:
        self.state.select_unit(k)


def make(session, states, window) -> WeightsView:
    return WeightsView(session, states.weights)

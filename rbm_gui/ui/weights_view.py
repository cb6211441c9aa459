"""The weights view: every hidden unit's incoming weights as ONE mosaic image, with overlays.

Beside the mosaic: the probe digit; each tile carries P(h_j=1 | probe) (printed in a band above
the tile when the tiles are large enough on screen, always in the hover text) and a red border
when it is at least the threshold (the blog's Figure 3, live). Borders and labels are drawn by
one light overlay item, not one item per tile, so the view stays fast for 1,000+ units.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QSpinBox, QToolTip, QVBoxLayout, QWidget)

from rbm_gui.engine.rbm import RBM
from rbm_gui.ui import tiles
from rbm_gui.app.data import DATA_HELP

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

RED = QColor(230, 30, 30)


class TileOverlay(pg.GraphicsObject):
    """Red borders around flagged tiles and probability labels in the band above each tile."""

    def __init__(self):
        super().__init__()
        self.mosaic_layout: tiles.MosaicLayout | None = None
        self.band = 0
        self.probs = np.zeros(0)
        self.flagged = np.zeros(0, dtype=bool)
        self._pen = QPen(RED)
        self._pen.setCosmetic(True)
        self._pen.setWidthF(2.0)
        self.labels_drawn = 0       # labels painted last time (tests and the screenshot check it)

    def set_state(self, layout, band: int, probs: np.ndarray, flags: np.ndarray) -> None:
        if layout != self.mosaic_layout:
            self.prepareGeometryChange()
        self.mosaic_layout, self.band, self.probs, self.flagged = layout, band, probs, flags
        self.update()

    def boundingRect(self) -> QRectF:
        if self.mosaic_layout is None:
            return QRectF()
        h, w = self.mosaic_layout.shape
        return QRectF(-2, -2, w + 4, h + 4)

    def paint(self, painter, option, widget=None):
        if self.mosaic_layout is None or not len(self.probs):
            return
        lay, band = self.mosaic_layout, self.band
        painter.setPen(self._pen)
        painter.setBrush(Qt.NoBrush)
        for k in np.flatnonzero(self.flagged):
            x, y, w, h = tiles.image_rect(lay, int(k), band)
            painter.drawRect(QRectF(x - 0.5, y - 0.5, w + 1.0, h + 1.0))
        self.labels_drawn = 0
        if not band:
            return
        tr = painter.transform()
        th, tw = lay.tile_shape
        probe = tr.mapRect(QRectF(0, 0, tw, band))
        if probe.height() < 9 or probe.width() < 26:
            return       # too small on screen: the numbers are in the hover text instead
        font = QFont()
        font.setPixelSize(int(min(13, max(8, probe.height() * 0.8))))
        painter.save()
        painter.resetTransform()
        painter.setFont(font)
        digits = 2 if probe.width() < 40 else 3
        for k, p in enumerate(self.probs):
            y, x = lay.origin(k)
            rect = tr.mapRect(QRectF(x, y, tw, band))
            painter.setPen(RED if self.flagged[k] else QColor(235, 235, 235))
            painter.drawText(rect, Qt.AlignCenter, f"{p:.{digits}f}")
            self.labels_drawn += 1
        painter.restore()


def _image_box(glw: pg.GraphicsLayoutWidget, row: int = 0, col: int = 0) -> tuple[pg.ViewBox, pg.ImageItem]:
    vb = glw.addViewBox(row=row, col=col, lockAspect=True, invertY=True, enableMenu=False)
    vb.setMouseEnabled(False, False)
    img = pg.ImageItem()
    vb.addItem(img)
    return vb, img


class WeightsView(QWidget):
    """Mosaic of all hidden units; probe digit, threshold and the selected tile at the side."""

    unitSelected = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rbm: RBM | None = None
        self.probes: np.ndarray | None = None
        self.image_shape = (28, 28)
        self.layout_: tiles.MosaicLayout | None = None
        self.band = 0
        self.probs = np.zeros(0, dtype=np.float32)
        self.selected: int | None = None
        self.updates = 0
        self._probe_key = None
        self._custom_probe: np.ndarray | None = None     # the explorer's selected digit, if any
        self._custom_serial = 0
        self._buf = None
        self._lut = tiles.lookup_table()

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
        form = QFormLayout()
        self.probe_spin = QSpinBox()
        self.probe_spin.setRange(0, 0)
        self.probe_spin.setToolTip(DATA_HELP["probe"])
        self.probe_spin.valueChanged.connect(lambda _: self.set_probe_digit(None))
        form.addRow("Test digit #", self.probe_spin)
        self.threshold_spin = QDoubleSpinBox()
        self.threshold_spin.setRange(0.0, 1.0)
        self.threshold_spin.setSingleStep(0.05)
        self.threshold_spin.setDecimals(2)
        self.threshold_spin.setValue(0.5)
        self.threshold_spin.setToolTip(DATA_HELP["prob_threshold"])
        self.threshold_spin.valueChanged.connect(lambda _: self.refresh())
        form.addRow("Red border at P >=", self.threshold_spin)
        self.per_tile = QCheckBox("Scale tiles separately")
        self.per_tile.setToolTip(DATA_HELP["per_tile"])
        self.per_tile.toggled.connect(lambda _: self.refresh())
        form.addRow(self.per_tile)
        sl.addLayout(form)
        self.active_label = QLabel()
        self.active_label.setWordWrap(True)
        sl.addWidget(self.active_label)
        sl.addWidget(QLabel("<b>Selected unit</b> (click a tile)"))
        self.big_glw = pg.GraphicsLayoutWidget()
        self.big_glw.setFixedSize(200, 200)
        self.big_vb, self.big_image = _image_box(self.big_glw)
        sl.addWidget(self.big_glw, 0, Qt.AlignHCenter)
        self.info_label = QLabel("Hover over a tile to see its unit.")
        self.info_label.setWordWrap(True)
        self.info_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        sl.addWidget(self.info_label)
        sl.addStretch(1)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.glw, 1)
        lay.addWidget(side)

    # ------------------------------------------------------------------ data in
    def set_probes(self, probes: np.ndarray | None, image_shape) -> None:
        self.probes = probes
        if probes is not None and len(probes):
            self.probe_spin.setRange(0, len(probes) - 1)
        self.image_shape = tuple(image_shape)
        self.refresh()

    def set_model(self, rbm: RBM | None) -> None:
        """Show these parameters (a snapshot; never modified here)."""
        self.rbm = rbm
        if rbm is not None:
            self.image_shape = tuple(rbm.image_shape)
        self.refresh()

    @property
    def threshold(self) -> float:
        return float(self.threshold_spin.value())

    def set_probe_digit(self, vector, source: str = "") -> None:
        """Probe with this digit (the explorer's selection); None = the test digit of the spin box."""
        self._custom_probe = None if vector is None else np.asarray(vector, dtype=np.float32).reshape(-1)
        self._custom_serial += 1
        self.refresh()

    def probe_vector(self) -> np.ndarray | None:
        c = self._custom_probe
        if c is not None and (self.rbm is None or len(c) == self.rbm.n_visible):
            return c
        if self.probes is None or not len(self.probes):
            return None
        if self.rbm is not None and self.probes.shape[1] != self.rbm.n_visible:
            return None
        return self.probes[self.probe_spin.value()]

    def flagged_units(self) -> np.ndarray:
        """Units drawn with a red border: P(h_j=1|probe) >= threshold."""
        return np.flatnonzero(self.overlay.flagged)

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        rbm = self.rbm
        if rbm is None:
            self.image.clear()
            self.overlay.set_state(None, 0, np.zeros(0), np.zeros(0, bool))
            self.big_image.clear()
            return
        n = rbm.n_hidden
        probe = self.probe_vector()
        band = tiles.band_height(rbm.image_shape[0], n, probe is not None)
        lay = tiles.tile_layout(n, rbm.image_shape, band)
        if lay != self.layout_ or band != self.band:
            self.layout_, self.band, self._buf = lay, band, None
            relayout = True
        else:
            relayout = False
        self._buf = tiles.weight_mosaic(rbm.W, rbm.image_shape, lay, band, self.per_tile.isChecked(),
                                        out=self._buf)
        self.image.setImage(self._buf, levels=(0, 255), autoLevels=False)
        if relayout:
            h, w = lay.shape
            self.vb.setRange(QRectF(0, 0, w, h), padding=0.01)
        if probe is not None:
            self.probs = rbm.hidden_probs(probe)[0]
            flags = self.probs >= self.threshold
            key = (id(self.probes), self.probe_spin.value(), self._custom_serial)
            if key != self._probe_key:      # the probe image changes rarely: not on every frame
                self._probe_key = key
                self.probe_image.setImage(probe.reshape(rbm.image_shape).astype(np.float32),
                                          levels=(0, 1), autoLevels=False)
                self.probe_vb.autoRange(padding=0.02)
            on = int(flags.sum())
            self.active_label.setText(f"{on} of {n} units have P(h=1|v) >= {self.threshold:g} "
                                      "(red borders).")
        else:
            self.probs = np.full(n, np.nan, dtype=np.float32)
            flags = np.zeros(n, dtype=bool)
            self.active_label.setText("No probe digit (the data does not match the model).")
        self.overlay.set_state(lay, band, self.probs, flags)
        if self.selected is None or self.selected >= n:
            self.selected = 0
        if self.selected < n:
            self._show_big(self.selected)
        self.updates += 1

    def _show_big(self, k: int) -> None:
        rbm = self.rbm
        tile = rbm.W[:, k].reshape(rbm.image_shape)
        s = float(np.abs(tile).max()) or 1.0
        self.big_image.setImage(np.ascontiguousarray(tile, dtype=np.float32), levels=(-s, s), autoLevels=False)
        self.big_image.setLookupTable(self._lut[:255])
        self.big_vb.autoRange(padding=0.02)

    # ------------------------------------------------------------------ hover and click
    def unit_at(self, x: float, y: float) -> int | None:
        """Hidden unit whose tile (label band included) covers mosaic pixel (x, y), or None."""
        if self.layout_ is None:
            return None
        return self.layout_.tile_at(y, x)

    def tile_center(self, k: int) -> QPointF:
        """Centre of tile k's image in mosaic pixels (for tests and tools)."""
        x, y, w, h = tiles.image_rect(self.layout_, k, self.band)
        return QPointF(x + w / 2, y + h / 2)

    def hover_text(self, k: int) -> str:
        rbm = self.rbm
        norm = float(np.linalg.norm(rbm.W[:, k]))
        p = float(self.probs[k]) if k < len(self.probs) else float("nan")
        ptxt = f"{p:.4f}" if np.isfinite(p) else "n/a"
        return (f"unit {k}\nbias c = {float(rbm.c[k]):+.4f}\n|w| = {norm:.4f}\n"
                f"P(h={1}|probe) = {ptxt}")

    def _unit_at_scene(self, scene_pos) -> int | None:
        if self.rbm is None:
            return None
        p = self.image.mapFromScene(scene_pos)
        return self.unit_at(p.x(), p.y())

    def _on_mouse_moved(self, scene_pos) -> None:
        k = self._unit_at_scene(scene_pos)
        if k is None:
            return
        text = self.hover_text(k)
        self.info_label.setText(text.replace("\n", " · "))
        view = self.glw
        QToolTip.showText(view.mapToGlobal(view.mapFromScene(scene_pos)), text, view)

    def _on_mouse_clicked(self, event) -> None:
        k = self._unit_at_scene(event.scenePos())
        if k is not None:
            self.select_unit(k)

    def select_unit(self, k: int) -> None:
        self.selected = int(k)
        self._show_big(self.selected)
        self.info_label.setText(self.hover_text(self.selected).replace("\n", " · "))
        self.unitSelected.emit(self.selected)

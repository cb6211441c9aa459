"""Light items over the dream mosaic: the clamped pixels tinted in every chain (one RGBA ImageItem)
and, for labelled models, each chain's most likely digit in its tile's corner (one TextItem per chain,
at most 16, whose text is set only when the digit changes: setting 16 texts per redraw cost ~4 ms).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from rbm_gui.ui.views.class_strip import class_colour
from rbm_gui.ui.views.mask_brush import mask_rgba
from rbm_gui.viz.mosaic import MosaicLayout, mosaic

#: the mosaic's tint is lighter than the brush's: the chains stay readable under it
MOSAIC_TINT = (30, 110, 255, 70)


class MosaicOverlays:
    def __init__(self, vb: pg.ViewBox):
        self.vb = vb
        self.tint = pg.ImageItem()
        self.tint.setZValue(5)
        vb.addItem(self.tint)
        self.labels: list[pg.TextItem] = []
        self.texts: list[str] = []         # what each label shows (tests read it)
        self._tint_key = None
        self._placed: MosaicLayout | None = None      # the layout the labels were placed for

    def draw_mask(self, layout: MosaicLayout | None, mask: np.ndarray | None) -> None:
        """Tint the clamped pixels of every tile (nothing without a mask)."""
        if self._tint_key is not None and self._tint_key[0] == layout and self._tint_key[1] is mask:
            return
        self._tint_key = (layout, mask)      # the mask itself: masks are never edited in place
        if layout is None or mask is None or mask.size != layout.tile_shape[0] * layout.tile_shape[1]:
            self.tint.clear()
            return
        tiles = np.broadcast_to(np.asarray(mask, bool).reshape(layout.tile_shape), (layout.n, *layout.tile_shape))
        on = mosaic(tiles.astype(np.uint8), cols=layout.cols, pad=layout.pad, fill=0) > 0
        self.tint.setImage(mask_rgba(on, on.shape, MOSAIC_TINT), levels=(0, 255), autoLevels=False)

    def draw_labels(self, layout: MosaicLayout | None, probs: np.ndarray | None) -> None:
        """Each chain's most likely digit (argmax of ``probs``, (n_chains, n_labels)) in its tile's corner."""
        n = 0 if layout is None or probs is None else layout.n
        while len(self.labels) < n:
            item = pg.TextItem(anchor=(0, 0), color="w")
            font = item.textItem.font()
            font.setBold(True)
            item.setFont(font)
            item.setZValue(10)
            self.vb.addItem(item)
            self.labels.append(item)
            self.texts.append("")
        for i, item in enumerate(self.labels):
            item.setVisible(i < n)
        if not n:
            return
        best = np.argmax(probs, axis=1)
        place = layout != self._placed
        self._placed = layout
        for i in range(n):
            k = int(best[i])
            text = str(k)
            if text != self.texts[i]:
                self.texts[i] = text
                # white on the class colour: readable for every class, and the strip's colour key
                self.labels[i].fill = pg.mkBrush(*class_colour(k), 230)
                self.labels[i].setText(text)
            if place:
                y, x = layout.origin(i)
                self.labels[i].setPos(x, y)

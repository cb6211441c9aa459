"""What is drawn over the dream mosaic: the clamped pixels tinted in every chain (mixed into the
mosaic's own pixels, ``viz/tint.py``) and, for labelled models, each chain's most likely digit in its
tile's corner (one TextItem per chain, at most 16, whose text is set only when the digit changes:
setting 16 texts per redraw cost ~4 ms).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from rbm_gui.ui.views.class_strip import class_colour
from rbm_gui.viz.mosaic import MosaicLayout
from rbm_gui.viz.tint import tint_table, tiled_mask, tinted_rgba


class MosaicOverlays:
    def __init__(self, vb: pg.ViewBox):
        self.vb = vb
        self.labels: list[pg.TextItem] = []
        self.texts: list[str] = []         # what each label shows (tests read it)
        self.tinted: np.ndarray | None = None     # (H, W) bool mosaic of the tinted pixels, or None
        self._table = tint_table()
        self._tint_key = None
        self._placed: MosaicLayout | None = None      # the layout the labels were placed for

    def rgba(self, frame: np.ndarray, layout: MosaicLayout | None, mask: np.ndarray | None) -> np.ndarray:
        """(H, W, 4) uint8 picture of the uint8 grey mosaic ``frame`` with the clamped pixels of every
        tile tinted (``mask`` (h, w) bool, or None)."""
        if self._tint_key is None or self._tint_key[0] != layout or self._tint_key[1] is not mask \
                or (self.tinted is not None and self.tinted.shape != frame.shape):
            self._tint_key = (layout, mask)      # the mask itself: masks are never edited in place
            self.tinted = None
            if layout is not None and mask is not None:
                on = tiled_mask(mask, layout)
                self.tinted = on if on is not None and on.shape == frame.shape else None
        return tinted_rgba(frame, self.tinted, self._table)

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


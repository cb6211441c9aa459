"""P(label | digit) of a labelled model as ten bars, the most probable one red (hidden otherwise).

One widget for every place a digit is shown with its label probabilities: the Reconstruct tab
(the selected or drawn digit) and the Weights tab (the probe digit).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

BAR, BEST = "#7a8ca5", "#d9534f"


class LabelBars(pg.PlotWidget):
    """Exact P(y|v) as bars; ``draw(None)`` hides it (an unlabelled model, no digit)."""

    def __init__(self, height: int = 120, title: str = "P(label | digit), exact"):
        super().__init__(background="w")
        self.title = title
        self.probs = None                     # the last P(y|v) drawn (tests read it)
        self.setFixedHeight(height)
        self.setVisible(False)
        plot = self.getPlotItem()
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setYRange(0, 1, padding=0.02)
        plot.getAxis("left").setTicks([[(0, "0"), (0.5, ".5"), (1, "1")]])
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen("k")
            plot.getAxis(axis).setPen("k")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=BAR)
        plot.addItem(self.bars)

    @property
    def shown(self) -> bool:
        return not self.isHidden()

    def draw(self, p: np.ndarray | None) -> None:
        self.probs = p
        self.setVisible(p is not None)
        if p is None:
            return
        x = np.arange(len(p))
        best = int(np.argmax(p))
        self.bars.setOpts(x=x, height=p, brushes=[BEST if i == best else BAR for i in x])
        plot = self.getPlotItem()
        plot.getAxis("bottom").setTicks([[(int(i), str(int(i))) for i in x]])
        plot.setXRange(-0.6, len(p) - 0.4, padding=0)
        plot.setTitle(f"{self.title}: most probable {best} ({p[best]:.3f})", color="k", size="9pt")

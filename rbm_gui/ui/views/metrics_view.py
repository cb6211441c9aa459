"""The metrics view: per-epoch monitors (computed in the worker) and histograms of W, b and c.

The monitors follow Hinton's practical guide: reconstruction error (a rough guide only), the
free energy of training vs validation digits (a growing gap means over-fitting), the
pseudo-log-likelihood, the exact log-likelihood for small models, the learning rate, and
histograms of the parameters. An AIS bracket (Training > Estimate log-likelihood: forward AIS
above, reverse below, history columns ``ais_forward`` / ``ais_reverse``) is an error bar on the
log-likelihood plot at the epoch it was measured at.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from rbm_gui.app.view_state import parameter_histograms
from rbm_gui.engine.monitor import METRIC_LABELS

LOGLIK_PLOT = "Log-likelihood (nats/image)"
BRACKET_KEYS = ("ais_forward", "ais_reverse")      # history columns of the AIS brackets
#: plot title -> [(history key, legend name, colour)]
ACCURACY_PLOT = "Held-out accuracy (labelled models)"
PLOTS = [
    ("Reconstruction MSE", [("recon_mse_train", "train", "#4fa3ff"), ("recon_mse_val", "validation", "#ffb347")]),
    ("Mean free energy", [("free_energy_train", "train", "#4fa3ff"), ("free_energy_val", "validation", "#ffb347")]),
    ("Free-energy gap (val - train)", [("free_energy_gap", "gap", "#ff6f6f")]),
    (LOGLIK_PLOT, [("pll_val", "pseudo (val)", "#9be564"), ("loglik_train", "exact train", "#4fa3ff"),
                                     ("loglik_val", "exact val", "#ffb347")]),
    ("Learning rate", [("learning_rate", "lr", "#d7d7d7")]),
    ("Hidden units almost never on", [("dead_units", "dead units", "#c792ea")]),
    (ACCURACY_PLOT, [("accuracy_val", "P(y|v) argmax", "#ff79c6")]),
]
HISTOGRAMS = [("W", "Weights W", "#4fa3ff"), ("b", "Visible biases b", "#9be564"), ("c", "Hidden biases c", "#ffb347")]


class MetricsView(QWidget):
    """Binds to the session's ``history`` (curves) and ``model`` (histograms, throttled)."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.history: dict[str, list[float]] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.hist_curves: dict[str, pg.PlotDataItem] = {}
        self._legend: dict[str, tuple] = {}
        self._last_hist = 0.0
        self._pending_params = None
        self.hist_updates = 0
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground((24, 28, 36))
        self.plots: dict[str, pg.PlotItem] = {}
        for i, (title, series) in enumerate(PLOTS):
            p = self.glw.addPlot(row=i // 3, col=i % 3, title=title)
            p.showGrid(x=True, y=True, alpha=0.2)
            p.setLabel("bottom", "epoch")
            p.getAxis("bottom").enableAutoSIPrefix(False)     # one point must not read "epoch (x0.001)"
            # the log-likelihood rises: its legend sits bottom right, away from the late epochs' brackets
            corner = (-5, -5) if title == LOGLIK_PLOT else (-5, 5)
            legend = p.addLegend(offset=corner, labelTextSize="8pt") if len(series) > 1 else None
            for key, name, colour in series:
                curve = p.plot([], [], name=name, pen=pg.mkPen(colour, width=2),
                               symbol="o", symbolSize=4, symbolBrush=colour, symbolPen=None)
                curve.setToolTip(METRIC_LABELS.get(key, key))
                self.curves[key] = curve
                self._legend[key] = (legend, name)
            self.plots[title] = p
        # the AIS brackets: one vertical bar per measured epoch, from the reverse to the forward estimate
        self.bracket = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), top=np.zeros(0), bottom=np.zeros(0),
                                       beam=0.3, pen=pg.mkPen("#ff79c6", width=2))
        self.bracket.setToolTip("AIS bracket of the held-out log-likelihood: forward AIS (optimistic) at the "
                                "top, reverse AIS (pessimistic) at the bottom")
        self.bracket.setVisible(False)
        self.plots[LOGLIK_PLOT].addItem(self.bracket)
        # both ends marked too: a narrow bracket (a well-annealed one) is otherwise a hairline
        self.bracket_ends = pg.ScatterPlotItem(symbol="d", size=7, brush="#ff79c6", pen=None)
        self.bracket_ends.setVisible(False)
        self.plots[LOGLIK_PLOT].addItem(self.bracket_ends)
        self._legend["_bracket"] = (self.plots[LOGLIK_PLOT].legend, "AIS bracket")
        row = (len(PLOTS) + 2) // 3
        for j, (key, title, colour) in enumerate(HISTOGRAMS):
            p = self.glw.addPlot(row=row, col=j, title=f"{title} (histogram)")
            p.showGrid(x=True, y=False, alpha=0.2)
            p.hideAxis("left")
            c = p.plot([], [], stepMode="center", fillLevel=0, brush=colour + "80", pen=pg.mkPen(colour))
            self.hist_curves[key] = c
            self.plots[title] = p
        self.note = QLabel()
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.glw, 1)
        lay.addWidget(self.note)
        # the model with its forced units (knocked out / forced on) beside the trained one
        from rbm_gui.app.unit_overrides import metrics_text
        self.overrides_note = QLabel()
        self.overrides_note.setStyleSheet("color:#a04e00;")
        self.overrides_note.setWordWrap(True)
        lay.addWidget(self.overrides_note)
        o = session.overrides
        for name in ("metrics", "forced"):
            o.connect(name, lambda _v: self.overrides_note.setText(metrics_text(o)))
        self.set_history(session.history or {})
        session.connect("history", lambda h: self.set_history(h or {}))
        session.connect("model", self.set_parameters)
        session.model_replaced.connect(lambda *_: self.set_parameters(session.model, force=True))
        if session.model is not None:
            self.set_parameters(session.model, force=True)

    def set_history(self, history: dict[str, list[float]]) -> None:
        self.history = {k: list(v) for k, v in history.items()}
        self._redraw_curves()

    def _redraw_curves(self) -> None:
        epochs = np.asarray(self.history.get("epoch", []), dtype=float)
        acc = np.asarray(self.history.get("accuracy_val", []), dtype=float)
        self.plots[ACCURACY_PLOT].setVisible(bool(np.isfinite(acc).any()))    # labelled models only
        for key, curve in self.curves.items():
            y = np.asarray(self.history.get(key, []), dtype=float)
            n = min(len(epochs), len(y))
            x, y = epochs[:n], y[:n]
            ok = np.isfinite(y)
            # unmeasured epochs (NaN) break the line: sparse points must not read as a straight trend
            curve.setData(x, y, connect="finite")
            shown = bool(ok.any()) or not epochs.size
            curve.setVisible(shown)
            legend, name = self._legend[key]
            if legend is not None:    # no legend entry for a series without data (e.g. exact LL at 400 units)
                listed = any(label.text == name for _, label in legend.items)
                if shown and not listed:
                    legend.addItem(curve, name)
                elif not shown and listed:
                    legend.removeItem(curve)
        for title, _series in PLOTS:   # one epoch axis for all plots, even for a single point
            if epochs.size:
                self.plots[title].setXRange(0, max(1.0, float(epochs.max())), padding=0.03)
                self.plots[title].enableAutoRange(axis="y")
            else:                       # a new model: no axes left over from the old one
                self.plots[title].enableAutoRange()
        self._redraw_bracket(epochs)
        ll = self.history.get("loglik_val") or self.history.get("loglik_train") or []
        if epochs.size and not any(math.isfinite(v) for v in ll):
            self.note.setText("Exact log-likelihood is computed only for models with at most 20 hidden units "
                              "(it enumerates 2^n_hidden states); the pseudo-log-likelihood is shown always. "
                              "Training > Estimate log-likelihood brackets it for any size.")
        else:
            self.note.setText("Points mark the epochs the metrics were measured at: they run beside training, "
                              "within a tenth of its time, so fast training gets fewer points; the last epoch "
                              "always gets them." if epochs.size else "Metrics appear as epochs end.")

    def bracket_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(epochs, reverse, forward) of the brackets in the history, finite ones only."""
        epochs = np.asarray(self.history.get("epoch", []), dtype=float)
        fwd, rev = (np.asarray(self.history.get(k, []), dtype=float) for k in BRACKET_KEYS)
        n = min(len(epochs), len(fwd), len(rev))
        ok = np.isfinite(fwd[:n]) & np.isfinite(rev[:n])
        return epochs[:n][ok], rev[:n][ok], fwd[:n][ok]

    def _redraw_bracket(self, epochs: np.ndarray) -> None:
        x, lo, hi = self.bracket_points()
        half = np.abs(hi - lo) / 2         # a reverse estimate above the forward one still draws
        self.bracket.setData(x=x, y=(hi + lo) / 2, top=half, bottom=half)
        self.bracket_ends.setData(x=np.concatenate([x, x]), y=np.concatenate([lo, hi]))
        for item in (self.bracket, self.bracket_ends):
            item.setVisible(bool(x.size))
        legend, name = self._legend["_bracket"]
        listed = any(label.text == name for _, label in legend.items)
        if x.size and not listed:
            legend.addItem(self.bracket_ends, name)
        elif not x.size and listed:
            legend.removeItem(self.bracket_ends)

    def plots_item(self):
        """The graphics item holding every plot (the Export menu renders it)."""
        return self.glw.ci

    def n_points(self, key: str) -> int:
        x, _ = self.curves[key].getData()
        return 0 if x is None else len(x)

    def set_parameters(self, rbm, force: bool = False) -> None:
        """Histograms of W, b, c; at most ~2 updates/s, and only while visible."""
        self._pending_params = rbm
        now = time.perf_counter()
        if rbm is None or (not force and (not self.isVisible() or now - self._last_hist < 0.5)):
            return
        self._last_hist = now
        self._pending_params = None
        for key, (edges, counts) in parameter_histograms(rbm).items():
            self.hist_curves[key].setData(edges, counts)
        self.hist_updates += 1

    def showEvent(self, event):
        super().showEvent(event)
        if self._pending_params is not None:
            self.set_parameters(self._pending_params, force=True)


def make(session, states, window) -> MetricsView:
    return MetricsView(session)

"""The state of each view (what it shows and how), Qt-free: the tab widgets bind to these and only draw.

Every view state reads the :class:`~rbm_gui.app.session.Session` (model, data, selected digit and
unit) and holds the view's own options. Numbers a view shows are computed here, once per change of
what they depend on (e.g. the probe's P(h|v) when the model or the probe changes, not per redraw).
:class:`ViewStates` builds them all for one session. The dream and the reconstruction explorer
live in :mod:`rbm_gui.app.dream_state` and :mod:`rbm_gui.app.explorer_state`, the gallery in
:mod:`rbm_gui.app.gallery_state`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rbm_gui.app.observable import Prop, State
from rbm_gui.viz.gallery import SelectedDigit

#: (low, high) of the numeric view options, or the allowed values (restoring stored settings checks them).
VIEW_LIMITS = {
    "threshold": (0.0, 1.0), "first_unit": (0, 100_000), "count": (1, 100), "zoom": (1, 6),
    "split": ("test", "train"), "label_filter": (-1, 9),
    "order_by": ("unit", "activity", "selectivity", "weight_norm"), "show_top": (0, 10_000),
}
#: test digits the mosaic's activity and selectivity are measured on (fast enough for the GUI thread)
ORDER_DIGITS = 2000


def restore_values(state: State, stored: dict, limits: dict | None = None) -> None:
    """Set ``state``'s properties from stored values (e.g. QSettings text); bad or unknown ones are ignored."""
    limits = VIEW_LIMITS if limits is None else limits
    values = {}
    for name, raw in stored.items():
        if name not in state.prop_names() or raw is None:
            continue
        current = getattr(state, name)
        try:
            if isinstance(current, bool):
                value = raw if isinstance(raw, bool) else str(raw).lower() == "true"
            elif isinstance(current, (int, float, str)):
                value = type(current)(float(raw)) if isinstance(current, int) else type(current)(raw)
            else:
                continue
        except (TypeError, ValueError):
            continue
        lim = limits.get(name)
        if lim is not None and isinstance(lim[0], str):
            if value not in lim:
                continue
        elif lim is not None and not lim[0] <= value <= lim[1]:
            continue
        values[name] = value
    state.update(**values)


# ====================================================================================== weights
class WeightsState(State):
    """The weights tab: which digit probes the tiles, the red-border threshold, tile scaling, hover."""

    probe_index = Prop(0, "index of the test digit (session.data.probes) that probes the tiles")
    probe_digit = Prop(None, "a SelectedDigit probing instead (drawn, training split...); None: probe_index")
    threshold = Prop(0.5, "tiles with P(h_j=1|probe) >= this get a red border")
    per_tile = Prop(False, "scale each tile to its own largest weight")
    hovered_unit = Prop(None, "the unit under the mouse, or None")
    order_by = Prop("unit", "tile order: 'unit', or by 'activity' | 'selectivity' | 'weight_norm', highest first")
    show_top = Prop(0, "show only the first N units in that order (0: all)")
    marked = Prop(frozenset(), "units marked by Ctrl+click (to knock out several at once)")

    def __init__(self, session, **values):
        super().__init__(**values)
        self.session = session
        self.computations = 0               # P(h|v) evaluations (tests check they follow changes only)
        self._probs = self._probs_model = self._probs_probe = None
        self._order = self._order_key = None
        self._generation = 0               # bumped per model replaced: cached orders belong to one model
        session.connect("selected_digit", self._on_digit)
        session.connect("data", self._on_data)
        session.model_replaced.connect(self._on_model_replaced)

    # ------------------------------------------------------------------ the probe
    @property
    def n_probes(self) -> int:
        d = self.session.data
        return 0 if d is None else len(d.probes)

    def probe_vector(self) -> np.ndarray | None:
        """(n_visible,) float32 of the probe, or None when there is none of the model's size."""
        model, d = self.session.model, self.session.data
        if self.probe_digit is not None:
            v = np.asarray(self.probe_digit.vector, dtype=np.float32).reshape(-1)
        elif self.n_probes:
            v = d.probes[min(max(self.probe_index, 0), self.n_probes - 1)]
        else:
            return None
        if model is not None and v.size != model.n_visible:
            return None
        return np.asarray(v, dtype=np.float32)

    def probe_name(self) -> str:
        return self.probe_digit.source or "selected digit" if self.probe_digit is not None \
            else f"test digit #{self.probe_index}"

    def choose_probe(self, index: int) -> None:
        """Probe with test digit ``index`` (the "Test digit #" box)."""
        self.update(probe_index=int(index), probe_digit=None)

    def _on_digit(self, digit: SelectedDigit | None) -> None:
        """The selected digit probes the tiles; a test digit also sets "Test digit #" (they agree)."""
        if digit is None:
            return
        d, key = self.session.data, digit.key
        if key is not None and key[0] == "test" and d is not None and 0 <= key[1] < len(d.probes) \
                and np.array_equal(np.asarray(d.probes[key[1]], np.float32), np.asarray(digit.vector, np.float32)):
            self.choose_probe(key[1])
        else:
            self.probe_digit = digit

    def _on_data(self, data) -> None:
        if data is not None and self.probe_index >= len(data.probes):
            self.probe_index = 0

    def _on_model_replaced(self, *_) -> None:
        self._generation += 1
        self.update(hovered_unit=None, marked=frozenset())
        m, s = self.session.model, self.session
        if m is None or s.selected_unit is None or s.selected_unit >= m.n_hidden:
            s.selected_unit = 0 if m is not None else None

    # ------------------------------------------------------------------ what the tiles show
    def probs(self) -> np.ndarray | None:
        """(n_hidden,) float32 P(h_j=1|probe) for the effective model (forced units applied; once per model and probe)."""
        model, v = self.session.effective_model, self.probe_vector()
        if model is None or v is None:
            return None
        if self._probs_model is not model or self._probs_probe is None or not np.array_equal(self._probs_probe, v):
            self._probs = model.hidden_probs(v)[0]
            self._probs_model, self._probs_probe = model, v
            self.computations += 1
        return self._probs

    def flagged(self) -> np.ndarray:
        """bool (n_hidden,): the units drawn with a red border."""
        p = self.probs()
        n = 0 if self.session.model is None else self.session.model.n_hidden
        return np.zeros(n, dtype=bool) if p is None else p >= self.threshold

    def summary(self) -> str:
        p, model = self.probs(), self.session.model
        if model is None:
            return "No model."
        if p is None:
            return "No probe digit (the data does not match the model)."
        return (f"{int((p >= self.threshold).sum())} of {model.n_hidden} units have P(h=1|v) >= "
                f"{self.threshold:g} for {self.probe_name()} (red borders).")

    def unit_text(self, k: int | None) -> str:
        """Facts about hidden unit k of the current model (the selected-unit panel and the hover text)."""
        model = self.session.model
        if model is None or k is None or not 0 <= k < model.n_hidden:
            return ""
        p = self.probs()
        ptxt = f"{float(p[k]):.4f}" if p is not None else "n/a"
        norm = float(np.linalg.norm(model.W[:, k]))
        forced = {"off": " (knocked out)", "on": " (forced on)"}.get(self.session.overrides.status(k), "")
        return (f"unit {k}{forced}\nbias c = {float(model.c[k]):+.4f}\n|w| = {norm:.4f}\n"
                f"P(h=1|probe) = {ptxt}")

    # ------------------------------------------------------------------ tile order and filter
    def shown_units(self) -> np.ndarray | None:
        """Units in tile order (None: all, in unit order). Activity and selectivity are measured on
        the first ORDER_DIGITS test digits, once per epoch and model (not per frame)."""
        model, d = self.session.model, self.session.data
        if model is None or (self.order_by == "unit" and not self.show_top):
            return None
        key = (self._generation, self.session.epochs_done, self.order_by, self.show_top, id(d), model.n_hidden)
        if key != self._order_key:
            from rbm_gui.app import unit_stats
            stats = None
            if self.order_by in ("activity", "selectivity") and d is not None and len(d.probes) \
                    and d.probes.shape[1] == model.n_visible:
                labels = None if d.probe_labels is None else d.probe_labels[:ORDER_DIGITS]
                stats = unit_stats.unit_statistics(model, d.probes[:ORDER_DIGITS], labels, top_k=1)
            order = np.arange(model.n_hidden) if self.order_by == "unit" else \
                unit_stats.ordered_units(unit_stats.sort_keys(stats, model, self.order_by))
            self._order, self._order_key = (order[:self.show_top] if self.show_top else order), key
        return self._order

    def toggle_marked(self, k: int) -> None:
        self.marked = self.marked ^ {int(k)}

    def order_text(self) -> str:
        units, model = self.shown_units(), self.session.model
        if units is None or model is None:
            return ""
        what = {"unit": "in unit order", "activity": "most active first", "selectivity": "most selective first",
                "weight_norm": "largest |w| first"}[self.order_by]
        return f"Showing {len(units)} of {model.n_hidden} units, {what}."

    def select_unit(self, k: int | None) -> None:
        self.session.selected_unit = None if k is None else int(k)


# ====================================================================================== history
class HistoryState(State):
    """The history tab's window onto the tracked units: which columns, how large, how scaled."""

    first_unit = Prop(0, "first tracked unit shown")
    count = Prop(10, "tracked units shown (columns)")
    zoom = Prop(2, "screen pixels per weight pixel")
    per_tile = Prop(True, "scale each tile to its own largest weight (as the blog's Figure 2)")

    def __init__(self, session, **values):
        super().__init__(**values)
        self.session = session

    def columns(self) -> np.ndarray:
        """Indices into the tracked units (session.history_units) of the shown columns."""
        units = self.session.history_units
        n = 0 if units is None else len(units)
        if not n:
            return np.zeros(0, dtype=np.int64)
        first = min(self.first_unit, n - 1)
        return np.arange(first, min(n, first + self.count))


# ====================================================================================== metrics
def parameter_histograms(rbm, bins: int = 60) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"W" | "b" | "c": (edges (bins + 1,), counts (bins,) float)} of the finite parameters."""
    out = {}
    for key in ("W", "b", "c"):
        a = np.asarray(getattr(rbm, key)).ravel()
        a = a[np.isfinite(a)]
        if a.size:
            counts, edges = np.histogram(a, bins=bins)
            out[key] = (edges, counts.astype(float))
    return out


# ====================================================================================== exports
@dataclass
class DreamExportOptions:
    format: str = "gif"          # "gif", "mp4", "png"
    steps: int = 1000
    every: int = 1
    fps: float = 25.0
    scale: int = 8
    draw_step: bool = True
    show: str = "probs"


@dataclass
class FigureOptions:
    kind: str = "weights"
    format: str = "png"          # "png" or "svg"
    scale: int = 4
    count: int = 10              # digits of the reconstruction / averages figures


class ExportState(State):
    """Export options: what the export dialogs start from."""

    dream_options = Prop(factory=DreamExportOptions, doc="the last dream export's options")

    def __init__(self, dream, **values):
        super().__init__(**values)
        self.dream = dream

    def dream_defaults(self) -> DreamExportOptions:
        """The last choices, with the dream panel's steps, picture and speed (fps = its steps/s)."""
        d = self.dream
        return replace(self.dream_options, steps=d.stop_after, show=d.show, fps=float(d.speed))


class ViewStates:
    """Every view's state for one session (the window builds one and hands each view its part)."""

    def __init__(self, session):
        from rbm_gui.app.dream_state import DreamState
        from rbm_gui.app.explorer_state import ExplorerState
        from rbm_gui.app.gallery_state import GalleryState
        self.session = session
        self.weights = WeightsState(session)
        self.history = HistoryState(session)
        self.gallery = GalleryState(session)
        self.dream = DreamState(session)
        self.explorer = ExplorerState(session, self.gallery)
        self.export = ExportState(self.dream)

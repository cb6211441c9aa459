"""The unit inspector's state (Qt-free): which unit, its statistics, its film strip.

Statistics of every unit are measured at once (one pass over the digits gives all units) by
:func:`stats_job` on the runner, for the model shown when it started; the inspector shows them
for any unit without measuring again, and measures anew after an epoch or a new model.
Top digits and class means come from the data set's test digits (the digits the weights view
probes with and the explorer opens by number); mean activations also from the training and
held-out digits.
"""

from __future__ import annotations

import numpy as np

from rbm_gui.app.observable import Prop, State
from rbm_gui.app.unit_stats import Cancelled, UnitStats, unit_statistics

TOP_K = 25
#: film strips longer than this show this many epochs, evenly spread (the first and last included)
STRIP_MAX = 16


class InspectorState(State):
    unit = Prop(None, "the inspected hidden unit, or None")
    stats = Prop(None, "{'train' | 'held_out' | 'test': UnitStats} of the model at ``stats_key``, or None")
    busy = Prop(False, "statistics are being measured")

    def __init__(self, session, **values):
        super().__init__(**values)
        self.session = session
        self.stats_key = None            # (model generation, epochs done, data) the stats belong to
        self._generation = 0
        session.model_replaced.connect(self._on_model_replaced)

    def _on_model_replaced(self, *_) -> None:
        self._generation += 1
        m = self.session.model
        self.update(stats=None, unit=None if m is None or self.unit is None or self.unit >= m.n_hidden else self.unit)

    def current_key(self):
        return (self._generation, self.session.epochs_done, id(self.session.data))

    def needs_stats(self) -> bool:
        s = self.session
        return (s.model is not None and s.data is not None and s.data.n_visible == s.model.n_visible
                and self.stats_key != self.current_key())

    def set_stats(self, key, stats: dict) -> None:
        """Statistics measured for ``key`` (dropped when the model was replaced meanwhile)."""
        if key[0] == self._generation:
            self.stats_key = key
            self.stats = stats

    # ------------------------------------------------------------------ what the inspector shows
    def unit_stats(self, name: str) -> UnitStats | None:
        return None if self.stats is None else self.stats.get(name)

    def top_digits(self) -> tuple[np.ndarray, np.ndarray]:
        """(indices into the test digits, their P(h=1|v)) of the inspected unit, highest first."""
        st = self.unit_stats("test")
        if st is None or self.unit is None or self.unit >= st.n_hidden:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return st.top[self.unit], st.top_probs[self.unit]

    def class_means(self) -> np.ndarray | None:
        st = self.unit_stats("test")
        if st is None or st.class_means is None or self.unit is None or self.unit >= st.n_hidden:
            return None
        return st.class_means[:, self.unit]

    def film_strip(self) -> tuple[np.ndarray, list[int]] | None:
        """((n_shown, n_visible) float32 weights of the unit per epoch, epoch numbers), or None when
        the window does not track this unit (only the first units are kept per epoch)."""
        s, k = self.session, self.unit
        units = s.history_units
        if k is None or units is None or not len(s.weight_history):
            return None
        col = np.flatnonzero(np.asarray(units) == k)
        if not len(col):
            return None
        n = len(s.weight_history)
        first = s.epochs_done - (n - 1)          # weight_history ends at the current epoch
        idx = np.unique(np.linspace(0, n - 1, min(n, STRIP_MAX)).round().astype(int))
        return (np.stack([s.weight_history[i][:, col[0]] for i in idx]).astype(np.float32),
                [int(first + i) for i in idx])

    def describe(self) -> str:
        """Bias, |w|, activities and selectivity of the inspected unit (several lines)."""
        m, k = self.session.model, self.unit
        if m is None or k is None or not 0 <= k < m.n_hidden:
            return "No unit."
        forced = {"off": "knocked out (forced off)", "on": "forced on"}.get(self.session.overrides.status(k), "")
        lines = [f"bias c = {float(m.c[k]):+.4f}", f"|w| = {float(np.linalg.norm(m.W[:, k])):.4f}"]
        d = self.session.data
        names = {"train": "training digits", "held_out": f"held out ({d.held_out_name if d else ''})",
                 "test": "probe digits (Test digit #)"}
        if d is not None and d.held_out is not None and np.may_share_memory(d.held_out, d.probes):
            names.pop("test")            # the held-out digits are the first probe digits: said once
        if self.stats is None:
            lines.append("mean P(h=1|v): measuring..." if self.busy else "mean P(h=1|v): not measured")
        else:
            for name, title in names.items():
                st = self.unit_stats(name)
                if st is not None:
                    lines.append(f"mean P(h=1|v), {title}: {float(st.mean[k]):.4f}")
            test = self.unit_stats("test")
            if test is not None and test.class_means is not None:
                lines.append(f"selectivity: {float(test.selectivity[k]):.3f} (0: all classes alike, 1: one class)")
            if self.stats_key != self.current_key():
                lines.append("(measured at an earlier epoch)")
        if forced:
            lines.append(f"Now {forced}: the views use P(h=1|v) = {0 if forced[0] == 'k' else 1}.")
        return "\n".join(lines)


def stats_job(model, data, control, top_k: int = TOP_K):
    """Generator for the runner: {'train', 'held_out', 'test': UnitStats} of ``model`` on ``data``
    (a PreparedData); returns None when cancelled."""
    stop = lambda: control.cancelled    # noqa: E731
    out = {}
    try:
        out["test"] = unit_statistics(model, data.probes, data.probe_labels, top_k=top_k, should_stop=stop)
        yield "test"
        out["train"] = unit_statistics(model, data.train, top_k=1, should_stop=stop)
        yield "train"
        if data.held_out is not None and len(data.held_out):
            out["held_out"] = unit_statistics(model, data.held_out, top_k=1, should_stop=stop)
    except Cancelled:
        return None
    return out

"""Hidden units knocked out (forced off) or forced on, with undo/redo (Qt-free).

The trained parameters are never touched: :func:`apply` builds an *effective* model that shares
the trained ``W`` and ``b`` and has its own copy of the hidden biases, with each forced unit's bias
pushed far enough that P(h_j=1|v) is exactly 0 (off) or 1 (on) in float32 for every v in [0, 1]:
the margin is sum_i |W_ij| + 50 (sigmoid(50) rounds to 1). That is again an ordinary RBM — a unit
forced off is the same as removing it, one forced on the same as adding its weights to the visible
biases — so reconstructions, dreams and every metric work on it unchanged. Save, autosave and
export write ``session.rbm``, the trained model, never this one.
"""

from __future__ import annotations

import numpy as np

from rbm_gui.app.observable import Prop, State
from rbm_gui.engine.rbm import RBM

MARGIN = 50.0
EMPTY = (frozenset(), frozenset())


def apply(rbm: RBM | None, off=(), on=()) -> RBM | None:
    """The effective model: ``rbm`` with the ``off`` units forced to 0 and the ``on`` units to 1.

    Returns ``rbm`` itself when nothing is forced; otherwise a read-only RBM sharing W, b (and the
    label units U, d of a labelled model).
    """
    if rbm is None:
        return None
    off = [k for k in off if 0 <= k < rbm.n_hidden]
    on = [k for k in on if 0 <= k < rbm.n_hidden]
    if not off and not on:
        return rbm
    c = np.array(rbm.c, dtype=np.float32)
    for units, sign in ((off, -1.0), (on, 1.0)):
        if units:
            idx = np.asarray(sorted(units), dtype=np.int64)
            reach = np.abs(np.asarray(rbm.W[:, idx], dtype=np.float64)).sum(axis=0) + MARGIN
            if rbm.U is not None:       # a labelled model: one label unit is on, adding at most max |U|
                reach += np.abs(np.asarray(rbm.U[:, idx], dtype=np.float64)).max(axis=0)
            c[idx] = (sign * reach).astype(np.float32)
    out = RBM(rbm.W, rbm.b, c, rbm.image_shape, rbm.U, rbm.d)
    out.c.flags.writeable = False
    return out


class UnitOverrides(State):
    """Which units are forced off / on; every change can be undone and redone."""

    forced = Prop(EMPTY, "(frozenset of units forced off, frozenset of units forced on)")
    metrics = Prop(None, "{'trained': {...}, 'effective': {...}} metrics of both models, or None")

    def __init__(self, **values):
        super().__init__(**values)
        self._undo: list[tuple[frozenset, frozenset]] = []
        self._redo: list[tuple[frozenset, frozenset]] = []

    # ------------------------------------------------------------------ reading
    @property
    def off(self) -> frozenset:
        return self.forced[0]

    @property
    def on(self) -> frozenset:
        return self.forced[1]

    @property
    def active(self) -> bool:
        return bool(self.off or self.on)

    def status(self, k: int) -> str:
        """'off', 'on' or '' (as trained) for unit k."""
        return "off" if k in self.off else "on" if k in self.on else ""

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def describe(self) -> str:
        """One sentence for the status bar ('' when no unit is forced)."""
        parts = []
        if self.off:
            parts.append(f"{len(self.off)} unit{'s' if len(self.off) != 1 else ''} knocked out")
        if self.on:
            parts.append(f"{len(self.on)} unit{'s' if len(self.on) != 1 else ''} forced on")
        if not parts:
            return ""
        return " and ".join(parts) + " — Edit > Undo; Save writes the trained model"

    def effective(self, rbm: RBM | None) -> RBM | None:
        return apply(rbm, self.off, self.on)

    # ------------------------------------------------------------------ changing (undoable)
    def _set(self, off, on) -> bool:
        new = (frozenset(int(k) for k in off), frozenset(int(k) for k in on))
        if new == self.forced:
            return False
        self._undo.append(self.forced)
        self._redo.clear()
        self.forced = new
        return True

    def knock_out(self, units) -> bool:
        """Force ``units`` (ints) off; they stop being forced on. False when nothing changed."""
        units = {int(k) for k in np.atleast_1d(units)}
        return self._set(self.off | units, self.on - units)

    def force_on(self, units) -> bool:
        units = {int(k) for k in np.atleast_1d(units)}
        return self._set(self.off - units, self.on | units)

    def release(self, units) -> bool:
        """Back to the trained behaviour for ``units``."""
        units = {int(k) for k in np.atleast_1d(units)}
        return self._set(self.off - units, self.on - units)

    def release_all(self) -> bool:
        return self._set((), ())

    def undo(self) -> bool:
        if not self._undo:
            return False
        self._redo.append(self.forced)
        self.forced = self._undo.pop()
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self.forced)
        self.forced = self._redo.pop()
        return True

    def reset(self) -> None:
        """A different model: nothing forced, nothing to undo (its unit numbers mean other units)."""
        self._undo.clear()
        self._redo.clear()
        changed = self.forced != EMPTY
        self.update(forced=EMPTY, metrics=None)
        if not changed:                  # the undo history went: listeners (Edit menu) hear of it
            self._notify("forced", self.forced)


def compare_metrics(trained: RBM, effective: RBM, train: np.ndarray, held_out: np.ndarray | None) -> dict:
    """The cheap epoch metrics of the trained and the effective model on the same digits."""
    from rbm_gui.engine.monitor import epoch_metrics
    keep = ("recon_mse_train", "recon_mse_val", "free_energy_gap", "pll_val", "dead_units")
    out = {}
    for name, rbm in (("trained", trained), ("effective", effective)):
        m = epoch_metrics(rbm, train, held_out, exact_loglik=False)
        out[name] = {k: float(m[k]) for k in keep if k in m}
    return out


METRIC_NAMES = {"recon_mse_train": "reconstruction MSE (training)", "recon_mse_val": "held-out MSE",
                "free_energy_gap": "free-energy gap", "pll_val": "pseudo-log-likelihood",
                "dead_units": "dead units"}


def metrics_text(overrides: UnitOverrides) -> str:
    """One line comparing the trained model with the effective one ('' when no unit is forced)."""
    if not overrides.active:
        return ""
    head = overrides.describe().split(" — ")[0]
    m = overrides.metrics
    if m is None:
        return f"With {head}: measuring..."
    parts = [f"{label} {m['effective'][k]:.4g} (trained {m['trained'][k]:.4g})"
             for k, label in METRIC_NAMES.items() if k in m["effective"] and k in m["trained"]]
    at = f" at epoch {m['epoch']}" if "epoch" in m else ""
    return f"With {head}{at}: " + ", ".join(parts) + "."

"""The dream panel's steering controls (Qt-free): label, clamp mask, temperature, parallel tempering
(K temperatures up to the hottest), wandering.

:class:`DreamControls` holds what the user chose; :func:`apply_controls` hands it to a
:class:`rbm_gui.engine.dream.DreamChains` through its setters (``set_label``, ``set_clamp``,
``set_temperature``, ``set_tempering``, ``set_wander``: they take effect at the next step and keep
the chains' states and step count, so every control is live). Tempering and wandering exclude each
other in the engine (one samples the model, the other leaves it on purpose): with tempering on, the
chosen wander strength waits (0 is handed over) until tempering is switched off. An engine without a setter leaves that control
out; :func:`steerable` says which ones the chains take, so the panel can grey the others.

As with ``rbm-gui dream --label/--clamp``, clamping the label or pixels switches tempering on (K =
``STEERED_TEMPERING``) unless the user set tempering or wandering; back to free dreams it goes off again:
plain Gibbs with a clamped label is judged the asked digit in almost no frame (docs/engine-notes.md).

The clamp mask is a (h, w) bool picture, True = the pixel keeps its start value at every step
(inpainting). It is edited by brush strokes (:mod:`rbm_gui.viz.canvas`), half-image presets and
clear; each edit can be undone (a stack of the previous masks: 784 bytes each, so keeping 50 is cheap).
"""

from __future__ import annotations

import math

import numpy as np

from rbm_gui.app.observable import Prop, State
from rbm_gui.engine.steer import DEFAULT_LABEL_STRENGTH as LABEL_STRENGTH    # the measured default, one source
from rbm_gui.engine.tempering import DEFAULT_HOTTEST
from rbm_gui.config import LIMITS
from rbm_gui.viz.canvas import stroke

TEMPERATURE_RANGE = (0.5, 5.0)
TEMPERING_RANGE = (2, 8)
#: tempering switched on by a clamped label or mask: the CLI's default then (STEERED_TEMPERING there)
STEERED_TEMPERING = 8
#: the hottest temperature of the ladder as a multiple of T (the CLI's --hottest is absolute:
#: a ratio stays valid while the temperature slider moves)
HOTTEST_RANGE = (1.1, 10.0)
WANDER_RANGE = LIMITS["dream_wander"]
MASK_PRESETS = ("top", "bottom", "left", "right")
UNDO_DEPTH = 50
#: engine setter of each control
SETTERS = {"label": "set_label", "clamp": "set_clamp", "temperature": "set_temperature",
           "tempering": "set_tempering", "wander": "set_wander"}
LABEL_STRENGTH_RANGE = LIMITS["dream_label_strength"]
CONTROL_LIMITS = {"temperature": TEMPERATURE_RANGE, "tempering_k": TEMPERING_RANGE,
                  "label_strength": LABEL_STRENGTH_RANGE, "hottest": HOTTEST_RANGE, "wander": WANDER_RANGE}


class DreamControls(State):
    label = Prop(None, "class the label units are clamped to (labelled models), None = any")
    label_strength = Prop(LABEL_STRENGTH, "weight of the clamped label (1 = exact P(v|y), > 1 sharpened)")
    temperature = Prop(1.0, "T > 0: every conditional's pre-activation is divided by T")
    tempering = Prop(False, "parallel tempering on (K temperatures, neighbour swaps)")
    tempering_k = Prop(STEERED_TEMPERING, "number of temperatures of the tempering ladder")
    hottest = Prop(DEFAULT_HOTTEST, "the ladder's hottest temperature, as a multiple of the temperature T")
    wander = Prop(0.0, "wandering strength (0 = off): fast biases push each chain on (not with tempering)")
    mask = Prop(None, "(h, w) read-only bool clamp mask, or None (no pixel clamped)")

    def __init__(self, shape=(28, 28), **values):
        super().__init__(**values)
        self.shape = tuple(shape)
        self._undo: list[np.ndarray | None] = []
        # tempering switched on by steering / set by the user (then steering leaves it alone)
        self._auto = self._user_tempering = self._auto_setting = False
        self.connect("tempering", self._on_tempering)
        for name in ("label", "mask", "wander"):
            self.connect(name, lambda _v: self._auto_tempering())

    # ------------------------------------------------------------------ tempering follows steering
    @property
    def steered(self) -> bool:
        return self.label is not None or self.mask is not None

    def _on_tempering(self, _on) -> None:
        if not self._auto_setting:
            self._user_tempering, self._auto = True, False

    def _auto_tempering(self) -> None:
        if self._user_tempering:
            return
        on = self.steered and not self.wander
        if on != self.tempering and (on or self._auto):
            self._auto_setting = True
            try:
                self.tempering, self._auto = on, on
            finally:
                self._auto_setting = False

    # ------------------------------------------------------------------ checking
    def set_temperature(self, t: float) -> None:
        t = float(t)
        if not (math.isfinite(t) and t > 0):
            raise ValueError(f"temperature must be > 0, got {t}")
        self.temperature = t

    def set_label(self, label) -> None:
        if label is not None and (int(label) != label or int(label) < 0):
            raise ValueError(f"label must be a class number or None, got {label!r}")
        self.label = None if label is None else int(label)

    # ------------------------------------------------------------------ the mask
    def set_shape(self, shape) -> None:
        """The model's image shape; a mask of another shape is dropped (with its undo history)."""
        shape = tuple(shape)
        if shape != self.shape:
            self.shape = shape
            self._undo.clear()
            self.mask = None

    @property
    def n_clamped(self) -> int:
        return 0 if self.mask is None else int(self.mask.sum())

    def clamp_vector(self, n_visible: int) -> np.ndarray | None:
        """(n_visible,) bool mask for the engine, or None when nothing is clamped (or the size differs)."""
        m = self.mask
        if m is None or m.size != n_visible or not m.any():
            return None
        return m.reshape(-1)

    def _set(self, mask: np.ndarray | None, remember: bool = True) -> None:
        if remember:
            self._undo.append(self.mask)
            del self._undo[:-UNDO_DEPTH]
        if mask is not None:
            mask = np.array(mask, dtype=bool).reshape(self.shape)
            mask.flags.writeable = False
        self.mask = mask

    def set_mask(self, mask) -> None:
        """A whole mask ((h, w) or (n,) truthy values; None or all False = no clamp), undoable."""
        m = None if mask is None else np.asarray(mask)
        if m is not None and m.size != int(np.prod(self.shape)):
            raise ValueError(f"a mask of {m.size} pixels for images of shape {self.shape}")
        self._set(m if m is not None and m.any() else None)

    def begin_stroke(self) -> None:
        """A brush stroke starts: the mask before it is what Undo brings back."""
        self._undo.append(self.mask)
        del self._undo[:-UNDO_DEPTH]

    def paint(self, at, last=None, radius: int = 1, value: bool = True) -> None:
        """Paint (value True) or erase the segment ``last`` -> ``at`` ((row, column) pixels)."""
        m = np.zeros(self.shape, bool) if self.mask is None else self.mask.copy()
        stroke(m, last, at, radius, bool(value))
        if self.mask is None or not np.array_equal(m, self.mask):
            self._set(m if m.any() else None, remember=False)

    def preset(self, name: str) -> None:
        """Clamp one half of the picture: 'top', 'bottom', 'left' or 'right' (replaces the mask)."""
        if name not in MASK_PRESETS:
            raise ValueError(f"unknown mask preset {name!r}; choose one of {', '.join(MASK_PRESETS)}")
        h, w = self.shape
        m = np.zeros(self.shape, bool)
        {"top": m[:h // 2], "bottom": m[h - h // 2:], "left": m[:, :w // 2], "right": m[:, w - w // 2:]}[name][...] = True
        self._set(m)

    def clear(self) -> None:
        if self.mask is not None:
            self._set(None)

    def invert(self) -> None:
        """Swap clamped and free pixels."""
        self._set(np.ones(self.shape, bool) if self.mask is None else ~self.mask)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> bool:
        """Back to the mask before the last edit; False when there is nothing to undo."""
        if not self._undo:
            return False
        self._set(self._undo.pop(), remember=False)
        return True

    # ------------------------------------------------------------------ for the engine
    def engine_values(self, rbm) -> dict:
        """The controls as the engine's keyword values for ``rbm`` (a label only for labelled models)."""
        return {"label": self.label if getattr(rbm, "n_labels", 0) and self.label is not None
                and self.label < rbm.n_labels else None,
                "label_strength": float(self.label_strength),
                "clamp": self.clamp_vector(rbm.n_visible),
                "temperature": float(self.temperature),
                "tempering": int(self.tempering_k) if self.tempering else None,
                "hottest": float(self.hottest) * float(self.temperature) if self.tempering else None,
                "wander": 0.0 if self.tempering else float(self.wander)}


def steerable(chains) -> set[str]:
    """The controls ``chains`` can take (the names of :data:`SETTERS` whose setter it has)."""
    return {name for name, setter in SETTERS.items() if callable(getattr(chains, setter, None))}


def apply_controls(chains, controls: DreamControls, names=None) -> set[str]:
    """Hand the controls (all, or ``names``) to ``chains``; returns the names it could not take.

    The "no effect" values (no label, no clamp, T = 1, no tempering) need no engine support.
    """
    values = controls.engine_values(chains.rbm)
    neutral = {"label": None, "clamp": None, "temperature": 1.0, "tempering": None, "wander": 0.0}
    args = {"label": (values["label"], values["label_strength"]), "tempering": (values["tempering"], values["hottest"])}
    names = list(SETTERS if names is None else names)
    if "tempering" in names and "wander" in names and values["tempering"]:
        names.remove("wander")              # wandering off before tempering comes on (they exclude each other)
        names.insert(names.index("tempering"), "wander")
    missing = set()
    for name in names:
        setter = getattr(chains, SETTERS[name], None)
        if callable(setter):
            setter(*args.get(name, (values[name],)))
        elif not _is_neutral(values[name], neutral[name]):
            missing.add(name)
    return missing


def _is_neutral(value, neutral) -> bool:
    return value is None if neutral is None else value == neutral


def label_probs(chains) -> np.ndarray | None:
    """(n_chains, n_labels) P(y|v) of the chains' current visible state; None for unlabelled models."""
    return chains.label_probs

"""One steered Gibbs step: label clamp, pixel clamp (inpainting) and temperature (numpy only).

The dream controls of issue 13 change the conditionals of an alternating Gibbs step:

* temperature ``T``: the model's energy is divided by ``T``, so every conditional's pre-activation
  is multiplied by ``beta = 1/T`` (``beta`` may differ per row: the replicas of parallel tempering);
* label clamp ``K`` (labelled models): the hidden units get ``U[K]`` in their input and the label
  stays ``K``; without a clamp the label units are sampled too, ``y ~ softmax(beta (d + U h))``;
  ``label_strength`` a multiplies the clamped label's weights (the energy term becomes
  ``-a U[K].h``): a = 1 samples P(v|y=K) exactly, a > 1 a sharpened version of it (like the guidance
  scale of conditional generative models);
* pixel clamp: the clamped pixels keep the start's values at every step, the rest is sampled
  (``P(v_free | h)`` is exactly the conditional of the free pixels given the clamped ones).

Without any control the step is :meth:`RBM.gibbs_step` itself, so the frames are bit-identical to
the plain dream for the same generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rbm_gui.engine.numerics import sigmoid
from rbm_gui.engine.rbm import DTYPE, RBM

__all__ = ["Controls", "StepResult", "check_controls", "clamp_mask", "steered_step", "CLAMP_SIDES"]

CLAMP_SIDES = ("top", "bottom", "left", "right")
MAX_LABEL_STRENGTH = 10.0
#: the measured default strength of a clamped label (CLI and panel): benchmarks/dream_quality.py,
#: docs/engine-notes.md
DEFAULT_LABEL_STRENGTH = 3.0


@dataclass(frozen=True)
class Controls:
    """The dream controls: ``label`` (int or None), ``clamp`` ((n_visible,) bool or None), ``temperature``,
    ``label_strength`` (used with a clamped label)."""

    label: int | None = None
    clamp: np.ndarray | None = None
    temperature: float = 1.0
    label_strength: float = 1.0

    @property
    def plain(self) -> bool:
        return self.label is None and self.clamp is None and self.temperature == 1.0


@dataclass
class StepResult:
    """States after one step, one row per chain (or replica).

    probs (N, n_visible) float32 P(v=1|h) (clamped pixels: the start's values); v (N, n_visible) bool
    samples; v_in (N, n_visible) float32 the next step's input (clamped pixels keep grey starts);
    y (N, n_labels) float32 one-hot label states or None; energy (N,) float64 E(v, y, h) or None.
    """

    probs: np.ndarray
    v: np.ndarray
    v_in: np.ndarray
    y: np.ndarray | None
    energy: np.ndarray | None
    x_v: np.ndarray | None = None       # h.W^T + b (unscaled): to redraw probs at another temperature


def check_controls(rbm: RBM, label: int | None, clamp, temperature: float, label_strength: float = 1.0) -> Controls:
    """Validated :class:`Controls` for ``rbm``; ValueError with one line for a bad combination."""
    if label is not None:
        if rbm.n_labels == 0:
            raise ValueError("a label can only be clamped on a labelled model (this one has no label units)")
        if isinstance(label, bool) or not 0 <= int(label) < rbm.n_labels:
            raise ValueError(f"label must be 0..{rbm.n_labels - 1}, got {label}")
        label = int(label)
    if clamp is not None:
        clamp = np.asarray(clamp)
        if clamp.dtype != bool:
            raise ValueError("the clamp mask must be boolean (True = keep the start's pixel)")
        clamp = clamp.reshape(-1)
        if clamp.shape[0] != rbm.n_visible:
            raise ValueError(f"the clamp mask has {clamp.shape[0]} pixels, the model has {rbm.n_visible} visible units")
        clamp = clamp.copy()
        clamp.flags.writeable = False
        if not clamp.any():
            clamp = None           # nothing clamped: plain sampling (and bit-identical frames)
    t = float(temperature)
    if not np.isfinite(t) or t <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature}")
    a = float(label_strength)
    if not 0 < a <= MAX_LABEL_STRENGTH:
        raise ValueError(f"label strength must be above 0 and at most {MAX_LABEL_STRENGTH:g}, got {label_strength}")
    return Controls(label, clamp, t, a)


def clamp_mask(side: str, image_shape: tuple[int, int]) -> np.ndarray:
    """(h*w,) bool mask clamping one half of the image: ``top``, ``bottom``, ``left`` or ``right``."""
    h, w = image_shape
    m = np.zeros((h, w), dtype=bool)
    if side == "top":
        m[: h // 2] = True
    elif side == "bottom":
        m[h - h // 2:] = True
    elif side == "left":
        m[:, : w // 2] = True
    elif side == "right":
        m[:, w - w // 2:] = True
    else:
        raise ValueError(f"clamp side must be one of {', '.join(CLAMP_SIDES)}, got {side!r}")
    return m.reshape(-1)


def one_hot(k: int, n_rows: int, n_labels: int) -> np.ndarray:
    y = np.zeros((n_rows, n_labels), dtype=DTYPE)
    y[:, k] = 1
    return y


def _scale(x: np.ndarray, beta) -> np.ndarray:
    if not (np.isscalar(beta) and beta == 1.0):
        x *= beta
    return x


def _sample_softmax(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One-hot float32 rows drawn from softmax(x) rows (one uniform per row, inverse CDF)."""
    x = x.astype(np.float64)
    x -= x.max(axis=1, keepdims=True)
    p = np.exp(x)
    cdf = np.cumsum(p, axis=1)
    u = rng.random((x.shape[0], 1)) * cdf[:, -1:]
    k = np.minimum((cdf < u).sum(axis=1), x.shape[1] - 1)
    y = np.zeros(x.shape, dtype=DTYPE)
    y[np.arange(x.shape[0]), k] = 1
    return y


def steered_step(rbm: RBM, v: np.ndarray, rng: np.random.Generator, controls: Controls, *,
                 y: np.ndarray | None = None, clamp_values: np.ndarray | None = None, beta=None,
                 energy: bool = False, fast=None, label_beta: float | None = None) -> StepResult:
    """One Gibbs step v -> h -> (v', y') under ``controls``.

    v : (N, n_visible) current visible input (bool or float32 in [0, 1])
    y : (N, n_labels) label state of a labelled model (one-hot, or P(y|v) before the first step);
        ignored when the label is clamped; None for an unlabelled model
    clamp_values : (N, n_visible) the start images, read at the clamped pixels
    beta : inverse temperature, a scalar or (N, 1) per row (tempering); default 1/controls.temperature
    energy : also return E(v', y', h) (unscaled) per row, for tempering swaps
    fast : ``wander.FastBiases`` of the rows (added to the hidden input, then updated), or None
    label_beta : with a clamped label, a scalar inverse temperature for the label's term alone (the
        rest of the energy is scaled by ``beta``): tempering keeps the label at the shown temperature in
        the hot replicas; ``energy`` then leaves the label's term out (it is the same in every replica,
        so the swap test needs only the rest)
    """
    labelled = rbm.n_labels > 0
    if beta is None:
        beta = 1.0 / controls.temperature
    if controls.plain and not labelled and not energy and fast is None and np.isscalar(beta) and beta == 1.0:
        p, s = rbm.gibbs_step(v, rng)        # today's dream, bit for bit
        return StepResult(p, s, s, None, None)
    n = v.shape[0]
    if labelled and controls.label is not None:
        y = one_hot(controls.label, n, rbm.n_labels)
    x_h = np.asarray(v).astype(DTYPE, copy=False) @ rbm.W
    x_h += rbm.c
    guide = controls.label_strength if controls.label is not None else 1.0
    fixed_label = labelled and controls.label is not None and label_beta is not None
    if labelled and y is not None and not fixed_label:
        x_h += (y * np.float32(guide) if guide != 1.0 else y) @ rbm.U
    if fast is not None:
        x_h += fast.hidden
    _scale(x_h, beta)
    if fixed_label:
        x_h += np.float32(guide * label_beta) * rbm.U[controls.label]
    h = rng.random(x_h.shape, dtype=DTYPE) < sigmoid(x_h, out=x_h)
    hf = h.astype(DTYPE)
    x_v = hf @ rbm.W.T
    x_v += rbm.b
    p = sigmoid(_scale(x_v.copy(), beta))
    s = rng.random(p.shape, dtype=DTYPE) < p
    v_in = s
    mask = controls.clamp
    if mask is not None:
        fixed = clamp_values[:, mask]
        p[:, mask] = fixed
        s[:, mask] = fixed >= 0.5
        v_in = s.astype(DTYPE)
        v_in[:, mask] = fixed
    if fast is not None:
        fast.update(h)
    if labelled and controls.label is None:
        x_y = hf @ rbm.U.T
        x_y += rbm.d
        y = _sample_softmax(_scale(x_y, beta), rng)
    e = None
    if energy:
        vin = np.asarray(v_in, dtype=np.float64)
        e = -np.einsum("ij,ij->i", vin, x_v.astype(np.float64)) - hf.astype(np.float64) @ rbm.c.astype(np.float64)
        if labelled and not fixed_label:
            e -= np.einsum("ij,ij->i", y.astype(np.float64), (guide * (hf @ rbm.U.T) + rbm.d).astype(np.float64))
    return StepResult(p, s, v_in, y if labelled else None, e, x_v)

"""What the model makes of one digit (the blog's Figures 3, 4 and 6), computed in one place.

The reconstruction explorer only draws an :class:`Explanation`; the numbers come from the RBM's own
sampling code (``hidden_probs``, ``reconstruct``, ``averaged_reconstruction``). Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rbm_gui.engine.rbm import RBM

#: Show every unit up to this many hidden units, otherwise the top ``DEFAULT_TOP_K``.
DEFAULT_TOP_K = 40


@dataclass
class Explanation:
    """One digit through one model.

    probs: (n_hidden,) float32 P(h_j=1|v); sample: (n_visible,) bool, one reconstruction
    v -> h ~ P(h|v) -> v' ~ P(v|h); average: (n_visible,) float32, the mean of ``n_average`` such
    samples; error: (n_visible,) float32 |v - average| per pixel.
    """

    rbm: RBM
    v: np.ndarray
    probs: np.ndarray
    sample: np.ndarray
    average: np.ndarray
    n_average: int

    @property
    def error(self) -> np.ndarray:
        return np.abs(self.v - self.average)

    @property
    def mean_error(self) -> float:
        return float(self.error.mean())


def explain(rbm: RBM, v: np.ndarray, n_average: int, seed: int) -> Explanation:
    """P(h|v), one sampled reconstruction and the average of ``n_average`` for digit ``v`` (n_visible,).

    ``seed`` fixes the random draws: the same seed and model give the same sample (Resample = new seed).
    """
    v = np.asarray(v, dtype=np.float32).reshape(-1)
    rng = np.random.default_rng(seed)
    probs = rbm.hidden_probs(v)[0]
    _, sample = rbm.reconstruct(v, rng)
    average = rbm.averaged_reconstruction(v, n_average, rng)[0]
    return Explanation(rbm, v, probs, sample[0], average, int(n_average))


def default_top_k(n_hidden: int) -> int:
    return n_hidden if n_hidden <= DEFAULT_TOP_K else DEFAULT_TOP_K


def shown_units(probs: np.ndarray, top_k: int | None = None, by_probability: bool = False) -> np.ndarray:
    """Which hidden units to show, in display order.

    ``top_k`` (None = the default: all up to 40 units, else 40) most probable units; in unit order,
    or most probable first with ``by_probability`` (ties: lower unit first).
    """
    n = len(probs)
    k = default_top_k(n) if not top_k else min(int(top_k), n)
    order = np.argsort(-np.asarray(probs), kind="stable")
    chosen = order[:k]
    return chosen if by_probability else np.sort(chosen)


def averaged_sheet(rbm: RBM, digits: np.ndarray, n_average: int, seed: int) -> np.ndarray:
    """Averaged reconstructions (n, n_visible) float32 of several digits (the comparison sheet)."""
    return rbm.averaged_reconstruction(np.asarray(digits, dtype=np.float32), n_average,
                                       np.random.default_rng(seed))

"""Training monitors from Hinton's practical guide: reconstruction error, free-energy gap,
pseudo-log-likelihood and per-unit activity. All deterministic (no random numbers)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rbm_gui.engine.numerics import softplus
from rbm_gui.engine.rbm import DTYPE, RBM

_EPS = 1e-7


def reconstruction_errors(rbm: RBM, v: np.ndarray) -> tuple[float, float]:
    """Mean-field one-step reconstruction p' = P(v|P(h|v)) of ``v`` (N, n_visible) 0/1.

    Returns (mean squared error per pixel, cross-entropy in nats per image). The cross-entropy is
    ``-sum_i [v_i log p'_i + (1 - v_i) log(1 - p'_i)]`` averaged over images; it is not a likelihood.
    """
    v = np.asarray(v, dtype=DTYPE)
    p = rbm.visible_probs(rbm.hidden_probs(v))
    mse = float(np.mean((v - p) ** 2, dtype=np.float64))
    p = np.clip(p, _EPS, 1 - _EPS)
    ce = -(v * np.log(p) + (1 - v) * np.log1p(-p)).sum(axis=1, dtype=np.float64).mean()
    return mse, float(ce)


def mean_free_energy(rbm: RBM, v: np.ndarray) -> float:
    """Mean F(v) over the rows of ``v``."""
    return float(rbm.free_energy(v).mean())


def free_energy_gap(rbm: RBM, train: np.ndarray, validation: np.ndarray) -> tuple[float, float, float]:
    """(mean F(train), mean F(validation), gap = validation - train).

    Hinton's overfitting monitor (guide, section 6): a gap that keeps growing means the model
    assigns the training digits more probability than unseen ones. Compare subsets of equal size.
    """
    ft, fv = mean_free_energy(rbm, train), mean_free_energy(rbm, validation)
    return ft, fv, fv - ft


def pseudo_log_likelihood(rbm: RBM, v: np.ndarray, max_elements: int = 1_000_000) -> float:
    """Mean pseudo-log-likelihood in nats per image, summed over EVERY pixel (no random flip).

    ``PLL(v) = sum_i log P(v_i | v_-i) = sum_i log sigmoid(F(v with pixel i flipped) - F(v))``,
    computed for all n_visible flips of every row of ``v``: unlike scikit-learn's estimate (one
    random pixel per image, scaled by n_visible) it is deterministic and has no sampling noise.
    Cost: n_visible x n_hidden per image, in chunks of ``max_elements``; pass a subset (a few hundred rows) when n_hidden is large.
    """
    v = np.asarray(v, dtype=DTYPE)
    if v.ndim == 1:
        v = v[None]
    W = rbm.W.astype(np.float64)
    # rows per chunk so that the (rows, n_visible, n_hidden) float64 temporaries stay ~8 MB each
    chunk = max(1, max_elements // W.size)
    total = 0.0
    for s in range(0, v.shape[0], chunk):
        vc = v[s:s + chunk].astype(np.float64)
        x = vc @ W + rbm.c                        # (n, nh)
        sign = 1.0 - 2.0 * vc                     # +1 turns a pixel on, -1 off: (n, nv)
        # hidden inputs after flipping pixel i: x + sign_i W_i -> (n, nv, nh)
        flipped = x[:, None, :] + sign[:, :, None] * W[None, :, :]
        delta_sp = softplus(flipped).sum(axis=2) - softplus(x).sum(axis=1)[:, None]
        dF = -sign * rbm.b - delta_sp              # F(flipped) - F(v), (n, nv)
        total += float(-softplus(-dF).sum())       # log sigmoid(dF)
    return total / v.shape[0]


@dataclass
class Activity:
    """Per-unit activity over a data set.

    mean: (n_hidden,) mean P(h_j=1|v); dead: units with mean < 0.01; always_on: mean > 0.99.
    """

    mean: np.ndarray
    dead: np.ndarray
    always_on: np.ndarray


def hidden_activity(rbm: RBM, v: np.ndarray, low: float = 0.01, high: float = 0.99) -> Activity:
    mean = rbm.hidden_probs(v).mean(axis=0, dtype=np.float64)
    return Activity(mean, np.flatnonzero(mean < low), np.flatnonzero(mean > high))

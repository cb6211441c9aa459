"""Log-likelihood of an RBM: exact (by enumerating hidden states) and AIS estimates of log Z.

``log P(v) = -F(v) - log Z``. The exact log Z sums over all 2^n_hidden hidden states:
``log Z = logsumexp_h [ c.h + sum_i softplus(b_i + W[i, :].h) ]``, in float64 and in chunks of
hidden states, feasible up to n_hidden = 24 (about 20 s at 24 on this machine's 2 cores).
AIS (Salakhutdinov & Murray 2008) anneals from a base-rate model (W = 0, c = 0, visible biases
from the data's pixel means) to the RBM and gives log Z with an uncertainty for any size.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from rbm_gui.engine.numerics import logmeanexp, logsumexp, sigmoid, softplus
from rbm_gui.engine.rbm import RBM

MAX_EXACT_HIDDEN = 24


def _softplus_sum_rows(x: np.ndarray) -> np.ndarray:
    """sum_i softplus(x[:, i]) for float64 x, in place-friendly form (x is overwritten)."""
    # max(x,0) + log1p(exp(-|x|)): three passes, no overflow.
    pos = np.maximum(x, 0.0).sum(axis=1)
    np.abs(x, out=x)
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1.0          # log(1 + t) with t in (0, 1]: numpy's SIMD log is faster than log1p, and
    np.log(x, out=x)  # the precision lost for t < 1e-16 is below 1e-16 nats per pixel
    return pos + x.sum(axis=1)


class Cancelled(Exception):
    """``should_stop`` asked an enumeration to stop."""


def exact_log_partition(rbm: RBM, chunk_bits: int = 10, should_stop=None) -> float:
    """Exact log Z by enumerating all 2^n_hidden hidden states (float64).

    ``should_stop``: a callable checked between blocks of 2^chunk_bits states (about a millisecond
    each at 784 pixels); when it returns True, ``Cancelled`` is raised (a window closing).
    Raises ValueError when n_hidden > 24 (use ``ais_log_partition``).
    """
    nh = rbm.n_hidden
    if nh > MAX_EXACT_HIDDEN:
        raise ValueError(f"exact log Z enumerates 2^{nh} states; only n_hidden <= {MAX_EXACT_HIDDEN} is feasible")
    W = rbm.W.astype(np.float64)
    b = rbm.b.astype(np.float64)
    c = rbm.c.astype(np.float64)
    low = min(nh, chunk_bits)
    # all patterns of the low bits: (2^low, low)
    codes = np.arange(2 ** low)
    H_low = ((codes[:, None] >> np.arange(low)) & 1).astype(np.float64)
    base_x = H_low @ W[:, :low].T + b          # (2^low, nv)
    base_ch = H_low @ c[:low]
    high = nh - low
    W_high, c_high = W[:, low:], c[low:]

    def block(codes: np.ndarray) -> float:
        # one buffer per thread; numpy releases the GIL in these ufuncs, so threads run in parallel
        x = np.empty_like(base_x)
        parts = np.empty(len(codes))
        for n, code in enumerate(codes):
            if should_stop is not None and should_stop():
                raise Cancelled("the enumeration was cancelled")
            bits = ((code >> np.arange(high)) & 1).astype(np.float64)
            np.add(base_x, W_high @ bits, out=x)
            parts[n] = logsumexp(base_ch + bits @ c_high + _softplus_sum_rows(x))
        return float(logsumexp(parts))

    hi_codes = np.arange(2 ** high)
    n_threads = max(1, min(os.cpu_count() or 1, 8, len(hi_codes)))
    if n_threads == 1:
        return block(hi_codes)
    with ThreadPoolExecutor(n_threads) as pool:
        results = list(pool.map(block, np.array_split(hi_codes, n_threads)))
    return float(logsumexp(np.array(results)))


def average_log_likelihood(rbm: RBM, data: np.ndarray, log_z: float | None = None) -> float:
    """Mean log P(v) in nats over ``data`` (N, n_visible) 0/1, with the exact log Z unless given."""
    if log_z is None:
        log_z = exact_log_partition(rbm)
    F = rbm.free_energy(np.asarray(data))
    return float(-F.mean() - log_z)


def ais_betas(n: int = 14_500) -> np.ndarray:
    """Salakhutdinov & Murray's schedule: 500 steps to 0.5, 4,000 to 0.9, 10,000 to 1 (scaled to ``n``)."""
    n1, n2 = max(2, round(n * 500 / 14_500)), max(2, round(n * 4_000 / 14_500))
    n3 = max(2, n - n1 - n2)
    return np.concatenate([np.linspace(0, 0.5, n1, endpoint=False),
                           np.linspace(0.5, 0.9, n2, endpoint=False),
                           np.linspace(0.9, 1.0, n3)])


@dataclass
class AISResult:
    """AIS estimate of log Z.

    log_z: the estimate, log of the mean importance weight plus the base model's log Z.
    log_z_low, log_z_high: log(mean w -/+ 3 standard errors of w), as in Salakhutdinov & Murray
        (the low end is -inf when 3 standard errors exceed the mean).
    effective_runs: (sum w)^2 / sum w^2, how many of the runs carry real weight.
    """

    log_z: float
    log_z_low: float
    log_z_high: float
    n_runs: int
    n_betas: int
    effective_runs: float


def ais_log_partition(rbm: RBM, base_means: np.ndarray, rng: np.random.Generator,
                      n_runs: int = 100, n_betas: int = 14_500, progress=None) -> AISResult:
    """Annealed importance sampling estimate of log Z (float64 chains).

    The base model has W = 0, c = 0 and visible biases ``log(p / (1 - p))`` from ``base_means`` (the
    training data's pixel means, clipped), so its log Z is ``n_hidden log 2 + sum softplus(b_A)``.
    The intermediate distributions are p_k(v) ∝ exp((1-β_k) b_A.v + β_k b.v) prod_j (1 + exp(β_k (c_j + v.W_j))).
    ``progress(done, total)`` is called every 100 temperatures (cost: about 40 s for 400 hidden
    units and the default 14,500 temperatures on 2 cores).
    """
    W = rbm.W.astype(np.float64)
    b = rbm.b.astype(np.float64)
    c = rbm.c.astype(np.float64)
    p = np.clip(np.asarray(base_means, dtype=np.float64).reshape(-1), 1e-3, 1 - 1e-3)
    if p.shape != b.shape:
        raise ValueError(f"base_means must have {b.size} entries, got {p.size}")
    bA = np.log(p / (1 - p))
    log_zA = rbm.n_hidden * np.log(2.0) + softplus(bA).sum()
    betas = ais_betas(n_betas)

    def log_p_star(v: np.ndarray, vb_term: np.ndarray, x: np.ndarray, beta: float) -> np.ndarray:
        # vb_term = (v.bA, v.b), x = v W + c
        return (1 - beta) * vb_term[0] + beta * vb_term[1] + softplus(beta * x).sum(axis=1)

    v = (rng.random((n_runs, b.size)) < p).astype(np.float64)
    log_w = np.zeros(n_runs)
    for k in range(1, len(betas)):
        if progress is not None and k % 100 == 0:
            progress(k, len(betas) - 1)
        x = v @ W + c
        terms = (v @ bA, v @ b)
        log_w += log_p_star(v, terms, x, betas[k]) - log_p_star(v, terms, x, betas[k - 1])
        beta = betas[k]
        # one Gibbs transition that leaves p_k invariant
        ph = sigmoid(beta * x)
        h = (rng.random(ph.shape) < ph).astype(np.float64)
        pv = sigmoid((1 - beta) * bA + beta * (h @ W.T + b))
        v = (rng.random(pv.shape) < pv).astype(np.float64)
    est = logmeanexp(log_w)
    w = np.exp(log_w - log_w.max())
    mean, sem = w.mean(), w.std(ddof=1) / np.sqrt(n_runs) if n_runs > 1 else 0.0
    shift = log_w.max() + log_zA
    low = np.log(mean - 3 * sem) + shift if mean > 3 * sem else -np.inf
    high = np.log(mean + 3 * sem) + shift
    ess = w.sum() ** 2 / (w ** 2).sum()
    return AISResult(float(est + log_zA), float(low), float(high), n_runs, len(betas), float(ess))

"""Exact log-likelihood of an RBM, by enumerating hidden states (AIS estimates: ``engine/ais.py``).

``log P(v) = -F(v) - log Z``. The exact log Z sums over all 2^n_hidden hidden states:
``log Z = logsumexp_h [ c.h + sum_i softplus(b_i + W[i, :].h) ]``, in float64 and in chunks of
hidden states, feasible up to n_hidden = 24 (about 20 s at 24 on this machine's 2 cores).
Larger models: ``rbm_gui.engine.ais.ais_bracket`` (forward and reverse annealed importance sampling).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from rbm_gui.engine.numerics import logsumexp
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
    Raises ValueError when n_hidden > 24 (use ``ais.ais_bracket``).
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

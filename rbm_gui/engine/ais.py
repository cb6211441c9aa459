"""A bracket of an RBM's average log-likelihood by annealed importance sampling (AIS), both ways.

Both directions anneal between the base-rate model p_0 (W = 0, c = 0, visible biases from the
training data's pixel means; ``log Z_0 = n_hidden log 2 + sum softplus(b_A)``) and the RBM p_K
through p_k(v) ∝ f_k(v) = exp((1-β_k) b_A.v + β_k b.v) prod_j (1 + exp(β_k (c_j + v.W_j))),
with one Gibbs sweep v -> h -> v at β_k (which leaves p_k invariant and is reversible) per step.

- **Forward** (Salakhutdinov & Murray 2008): chains start from exact samples of p_0 and anneal
  up; ``w = prod_k f_{k+1}(v_k) / f_k(v_k)`` is unbiased for Z / Z_0, so log(mean w) UNDER-estimates
  log Z in expectation and the log-likelihood ``-F - log Z`` is optimistic.
- **Reverse** (RAISE, Burda, Grosse & Salakhutdinov 2015): one chain per held-out digit v starts AT
  v and anneals down; ``p̂(v) = f_K(v) / Z_0 * prod_k f_k(v_k) / f_{k+1}(v_k)`` is unbiased for the
  likelihood of the annealing model (the forward chains' final distribution, close to p_K when
  the annealing is good), so log p̂(v) is pessimistic in expectation. Written as ``log Ẑ_v =
  log f_K(v) - log p̂(v)``, the same increments as forward are summed along the reverse chain.
  The reverse estimate over a data set averages ``-F(v)`` over all its digits and subtracts the
  mean log Ẑ_v over the digits the chains started from (a uniform random subset): its
  expectation is the mean of E[log p̂(v)] over the whole set (a subset changes only the spread).

Each side is measured on its own; neither is derived from the other. Chains are float32 (the
matrix products are most of the time), log-weights float64. The rows are split into
``GROUPS`` fixed groups, each with its own random stream, annealed in parallel threads on one
BLAS thread each (numpy releases the GIL): the result does not depend on the machine's cores.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from rbm_gui.engine.blas import BlasThreads
from rbm_gui.engine.likelihood import Cancelled  # noqa: F401  (one exception for both: a window's Cancel)
from rbm_gui.engine.numerics import logmeanexp, sigmoid, softplus
from rbm_gui.engine.rbm import RBM

#: Groups of chains annealed in parallel threads (fixed: the same seed gives the same result on
#: any machine). Two: this machine's cores. Each group's products run on ``GROUP_BLAS_THREADS``
#: BLAS threads (benchmarks/ais_speed.py compares 2 groups x 1 thread with 1 group x 2 threads).
GROUPS = 2
GROUP_BLAS_THREADS = 1

#: Default temperatures and runs (measured in docs/engine-notes.md: the 400-unit bracket in ~60 s).
DEFAULT_BETAS = 10_000
DEFAULT_RUNS = 100


def betas_schedule(n: int, kind: str = "sigmoid") -> np.ndarray:
    """``n`` inverse temperatures from 0 to 1.

    ``sigmoid``: β ∝ sigmoid(4 (2t/n - 1)), rescaled to [0, 1] (the schedule of Grosse et al.'s
    BDMC): dense at both ends, where the log-weights change fastest. ``salakhutdinov``: 500 steps
    to 0.5, 4,000 to 0.9, 10,000 to 1, scaled to ``n``. ``linear``: evenly spaced.
    """
    if n < 2:
        raise ValueError("AIS needs at least 2 temperatures")
    if kind == "linear":
        return np.linspace(0.0, 1.0, n)
    if kind == "salakhutdinov":
        n1, n2 = max(2, round(n * 500 / 14_500)), max(2, round(n * 4_000 / 14_500))
        n3 = max(2, n - n1 - n2)
        return np.concatenate([np.linspace(0, 0.5, n1, endpoint=False),
                               np.linspace(0.5, 0.9, n2, endpoint=False), np.linspace(0.9, 1.0, n3)])
    if kind == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-4.0 * np.linspace(-1.0, 1.0, n)))
        return (s - s[0]) / (s[-1] - s[0])
    raise ValueError(f"unknown schedule {kind!r}")


@dataclass
class AISSide:
    """One direction's estimate of the average log-likelihood (nats per digit).

    loglik: the estimate; sem: its standard error (forward: sem(w) / mean(w); reverse: that of
    the mean log Ẑ_v); low, high: the 3-sigma range (forward: from mean w -/+ 3 standard errors of
    w, as Salakhutdinov & Murray, ``high`` infinite when 3 of them exceed the mean; reverse: -/+ 3
    sem). log_z: the log Z it implies (reverse: the mean log Ẑ_v). effective_runs:
    (sum w)^2 / sum w^2 of its importance weights (reverse: of p̂(v) / f(v)). log_weights: per run.
    """

    loglik: float
    sem: float
    low: float
    high: float
    log_z: float
    n_runs: int
    effective_runs: float
    log_weights: np.ndarray = field(repr=False)


@dataclass
class AISBracket:
    """Both sides (``reverse`` None when no reverse runs were asked for) and what they share."""

    forward: AISSide
    reverse: AISSide | None
    n_betas: int
    schedule: str
    mean_neg_free_energy: float
    seconds: float


def _ess(log_w: np.ndarray) -> float:
    w = np.exp(log_w - log_w.max())
    return float(w.sum() ** 2 / (w ** 2).sum())


def _forward(log_w: np.ndarray, log_z0: float, mean_negF: float) -> AISSide:
    """log Z = log Z_0 + log mean w; range from mean w -/+ 3 standard errors of w."""
    n = log_w.size
    w = np.exp(log_w - log_w.max())
    mean, sem = w.mean(), (w.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0)
    shift = log_w.max() + log_z0
    log_z = logmeanexp(log_w) + log_z0
    z_low = np.log(mean - 3 * sem) + shift if mean > 3 * sem else -np.inf
    z_high = np.log(mean + 3 * sem) + shift
    return AISSide(float(mean_negF - log_z), float(sem / mean), float(mean_negF - z_high),
                   float(mean_negF - z_low), float(log_z), n, _ess(log_w), log_w)


def _reverse(log_w: np.ndarray, log_z0: float, mean_negF: float) -> AISSide:
    """Per-digit log Ẑ_v = log Z_0 + sum of increments; the estimate subtracts their mean."""
    n = log_w.size
    log_zv = log_w + log_z0
    sem = float(log_zv.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    est = float(mean_negF - log_zv.mean())
    return AISSide(est, sem, est - 3 * sem, est + 3 * sem, float(log_zv.mean()), n, _ess(-log_w), log_w)


class _Anneal:
    """Forward and reverse chains of one group, stacked in one matrix (one product per half-sweep).

    At step t (0..K-1, K = n_betas - 1) every row first takes one Gibbs sweep at its own β, then adds
    log f_hi(v) - log f_lo(v) at the new state: forward rows sweep at β_t (at t = 0, an exact p_0
    sample stays one) and add (β_t -> β_t+1); reverse rows sweep at β_{K-t} and add (β_{K-1-t} -> β_{K-t}).
    """

    def __init__(self, W_aug, Wt, b_minus_bA, bA, c_aug, v_fwd, v_rev, rng):
        self.W_aug, self.Wt, self.d, self.bA, self.c_aug, self.rng = W_aug, Wt, b_minus_bA, bA, c_aug, rng
        self.nf = len(v_fwd)
        self.V = np.concatenate([v_fwd, v_rev]).astype(np.float32)
        R, nh, nv = len(self.V), Wt.shape[0], Wt.shape[1]
        self.X = np.empty((R, nh + 1), np.float32)      # [v.W + c, v.(b - b_A)]
        self.A = np.empty((R, nh), np.float32)
        self.H = np.empty((R, nh), np.float32)
        self.P = np.empty((R, nv), np.float32)
        self.Uh = np.empty((R, nh), np.float32)
        self.Uv = np.empty((R, nv), np.float32)
        self.bt = np.empty((R, 1), np.float32)
        self.log_w = np.zeros(R)
        self.done = 0

    def _softplus_sum(self, beta: np.ndarray) -> np.ndarray:
        np.multiply(self.X[:, :-1], beta, out=self.A)
        np.logaddexp(self.A, 0.0, out=self.A)
        return self.A.sum(axis=1, dtype=np.float64)

    def run(self, betas: np.ndarray, stop: threading.Event) -> np.ndarray:
        K, nf, V, X, A, H, P, bt = len(betas) - 1, self.nf, self.V, self.X, self.A, self.H, self.P, self.bt
        b_lo, b_hi = np.empty((len(V), 1), np.float32), np.empty((len(V), 1), np.float32)
        step = np.empty(len(V))
        np.matmul(V, self.W_aug, out=X)
        X += self.c_aug
        for t in range(K):
            if stop.is_set():
                raise Cancelled("the annealing was cancelled")
            bt[:nf], bt[nf:] = betas[t], betas[K - t]
            b_lo[:nf], b_hi[:nf], b_lo[nf:], b_hi[nf:] = betas[t], betas[t + 1], betas[K - 1 - t], betas[K - t]
            step[:nf], step[nf:] = betas[t + 1] - betas[t], betas[K - t] - betas[K - 1 - t]
            # one Gibbs sweep at each row's β: h ~ sigmoid(β x), v ~ sigmoid(b_A + β (h W^T + b - b_A))
            np.multiply(X[:, :-1], bt, out=A)
            sigmoid(A, out=A)
            self.rng.random(out=self.Uh, dtype=np.float32)
            np.less(self.Uh, A, out=H)
            np.matmul(H, self.Wt, out=P)
            P += self.d
            P *= bt
            P += self.bA
            sigmoid(P, out=P)
            self.rng.random(out=self.Uv, dtype=np.float32)
            np.less(self.Uv, P, out=V)
            np.matmul(V, self.W_aug, out=X)
            X += self.c_aug
            # log f_hi(v) - log f_lo(v), the softplus sums in float32 and the total in float64
            inc = step * X[:, -1]
            inc += self._softplus_sum(b_hi)
            inc -= self._softplus_sum(b_lo)
            self.log_w += inc
            self.done = t + 1
        return self.log_w


def ais_bracket(rbm: RBM, base_means: np.ndarray, data: np.ndarray, rng: np.random.Generator,
                n_runs: int = DEFAULT_RUNS, n_reverse: int = DEFAULT_RUNS, n_betas: int = DEFAULT_BETAS,
                schedule: str = "sigmoid", progress=None, should_stop=None) -> AISBracket:
    """Forward and reverse AIS estimates of the mean log-likelihood of ``data`` (N, n_visible) 0/1.

    ``n_reverse`` reverse chains start from as many distinct digits of ``data`` drawn at random
    (all of them when it has fewer; 0: forward only). ``progress(done, total)`` is called about
    ten times a second from the calling thread; ``should_stop()`` returning True raises
    ``Cancelled`` within a few steps.
    """
    t0 = time.perf_counter()
    if getattr(rbm, "n_labels", 0):     # the annealed distributions here have no label units
        raise ValueError("the AIS bracket is for models without label units")
    W = rbm.W.astype(np.float32)
    b, c = rbm.b.astype(np.float64), rbm.c.astype(np.float64)
    p = np.clip(np.asarray(base_means, dtype=np.float64).reshape(-1), 1e-3, 1 - 1e-3)
    if p.shape != b.shape:
        raise ValueError(f"base_means must have {b.size} entries, got {p.size}")
    data = np.asarray(data)
    if data.ndim != 2 or data.shape[1] != b.size or len(data) == 0:
        raise ValueError(f"data must be a non-empty (N, {b.size}) array")
    if n_runs < 2:
        raise ValueError("AIS needs at least 2 forward runs")
    bA = np.log(p / (1 - p))
    log_z0 = rbm.n_hidden * np.log(2.0) + float(softplus(bA).sum())
    # rounded to float32 once, so every use of β_k (sweeps, increments) is the same number
    betas = betas_schedule(n_betas, schedule).astype(np.float32).astype(np.float64)
    mean_negF = float(-rbm.free_energy(data).mean())
    n_reverse = min(n_reverse, len(data))
    starts = data[np.sort(rng.choice(len(data), n_reverse, replace=False))] if n_reverse else data[:0]
    v_fwd = (rng.random((n_runs, b.size)) < p)
    W_aug = np.ascontiguousarray(np.column_stack([W, (b - bA).astype(np.float32)]))
    c_aug = np.append(c, 0.0).astype(np.float32)
    Wt = np.ascontiguousarray(W.T)
    groups = [_Anneal(W_aug, Wt, (b - bA).astype(np.float32), bA.astype(np.float32), c_aug, vf, vr, r)
              for vf, vr, r in zip(np.array_split(v_fwd, GROUPS), np.array_split(starts, GROUPS),
                                   rng.spawn(GROUPS))]
    stop = threading.Event()
    with BlasThreads(GROUP_BLAS_THREADS), ThreadPoolExecutor(GROUPS) as pool:
        futures = [pool.submit(g.run, betas, stop) for g in groups]
        try:
            while not all(f.done() for f in futures):
                if should_stop is not None and should_stop():
                    stop.set()
                if progress is not None:
                    progress(min(g.done for g in groups), len(betas) - 1)
                time.sleep(0.1 if len(betas) > 1000 else 0.005)
        finally:
            stop.set()      # an exception here (a progress callback's) must not leave workers running
        weights = [f.result() for f in futures]       # re-raises Cancelled or a worker's error
    fwd = np.concatenate([w[:g.nf] for g, w in zip(groups, weights)])
    rev = np.concatenate([w[g.nf:] for g, w in zip(groups, weights)])
    return AISBracket(_forward(fwd, log_z0, mean_negF),
                      _reverse(rev, log_z0, mean_negF) if n_reverse else None,
                      len(betas), schedule, mean_negF, time.perf_counter() - t0)

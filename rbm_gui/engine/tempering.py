"""Parallel tempering for dream chains (numpy only).

Each dream chain gets K replicas at temperatures ``T_0 < T_1 < ... < T_{K-1}`` (``T_0`` is the
one shown). All K x n replicas take one Gibbs step together (one matrix product, a per-row inverse
temperature); then every neighbour pair (k, k+1) of every chain proposes to exchange its states,
accepted with probability ``min(1, exp((beta_k - beta_{k+1}) (E_k - E_{k+1})))`` where ``E`` is
the joint energy E(v, y, h) of the replica's state. The Gibbs step leaves each P_T(v, y, h)
invariant and so does the swap (Metropolis on the product space), so the T_0 replicas still
sample the model at T_0, but hot replicas cross between digits and hand new digits down
(Swendsen & Wang 1986; Desjardins, Courville, Bengio, Vincent & Delalleau 2010 for RBMs).
"""

from __future__ import annotations

import numpy as np

from rbm_gui.engine.rbm import DTYPE
from rbm_gui.engine.steer import StepResult

__all__ = ["DEFAULT_HOTTEST", "MAX_TEMPERATURES", "Tempering", "ladder", "replicas"]

#: the hottest temperature is this multiple of the shown one (chosen in benchmarks/dream_quality.py)
DEFAULT_HOTTEST = 2.0
MAX_TEMPERATURES = 32


def ladder(temperature: float, k: int, hottest: float | None = None) -> np.ndarray:
    """(k,) float64 temperatures from ``temperature`` to ``hottest`` (default DEFAULT_HOTTEST x it),
    geometrically spaced (equal ratios keep neighbour swap rates similar along the ladder)."""
    k = int(k)
    if not 2 <= k <= MAX_TEMPERATURES:
        raise ValueError(f"tempering needs 2..{MAX_TEMPERATURES} temperatures, got {k}")
    hot = temperature * DEFAULT_HOTTEST if hottest is None else float(hottest)
    if not hot > temperature:
        raise ValueError(f"the hottest temperature ({hot}) must be above the shown one ({temperature})")
    return temperature * (hot / temperature) ** (np.arange(k) / (k - 1))


def replicas(k: int | None, temperature: float, hottest: float | None = None) -> int:
    """Replicas per chain asked by ``--tempering k`` (None, 0 or 1: one, plain Gibbs); K >= 2 and its
    ladder are checked."""
    k = 1 if k is None or int(k) <= 1 else int(k)
    if k > 1:
        ladder(temperature, k, hottest)
    return k


class Tempering:
    """Ladder, per-row inverse temperatures and swap statistics for ``n_chains`` chains.

    Replica rows are grouped by temperature: rows ``[k*n, (k+1)*n)`` are at ``temperatures[k]``.
    """

    def __init__(self, temperatures: np.ndarray, n_chains: int):
        self.temperatures = np.asarray(temperatures, dtype=np.float64)
        self.temperatures.flags.writeable = False
        self.n_chains = int(n_chains)
        self.betas = 1.0 / self.temperatures
        self.beta_rows = np.repeat(self.betas, self.n_chains).astype(DTYPE)[:, None]
        self.accepted = np.zeros(self.k - 1, dtype=np.int64)
        self.attempted = np.zeros(self.k - 1, dtype=np.int64)

    @property
    def k(self) -> int:
        return self.temperatures.shape[0]

    @property
    def swap_rates(self) -> np.ndarray:
        """(K-1,) acceptance rate of each neighbour swap so far (0 before any attempt)."""
        return self.accepted / np.maximum(self.attempted, 1)

    def tile(self, a: np.ndarray | None) -> np.ndarray | None:
        """One copy of the per-chain rows ``a`` per temperature."""
        return None if a is None else np.concatenate([a] * self.k, axis=0)

    def swap(self, res: StepResult, rng: np.random.Generator) -> None:
        """Propose every neighbour exchange once (coldest pair first), in place on ``res``."""
        n = self.n_chains
        e = res.energy
        v_in = None if res.v_in is res.v else res.v_in          # one array: swap its rows once
        arrays = [a for a in (res.probs, res.v, v_in, res.y, res.x_v, e) if a is not None]
        u = rng.random((self.k - 1, n))
        for k in range(self.k - 1):
            a, b = slice(k * n, (k + 1) * n), slice((k + 1) * n, (k + 2) * n)
            log_acc = (self.betas[k] - self.betas[k + 1]) * (e[a] - e[b])
            ok = np.log(np.maximum(u[k], 1e-300)) < np.minimum(log_acc, 0.0)
            self.attempted[k] += n
            self.accepted[k] += int(ok.sum())
            if not ok.any():
                continue
            ia, ib = np.flatnonzero(ok) + k * n, np.flatnonzero(ok) + (k + 1) * n
            for arr in arrays:
                arr[ia], arr[ib] = arr[ib].copy(), arr[ia].copy()

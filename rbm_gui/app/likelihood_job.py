"""The window's "Estimate log-likelihood" job (Qt-free): an AIS bracket of the model's held-out score.

``likelihood_job`` is a generator for the runner (``ui/runner.py``): it sends ``(done, total)``
temperatures as progress (through ``control.report``, at most ten times a second), stops within
a few annealing steps of a Cancel, and returns a ``Bracket`` (None when cancelled). It runs the
engine's ``ais_bracket`` on a snapshot of the model, with the base rates of the training digits
and the reverse chains started from the session's held-out digits, the same ones the held-out
metrics use; both sides are measured, neither is derived from the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rbm_gui.engine import ais
from rbm_gui.engine.likelihood import Cancelled
from rbm_gui.engine.rbm import RBM

#: History columns of a bracket, on the row of the epoch it was measured at.
FORWARD, REVERSE = "ais_forward", "ais_reverse"
FORWARD_SEM, REVERSE_SEM = "ais_forward_sem", "ais_reverse_sem"


@dataclass(frozen=True)
class Bracket:
    epoch: int
    forward: float            # optimistic in expectation (nats/digit)
    reverse: float            # pessimistic in expectation
    forward_sem: float
    reverse_sem: float
    forward_effective_runs: float
    reverse_effective_runs: float
    n_betas: int
    n_digits: int
    seconds: float

    def history_values(self) -> dict[str, float]:
        return {FORWARD: self.forward, REVERSE: self.reverse,
                FORWARD_SEM: self.forward_sem, REVERSE_SEM: self.reverse_sem}

    def describe(self) -> str:
        return (f"Log-likelihood of the {self.n_digits:,} held-out digits at epoch {self.epoch}: between "
                f"{self.reverse:.2f} (reverse AIS, pessimistic, ±{self.reverse_sem:.2f}) and {self.forward:.2f} "
                f"(forward AIS, optimistic, ±{self.forward_sem:.2f}) nats/digit; {self.n_betas:,} temperatures, "
                f"{self.seconds:.0f} s.")


def held_out_digits(data) -> np.ndarray:
    """The digits the bracket scores: the prepared held-out split (test digits or --validation N)."""
    if data.held_out is None or len(data.held_out) == 0:
        raise ValueError("there are no held-out digits to score (set some aside in the Data settings)")
    return data.held_out


def likelihood_job(snapshot: RBM, epoch: int, train: np.ndarray, held_out: np.ndarray, control,
                   n_runs: int = ais.DEFAULT_RUNS, n_reverse: int = ais.DEFAULT_RUNS,
                   n_betas: int = ais.DEFAULT_BETAS, seed: int = 0):
    """Generator for the runner: the bracket of ``snapshot`` on ``held_out``; returns a Bracket or None."""
    total = n_betas - 1
    yield (0, total)               # the runner honours a Cancel asked before anything ran
    if not snapshot.is_finite():
        raise ValueError("the model has non-finite weights; nothing to estimate")
    base = np.asarray(train, dtype=np.float32).mean(axis=0)
    try:
        res = ais.ais_bracket(snapshot, base, held_out, np.random.default_rng(seed), n_runs, n_reverse, n_betas,
                              progress=lambda done, n: control.report((done, n)),
                              should_stop=lambda: control.cancelled)
    except Cancelled:
        return None
    yield (total, total)
    f, r = res.forward, res.reverse
    return Bracket(epoch, f.loglik, r.loglik, f.sem, r.sem, f.effective_runs, r.effective_runs,
                   res.n_betas, len(held_out), res.seconds)

"""The class timeline of labelled dreams (Qt-free): each chain's most likely digit at each recent step.

A ring buffer of (n_chains, length) class codes; :meth:`ClassTimeline.codes` gives them oldest
first with -1 for steps not yet taken, which the panel draws as ONE image (one row per chain, one
column per step, coloured by class). The panel computes P(y|v) once per drawn frame (~1 ms at 500
hidden units, as much as the Gibbs step): a frame that took ``span`` steps fills ``span`` columns
with the class seen at its last step, so the strip's x axis stays in steps at any speed.
"""

from __future__ import annotations

import numpy as np

TIMELINE_LENGTH = 200


class ClassTimeline:
    def __init__(self, n_chains: int = 0, length: int = TIMELINE_LENGTH):
        self.length = int(length)
        self.clear(n_chains)

    def clear(self, n_chains: int | None = None) -> None:
        """Forget every step (``n_chains`` rows from now on, if given)."""
        if n_chains is not None:
            self.n_chains = int(n_chains)
        self._ring = np.full((self.n_chains, self.length), -1, dtype=np.int16)
        self._next = 0              # column the next step goes to
        self.n_recorded = 0         # steps recorded since the last clear
        self.last_step = None       # step count of the newest column

    def push(self, classes, step: int | None = None, span: int = 1) -> None:
        """Record ``classes`` (n_chains,) ints, each chain's most likely class, for the last ``span``
        steps (``span`` > 1: the steps before the last were not looked at; they show its class)."""
        c = np.asarray(classes).reshape(-1)
        if c.shape[0] != self.n_chains:
            self.clear(c.shape[0])
        span = max(1, min(int(span), self.length))
        cols = (self._next + np.arange(span)) % self.length
        self._ring[:, cols] = c[:, None]
        self._next = (self._next + span) % self.length
        self.n_recorded += 1
        self.last_step = step

    def push_probs(self, probs, step: int | None = None, span: int = 1) -> None:
        """Record from (n_chains, n_labels) label probabilities (their argmax); see :meth:`push`."""
        self.push(np.argmax(np.asarray(probs), axis=1), step, span)

    def codes(self) -> np.ndarray:
        """(n_chains, length) int16, oldest step first, the newest in the last column; -1 = no step yet."""
        return np.roll(self._ring, -self._next, axis=1)

    def latest(self) -> np.ndarray | None:
        """(n_chains,) the newest step's classes, or None before any step."""
        return None if self.n_recorded == 0 else self._ring[:, (self._next - 1) % self.length].copy()

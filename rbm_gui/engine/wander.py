"""Wandering dreams: repulsive fast biases that push each chain away from where it has just been.

A trained RBM's chains settle in one digit for hundreds of steps, and even exact sampling (parallel
tempering) mostly shows the few digits the model gives the most mass (measured on the default
400-unit model: 2s and 3s, class entropy ~0.6; ``benchmarks/dream_quality.py``). Here every chain
carries its own fast hidden and visible biases that decay each step and are lowered by the units
that are on: ``f <- DECAY f - RATE h``, ``g <- DECAY g - RATE v``. A digit the chain stays in
slowly raises its own energy, the chain leaves it for another one and the biases fade again. This
is the fast-weights idea of Tieleman & Hinton (2009, "Using fast weights to improve persistent
contrastive divergence") without the data term, used for display only: the frames no longer sample
the model's distribution, and the visible biases cut strokes into fragments while they push
(``strength`` 0 turns it off; tempering samples the model exactly and keeps whole digits).
"""

from __future__ import annotations

import numpy as np

from rbm_gui.engine.rbm import DTYPE

__all__ = ["DECAY", "RATE", "FastBiases", "check_strength"]

#: per-step decay and rate at strength 1 (benchmarks/dream_quality.py, 400-unit model, 16 chains
#: from one 3: class entropy 0.88 against 0.59 for plain Gibbs, but the strokes break up: only
#: 30-40% of the frames are judged digit-like, against 85% for plain Gibbs; docs/engine-notes.md)
DECAY = 0.97
RATE = 0.1
MAX_STRENGTH = 10.0


def check_strength(strength: float) -> float:
    s = float(strength)
    if not 0 <= s <= MAX_STRENGTH:
        raise ValueError(f"wander strength must be between 0 and {MAX_STRENGTH:g}, got {strength}")
    return s


class FastBiases:
    """Fast biases of ``n`` chains: ``hidden`` (n, n_hidden) and ``visible`` (n, n_visible) float32."""

    def __init__(self, n: int, n_hidden: int, n_visible: int, strength: float = 1.0):
        self.strength = check_strength(strength)
        self.hidden = np.zeros((n, n_hidden), dtype=DTYPE)
        self.visible = np.zeros((n, n_visible), dtype=DTYPE)

    def update(self, h: np.ndarray, v: np.ndarray) -> None:
        """After a step with hidden states ``h`` and visibles ``v`` (bool or 0/1), both (n, units)."""
        rate = np.float32(RATE * self.strength)
        for fast, on in ((self.hidden, h), (self.visible, v)):
            fast *= np.float32(DECAY)
            fast -= rate * np.asarray(on, dtype=DTYPE)

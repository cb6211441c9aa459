"""Wandering dreams: repulsive fast hidden biases that push each chain on from the digits it has drawn.

A trained RBM's chains settle in one digit for hundreds of steps, and even exact sampling (parallel
tempering) cannot show all ten digits evenly: the default 400-unit model puts most of its own mass
on a few digits (measured with 16 tempered chains from noise, 16 temperatures up to T=4: 69% 0s,
13% 8s, no 1s, 2s or 6s; class entropy 0.47; docs/engine-notes.md). Here every chain carries its
own fast hidden biases that decay each step and are lowered by the hidden units that are on:
``f <- DECAY f - RATE s h``. A digit the chain stays in slowly raises its own energy, the chain
leaves it for another one and the biases fade again. This is the fast-weights idea of Tieleman &
Hinton (2009, "Using fast weights to improve persistent contrastive divergence") without the data
term, for display only: the frames no longer sample the model's distribution.

Only the hidden side is pushed: each frame is still the model's own P(v|h), so the strokes stay
whole (fast visible biases, tried first, cut them into fragments: 26% of the frames digit-like).
``DECAY`` sets the memory (about 300 steps), ``RATE / (1 - DECAY)`` the largest push on a unit that
stays on (1.3 at strength 1).
"""

from __future__ import annotations

import numpy as np

from rbm_gui.engine.rbm import DTYPE

__all__ = ["DECAY", "RATE", "FastBiases", "check_strength", "check_wander"]

#: per-step decay and rate at strength 1 (benchmarks/dream_quality.py, default 400-unit model, 16
#: chains x 1,000 steps from one 3: class entropy 0.90 with 85-89% of the frames digit-like, against
#: 0.56 for plain Gibbs and 0.79 for tempering 8; memories of 33-1,000 steps and pushes of 0.3-2.5
#: were measured, docs/engine-notes.md)
DECAY = 1.0 - 1.0 / 300.0
RATE = 1.3 / 300.0
MAX_STRENGTH = 10.0


def check_strength(strength: float) -> float:
    s = float(strength)
    if not 0 <= s <= MAX_STRENGTH:
        raise ValueError(f"wander strength must be between 0 and {MAX_STRENGTH:g}, got {strength}")
    return s


def check_wander(strength: float, replicas: int) -> float:
    """The strength, checked, and refused beside tempering (``replicas`` > 1)."""
    strength = check_strength(strength)
    if strength and replicas > 1:
        raise ValueError("wandering and tempering do not combine: tempering samples the model, "
                         "wandering leaves it on purpose")
    return strength


class FastBiases:
    """Fast hidden biases of ``n`` chains: ``hidden`` (n, n_hidden) float32, added to the hidden input."""

    def __init__(self, n: int, n_hidden: int, strength: float = 1.0):
        self.strength = check_strength(strength)
        self.hidden = np.zeros((n, n_hidden), dtype=DTYPE)

    def update(self, h: np.ndarray) -> None:
        """After a step whose hidden states were ``h`` ((n, n_hidden), bool or 0/1)."""
        self.hidden *= np.float32(DECAY)
        self.hidden -= np.float32(RATE * self.strength) * np.asarray(h, dtype=DTYPE)

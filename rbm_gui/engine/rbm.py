"""The Bernoulli-Bernoulli Restricted Boltzmann Machine: parameters, conditionals, sampling.

Energy ``E(v, h) = -b.v - c.h - v.W.h``; ``P(h_j=1|v) = sigmoid(c_j + v.W[:, j])``,
``P(v_i=1|h) = sigmoid(b_i + W[i, :].h)``. Parameters are float32; methods never mutate their inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rbm_gui.engine.numerics import sigmoid, softplus

DTYPE = np.float32


def _as_visible(v: np.ndarray, n_visible: int) -> np.ndarray:
    """2-D float32 view/copy of a batch of visible vectors, checking the width."""
    v = np.asarray(v)
    if v.ndim == 1:
        v = v[None, :]
    elif v.ndim > 2:
        v = v.reshape(v.shape[0], -1)
    if v.shape[1] != n_visible:
        raise ValueError(f"expected {n_visible} visible units per sample, got {v.shape[1]}")
    return v.astype(DTYPE, copy=False)


@dataclass
class GibbsChain:
    """States of Gibbs chains, one entry per step (step 0 is the start).

    visible_probs: (steps + 1, n_chains, n_visible) float32, P(v=1|h) of each step (step 0: the start).
    visible_samples: (steps + 1, n_chains, n_visible) bool, the sampled visibles (step 0: the start).
    """

    visible_probs: np.ndarray
    visible_samples: np.ndarray


class RBM:
    """A Bernoulli-Bernoulli RBM.

    Parameters
    ----------
    W : (n_visible, n_hidden) float32
    b : (n_visible,) float32, visible biases
    c : (n_hidden,) float32, hidden biases
    image_shape : (height, width) with height * width == n_visible (for display only)
    U : (n_labels, n_hidden) float32, optional: weights of a softmax group of label units joined to the
        hidden layer (a labelled, "joint" RBM: E(v, y, h) = E(v, h) - d.y - y.U.h with y one-hot)
    d : (n_labels,) float32, the label biases (required with U)
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, c: np.ndarray, image_shape: tuple[int, int] | None = None,
                 U: np.ndarray | None = None, d: np.ndarray | None = None):
        W = np.ascontiguousarray(W, dtype=DTYPE)
        b = np.ascontiguousarray(b, dtype=DTYPE).reshape(-1)
        c = np.ascontiguousarray(c, dtype=DTYPE).reshape(-1)
        if W.ndim != 2 or b.shape != (W.shape[0],) or c.shape != (W.shape[1],):
            raise ValueError(f"inconsistent shapes: W {W.shape}, b {b.shape}, c {c.shape}")
        if image_shape is None:
            side = math.isqrt(W.shape[0])
            image_shape = (side, side) if side * side == W.shape[0] else (1, W.shape[0])
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) != 2 or image_shape[0] * image_shape[1] != W.shape[0]:
            raise ValueError(f"image shape {image_shape} does not hold {W.shape[0]} visible units")
        if (U is None) != (d is None):
            raise ValueError("label weights U and label biases d come together")
        if U is not None:
            U = np.ascontiguousarray(U, dtype=DTYPE)
            d = np.ascontiguousarray(d, dtype=DTYPE).reshape(-1)
            if U.ndim != 2 or U.shape[1] != W.shape[1] or d.shape != (U.shape[0],) or U.shape[0] < 2:
                raise ValueError(f"inconsistent label shapes: U {U.shape}, d {d.shape} for {W.shape[1]} hidden units")
        self.W, self.b, self.c, self.image_shape = W, b, c, image_shape
        self.U, self.d = U, d

    # ------------------------------------------------------------------ construction
    @classmethod
    def initialise(cls, n_hidden: int, data: np.ndarray, rng: np.random.Generator,
                   image_shape: tuple[int, int] | None = None, scale: float = 1.0) -> "RBM":
        """Initialise as in Hinton's practical guide (section 8).

        W ~ N(0, 0.01^2); b_i = log(p_i / (1 - p_i)) with p_i the fraction of training vectors
        with pixel i on (clipped to [1e-3, 1 - 1e-3] so always-off border pixels get a finite bias);
        c = 0. ``data``: (N, n_visible) 0/1 values (bool or uint8), or grey levels with
        ``scale=255`` (then p_i is the mean probability of pixel i being on).
        """
        data = np.asarray(data)
        data = data.reshape(data.shape[0], -1)
        n_visible = data.shape[1]
        p = np.clip(data.mean(axis=0, dtype=np.float64) / scale, 1e-3, 1 - 1e-3)
        b = np.log(p / (1 - p))
        W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden))
        return cls(W, b, np.zeros(n_hidden), image_shape)

    def copy(self) -> "RBM":
        labels = (None, None) if self.U is None else (self.U.copy(), self.d.copy())
        return RBM(self.W.copy(), self.b.copy(), self.c.copy(), self.image_shape, *labels)

    def snapshot(self) -> "RBM":
        """A read-only copy, safe to hand to another thread while training continues."""
        snap = self.copy()
        for a in snap.parameters():
            a.flags.writeable = False
        return snap

    def parameters(self) -> tuple[np.ndarray, ...]:
        """(W, b, c), plus (U, d) for a labelled model."""
        return (self.W, self.b, self.c) + (() if self.U is None else (self.U, self.d))

    @property
    def n_labels(self) -> int:
        """Number of label units (0 for an unlabelled model)."""
        return 0 if self.U is None else self.U.shape[0]

    @property
    def n_visible(self) -> int:
        return self.W.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.W.shape[1]

    def is_finite(self) -> bool:
        return all(bool(np.isfinite(a).all()) for a in self.parameters())

    # ------------------------------------------------------------------ conditionals
    def hidden_probs(self, v: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        """P(h=1|v) (or P(h=1|v, y) given ``labels``): (N, n_hidden) float32 for v (N, n_visible) or (n_visible,).

        ``labels``: (N, n_labels) one-hot rows (or label probabilities, for a mean-field input) of a
        labelled model; None leaves the label units out (an unlabelled model's conditional).
        """
        v = _as_visible(v, self.n_visible)
        x = v @ self.W
        x += self.c
        if labels is not None:
            if self.U is None:
                raise ValueError("this model has no label units")
            x += np.atleast_2d(np.asarray(labels, dtype=DTYPE)) @ self.U
        return sigmoid(x, out=x)

    def label_probs(self, v: np.ndarray) -> np.ndarray:
        """Exact P(y|v) of a labelled model: (N, n_labels) float32.

        P(y|v) ∝ exp(d_y + sum_j softplus(c_j + U_yj + v.W[:, j])) (the free energy of each label),
        computed in float64 and normalised per row.
        """
        if self.U is None:
            raise ValueError("this model has no label units")
        v = _as_visible(v, self.n_visible)
        x = (v @ self.W + self.c).astype(np.float64)                  # (N, n_hidden)
        U = self.U.astype(np.float64)
        scores = np.stack([softplus(x + U[y]).sum(axis=1) for y in range(self.n_labels)], axis=1)
        scores += self.d.astype(np.float64)
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        return p.astype(DTYPE)

    def visible_probs(self, h: np.ndarray) -> np.ndarray:
        """P(v=1|h): (N, n_visible) float32 for h (N, n_hidden)."""
        h = np.atleast_2d(np.asarray(h)).astype(DTYPE, copy=False)
        x = h @ self.W.T
        x += self.b
        return sigmoid(x, out=x)

    @staticmethod
    def sample(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Bernoulli samples (bool) with success probabilities ``p``."""
        return rng.random(p.shape, dtype=DTYPE) < p

    def sample_hidden(self, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.sample(self.hidden_probs(v), rng)

    def sample_visible(self, h: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.sample(self.visible_probs(h), rng)

    # ------------------------------------------------------------------ energies
    def free_energy(self, v: np.ndarray) -> np.ndarray:
        """F(v) = -b.v - sum_j softplus(c_j + v.W[:, j]); (N,) float64, so that P(v) ∝ exp(-F(v))."""
        v = _as_visible(v, self.n_visible)
        x = (v @ self.W + self.c).astype(np.float64)
        return -(v.astype(np.float64) @ self.b.astype(np.float64)) - softplus(x).sum(axis=1)

    def energy(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        """E(v, h) = -b.v - c.h - v.W.h for matching batches; (N,) float64."""
        v = _as_visible(v, self.n_visible).astype(np.float64)
        h = np.atleast_2d(np.asarray(h, dtype=np.float64))
        W = self.W.astype(np.float64)
        return -(v @ self.b) - (h @ self.c) - np.einsum("ni,ij,nj->n", v, W, h)

    # ------------------------------------------------------------------ sampling
    def reconstruct(self, v: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One-step reconstruction v -> h ~ P(h|v) -> v' ~ P(v|h).

        Returns (probs, sample): P(v'=1|h) float32 and the sampled v' (bool), both (N, n_visible).
        """
        h = self.sample_hidden(v, rng)
        p = self.visible_probs(h)
        return p, self.sample(p, rng)

    def averaged_reconstruction(self, v: np.ndarray, n: int, rng: np.random.Generator,
                                use_samples: bool = True) -> np.ndarray:
        """Mean of ``n`` one-step reconstructions of the same inputs (the blog's Figures 4 and 6).

        With ``use_samples`` each reconstruction is the binary v' (as in the blog); otherwise its
        probabilities P(v'|h), which converges faster to the same limit E[v'|v]. (N, n_visible) float32.
        """
        if n < 1:
            raise ValueError("n must be at least 1")
        v = _as_visible(v, self.n_visible)
        ph = self.hidden_probs(v)
        total = np.zeros(v.shape, dtype=np.float64)
        chunk = max(1, min(n, 65536 // max(1, v.shape[0])))
        done = 0
        while done < n:
            m = min(chunk, n - done)
            h = self.sample(np.broadcast_to(ph, (m,) + ph.shape), rng)
            p = self.visible_probs(h.reshape(-1, self.n_hidden)).reshape(m, *v.shape)
            total += (self.sample(p, rng) if use_samples else p).sum(axis=0, dtype=np.float64)
            done += m
        return (total / n).astype(DTYPE)

    def gibbs_chain(self, v0: np.ndarray, steps: int, rng: np.random.Generator) -> GibbsChain:
        """Run alternating Gibbs sampling v -> h -> v for ``steps`` steps from visibles ``v0``.

        ``v0``: (n_chains, n_visible) in [0, 1]; a non-binary start (e.g. grey pixels) is used as
        it is for the first hidden step. Step 0 of the result is the start itself.
        """
        v = _as_visible(v0, self.n_visible)
        n = v.shape[0]
        probs = np.empty((steps + 1, n, self.n_visible), dtype=DTYPE)
        samples = np.empty((steps + 1, n, self.n_visible), dtype=bool)
        probs[0] = v
        samples[0] = v >= 0.5
        for t in range(1, steps + 1):
            probs[t], samples[t] = self.gibbs_step(v, rng)
            v = samples[t]
        return GibbsChain(probs, samples)

    def gibbs_step(self, v: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One alternating Gibbs step v -> h ~ P(h|v) -> v' ~ P(v|h): returns (P(v'=1|h), v' as bool).

        The dream panel calls this once per frame; ``gibbs_chain`` is a loop of it, so both give the
        same states for the same generator.
        """
        h = self.sample_hidden(v, rng)
        p = self.visible_probs(h)
        return p, self.sample(p, rng)

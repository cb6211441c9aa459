"""The math of one labelled-RBM update: generative CD-k / PCD with a softmax label group, and the
exact gradient of log P(y|v) (the hybrid objective of Larochelle & Bengio 2008).

The model is the joint RBM of Hinton, Osindero & Teh (2006):
``E(v, y, h) = -b.v - c.h - d.y - v.W.h - y.U.h`` with ``y`` one-hot over ``n_labels`` units.
Samples are rows here (B x units): this path is separate from the fused unlabelled update
(``cd_update``), which stays bit-identical and as fast; a labelled step costs about two
unlabelled ones plus the B x n_labels x n_hidden discriminative terms.

Centring (Montavon & Mueller 2012; Melchior, Fischer & Wiskott 2016) covers the label units too:
visible offsets ``mu`` (the data's pixel means), label offsets ``nu`` (the class frequencies),
hidden offsets ``lam`` (a moving average of P(h|v, y) on the data). The discriminative gradient
is centred too (``centred``: its W part becomes (v - mu) g, as for a centred network's inputs),
and the sum is converted back to a step of the standard parameters (``standard_step``), so the
model knows nothing of the offsets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rbm_gui.engine.numerics import sigmoid
from rbm_gui.engine.rbm import DTYPE


@dataclass
class Gradients:
    """Ascent directions (per sample, averaged over the batch) in the standard parameters."""

    W: np.ndarray   # (n_visible, n_hidden)
    b: np.ndarray   # (n_visible,)
    c: np.ndarray   # (n_hidden,)
    U: np.ndarray   # (n_labels, n_hidden)
    d: np.ndarray   # (n_labels,)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.W, self.b, self.c, self.U, self.d


def sample_softmax(logits: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One draw per row from softmax(``logits``) (B x K): returns (probabilities, indices (B,) int64).

    Inverse CDF: one uniform per row against the cumulative probabilities (one group, one draw).
    """
    p = logits - logits.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(axis=1, keepdims=True)
    cdf = np.cumsum(p, axis=1)
    u = rng.random((len(p), 1), dtype=DTYPE)
    idx = np.minimum((cdf < u).sum(axis=1), p.shape[1] - 1)     # rounding: cdf[-1] may be < 1
    return p, idx


def shifted(v: np.ndarray, image_shape: tuple[int, int], max_shift: int,
            rng: np.random.Generator) -> np.ndarray:
    """Each row of ``v`` (B x h*w images) moved by its own random (dy, dx) in -max_shift..max_shift,
    the uncovered border filled with 0: data augmentation against over-fitting (a 1-pixel shift keeps
    a digit's class and looks like another writer's)."""
    if max_shift <= 0:
        return v
    B, (h, w), s = len(v), image_shape, max_shift
    padded = np.zeros((B, h + 2 * s, w + 2 * s), v.dtype)
    padded[:, s:s + h, s:s + w] = v.reshape(B, h, w)
    dy, dx = rng.integers(-s, s + 1, size=(2, B))
    rows = np.arange(h) + s - dy[:, None]                  # (B, h): source row of each output row
    cols = np.arange(w) + s - dx[:, None]
    return padded[np.arange(B)[:, None, None], rows[:, :, None], cols[:, None, :]].reshape(B, h * w)


def discriminative_gradient(W, c, U, d, v: np.ndarray, y: np.ndarray,
                            x: np.ndarray | None = None) -> tuple[Gradients, np.ndarray]:
    """The exact gradient of mean_n log P(y_n|v_n) and P(y|v) (B x K), float32.

    With ``o_kj = c_j + U_kj + v.W[:, j]`` and ``s = sigmoid(o)``:
    ``P(k|v) ∝ exp(d_k + sum_j softplus(o_kj))``; d/dd_k = 1[k=y] - P(k|v);
    d/dU_kj = (1[k=y] - P(k|v)) s_kj; d/dc_j = g_j = s_yj - sum_k P(k|v) s_kj; d/dW_ij = v_i g_j.
    ``x``: v @ W + c if already computed. b gets no gradient.
    """
    B = len(v)
    if x is None:
        x = v @ W + c
    o = x[:, None, :] + U[None, :, :]                   # (B, K, nh)
    # free energy per label: d_k + sum_j softplus(o_kj) (row-normalised below); softplus as
    # max(o, 0) + log1p(exp(-|o|)): np.logaddexp(0, o) measured 15x slower here
    sp = np.abs(o)
    np.negative(sp, out=sp)
    np.exp(sp, out=sp)
    np.log1p(sp, out=sp)
    sp += np.maximum(o, 0)
    scores = sp.sum(axis=2) + d
    del sp
    scores -= scores.max(axis=1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=1, keepdims=True)
    s = sigmoid(o, out=o)
    rows = np.arange(B)
    onehot = np.zeros_like(p)
    onehot[rows, y] = 1.0
    r = onehot - p                                      # (B, K)
    g = s[rows, y] - np.einsum("bk,bkj->bj", p, s)      # (B, nh)
    inv = DTYPE(1.0 / B)
    grads = Gradients(W=(v.T @ g) * inv, b=np.zeros(v.shape[1], DTYPE), c=g.mean(axis=0, dtype=DTYPE),
                      U=np.einsum("bk,bkj->kj", r, s) * inv, d=r.mean(axis=0, dtype=DTYPE))
    return grads, p


@dataclass
class NegativePhase:
    """The end of the Gibbs chain: visible samples, label samples (indices), P(h|v1, y1), and
    the hidden state PCD continues from."""

    v: np.ndarray
    y: np.ndarray
    ph: np.ndarray
    h_next: np.ndarray


def gibbs_negative(W, b, c, U, d, h: np.ndarray, k: int, rng: np.random.Generator,
                   persistent: bool) -> NegativePhase:
    """k steps h -> (v ~ P(v|h), y ~ softmax(d + U h)) -> P(h|v, y) from the hidden states ``h``
    (B x nh, 0/1 float32). With ``persistent`` the chains' next hidden state is drawn from the
    last P(h|v, y) (before the update, as the unlabelled PCD does)."""
    for t in range(k):
        pv = sigmoid(h @ W.T + b)
        v = (rng.random(pv.shape, dtype=DTYPE) < pv).astype(DTYPE)
        _, y = sample_softmax(h @ U.T + d, rng)
        ph = sigmoid(v @ W + c + U[y])
        if t + 1 < k or persistent:
            h = (rng.random(ph.shape, dtype=DTYPE) < ph).astype(DTYPE)
    return NegativePhase(v, y, ph, h)


def centred(g: Gradients, mu, nu, lam) -> Gradients:
    """The gradient ``g`` (standard parameters) as the gradient in the centred parameters
    (chain rule through c = c' - mu W' - nu U', b = b' - W' lam, d = d' - U' lam): only the
    weights' parts change, ``gW' = gW - mu gc - gb lam``, ``gU' = gU - nu gc - gd lam``."""
    return Gradients(W=g.W - np.outer(mu, g.c) - np.outer(g.b, lam), b=g.b, c=g.c,
                     U=g.U - np.outer(nu, g.c) - np.outer(g.d, lam), d=g.d)


def standard_step(g: Gradients, mu, nu, lam) -> Gradients:
    """A step ``g`` of the centred parameters as the step of the standard ones (offsets fixed):
    ``db = gb - gW lam``, ``dc = gc - mu gW - nu gU``, ``dd = gd - gU lam`` (W, U unchanged)."""
    return Gradients(W=g.W, b=g.b - g.W @ lam, c=g.c - mu @ g.W - nu @ g.U, U=g.U, d=g.d - g.U @ lam)


def generative_gradient(v0, y0, ph0, neg: NegativePhase, n_labels: int, mu, nu, lam) -> Gradients:
    """The CD / PCD gradient of the joint model (data statistics minus the chain's) in the
    parameters centred by ``mu``, ``nu``, ``lam`` (zeros: the plain gradient); ``standard_step``
    turns it into a step of the model's parameters."""
    B = len(v0)
    inv = DTYPE(1.0 / B)
    Y0 = np.zeros((B, n_labels), DTYPE)
    Y0[np.arange(B), y0] = 1.0
    Y1 = np.zeros_like(Y0)
    Y1[np.arange(B), neg.y] = 1.0
    # one product for W: [v0 - mu; v1 - mu].T @ [h0 - lam; -(h1 - lam)]
    Vs = np.concatenate([v0, neg.v]) - mu
    Hs = np.concatenate([ph0 - lam, lam - neg.ph])
    gW = (Vs.T @ Hs) * inv
    gU = ((np.concatenate([Y0, Y1]) - nu).T @ Hs) * inv
    gb = (v0.sum(axis=0) - neg.v.sum(axis=0)) * inv
    gc = (ph0.sum(axis=0) - neg.ph.sum(axis=0)) * inv
    gd = (Y0.sum(axis=0) - Y1.sum(axis=0)) * inv
    return Gradients(W=gW, b=gb, c=gc, U=gU, d=gd)

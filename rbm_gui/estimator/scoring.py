"""Numerics of the scikit-learn estimator that need no scikit-learn: P(h|v), free energies and
the per-sample pseudo-likelihood, on dense or scipy sparse rows.

The parameters are the estimator's (``components_`` (n_components, n_features) float32 and the
two intercepts); products run in the input's float dtype, free energies in float64.
"""

from __future__ import annotations

import numpy as np

#: Rows per chunk when sparse input is made dense (score_samples): ~6 MB of float64 at 784 pixels.
CHUNK_ROWS = 1000


def dense_rows(X, start: int, stop: int) -> np.ndarray:
    """Rows start:stop of X as a dense float64 array."""
    part = X[start:stop]
    part = part.toarray() if hasattr(part, "toarray") else np.asarray(part)
    return part.astype(np.float64, copy=False)


def hidden_input(X, components: np.ndarray, intercept_hidden: np.ndarray) -> np.ndarray:
    """X W + c in X's float dtype (dense or sparse X); (n_samples, n_components)."""
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    W = components.T.astype(dtype, copy=False)
    x = X @ W
    x = np.asarray(x, dtype=dtype)
    x += intercept_hidden.astype(dtype, copy=False)
    return x


def sigmoid_(x: np.ndarray) -> np.ndarray:
    """Logistic function in place, without overflow (0.5 tanh(x/2) + 0.5)."""
    x *= 0.5
    np.tanh(x, out=x)
    x *= 0.5
    x += 0.5
    return x


def flipped_pixels(v: np.ndarray, seed: int) -> np.ndarray:
    """For each row of ``v`` (float64), the pixel the pseudo-likelihood flips: a hash of the row's
    own values and ``seed``, so a sample's score does not depend on the other rows (their order,
    which of them are scored together) and is the same on every call."""
    n_features = v.shape[1]
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 2**63, size=n_features, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    words = np.ascontiguousarray(v, dtype=np.float64).view(np.uint64)
    h = (words * keys).sum(axis=1, dtype=np.uint64)         # mod 2^64
    for mult in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):     # murmur3's finaliser: mix all bits
        h ^= h >> np.uint64(33)
        h *= np.uint64(mult)
    h ^= h >> np.uint64(33)
    return (h % np.uint64(n_features)).astype(np.intp)


def softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def pseudo_likelihood(X, components, intercept_hidden, intercept_visible, seed: int) -> np.ndarray:
    """Per sample: ``n_features * log P(v_i | v_-i)`` for one pixel ``i`` per sample
    (``flipped_pixels``), i.e. ``-n_features * softplus(F(v) - F(v with pixel i flipped))``:
    scikit-learn's estimate of the pseudo-log-likelihood sum_i log P(v_i | v_-i), not clipped.
    float64 (n_samples,)."""
    W = components.T.astype(np.float64)          # (n_features, n_components)
    b = intercept_visible.astype(np.float64)
    c = intercept_hidden.astype(np.float64)
    n, n_features = X.shape
    out = np.empty(n, np.float64)
    for s in range(0, n, CHUNK_ROWS):
        v = dense_rows(X, s, min(n, s + CHUNK_ROWS))
        rows = np.arange(len(v))
        i = flipped_pixels(v, seed)
        sign = 1.0 - 2.0 * v[rows, i]            # the flip's change of v_i (for 0/1 data: +-1)
        x = v @ W + c
        x_flip = x + sign[:, None] * W[i]
        vb = v @ b
        fe = -vb - softplus(x).sum(axis=1)
        fe_flip = -(vb + sign * b[i]) - softplus(x_flip).sum(axis=1)
        out[s:s + len(v)] = -n_features * softplus(-(fe_flip - fe))
    return out

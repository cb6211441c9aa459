"""Small numerically careful kernels shared by the engine (numpy only)."""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic function, computed as ``0.5 * tanh(0.5 x) + 0.5``.

    The tanh form never overflows (``1 / (1 + exp(-x))`` warns for x < -88 in float32) and was
    the fastest form measured here (~0.5 ns per float32 element). ``out`` may be ``x`` itself.
    """
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log1p(exp(-|x|))``."""
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def logsumexp(a: np.ndarray, axis=None) -> np.ndarray:
    """``log(sum(exp(a)))`` along ``axis``, stable for large entries."""
    a = np.asarray(a, dtype=np.float64)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    s = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return s.squeeze(axis) if axis is not None else s.reshape(())


def logmeanexp(a: np.ndarray) -> float:
    """``log(mean(exp(a)))`` of a 1-D array."""
    a = np.asarray(a, dtype=np.float64)
    return float(logsumexp(a) - np.log(a.size))

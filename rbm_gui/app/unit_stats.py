"""Per-hidden-unit statistics over a data split (Qt-free, numpy): the unit inspector and ``rbm-gui units``.

For each hidden unit j of a model and binary digits V (N, n_visible):

- ``mean``: the mean of P(h_j=1|v) over the digits (its activity);
- ``top``: the K digits with the highest P(h_j=1|v), highest first (equal probabilities: lower
  index first), with those probabilities;
- ``class_means`` (with labels): the mean of P(h_j=1|v) over the digits of each class;
- ``selectivity``: 1 - H(q)/log(C), where q is the unit's class means normalised to sum to 1 and
  C the number of classes: 0 for a unit that answers every class alike, 1 for one class only;
- ``weight_norm``: ||W[:, j]||.

The digits go through in chunks of ``chunk`` rows, so 60,000 digits x 500 units needs a few MB
(one chunk of P(h|v)) rather than the 120 MB of the whole matrix; ``should_stop`` is asked between
chunks (the window's job cancels there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

CHUNK = 4096


class Cancelled(Exception):
    """``should_stop`` said stop between two chunks."""


@dataclass
class UnitStats:
    """Statistics of every hidden unit over ``n`` digits (arrays indexed by unit).

    mean: (n_hidden,) float64; top: (n_hidden, k) int64 digit indices; top_probs: (n_hidden, k)
    float32; class_means: (n_classes, n_hidden) float64 or None; class_counts: (n_classes,) int64
    or None; weight_norm: (n_hidden,) float64.
    """

    n: int
    mean: np.ndarray
    top: np.ndarray
    top_probs: np.ndarray
    class_means: np.ndarray | None
    class_counts: np.ndarray | None
    weight_norm: np.ndarray

    @property
    def n_hidden(self) -> int:
        return len(self.mean)

    @property
    def selectivity(self) -> np.ndarray:
        """(n_hidden,) in [0, 1]; NaN without labels or for a unit that never answers."""
        if self.class_means is None:
            return np.full(self.n_hidden, np.nan)
        return selectivity(self.class_means)


def selectivity(class_means: np.ndarray) -> np.ndarray:
    """1 - normalised entropy of each column of ``class_means`` (n_classes, n_hidden)."""
    cm = np.asarray(class_means, dtype=np.float64)
    c = cm.shape[0]
    total = cm.sum(axis=0)
    out = np.full(cm.shape[1], np.nan)
    ok = total > 0
    if c < 2 or not ok.any():
        return out
    q = cm[:, ok] / total[ok]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(q > 0, q * np.log(q), 0.0).sum(axis=0)
    out[ok] = np.clip(1.0 - h / np.log(c), 0.0, 1.0)
    return out


def weight_norms(rbm) -> np.ndarray:
    return np.linalg.norm(np.asarray(rbm.W, dtype=np.float64), axis=0)


def _merge_top(best_p, best_i, pT, idx, k):
    """The k best (highest p, then lowest index) of the candidates per unit.

    best_p/best_i: (m, H) current candidates or None; pT: (H, r) C-contiguous new probabilities
    (units in rows: partitioning along contiguous rows is ~7x faster) of the digits ``idx`` (r,).
    Only entries at least the unit's k-th largest new value are candidates, so ties are kept
    whole and the result does not depend on how the digits were chunked.
    """
    h, r = pT.shape
    kk = min(k, r)
    kth = np.partition(pT, r - kk, axis=1)[:, r - kk]        # (H,) the kk-th largest per unit
    cols, rows = np.nonzero(pT >= kth[:, None])
    cand_p, cand_i, cand_c = pT[cols, rows], idx[rows], cols
    if best_p is not None:
        m = best_p.shape[0]
        cand_p = np.concatenate([cand_p, best_p.ravel()])
        cand_i = np.concatenate([cand_i, best_i.ravel()])
        cand_c = np.concatenate([cand_c, np.tile(np.arange(h), m)])
    order = np.lexsort((cand_i, -cand_p.astype(np.float64), cand_c))
    cand_p, cand_i, cand_c = cand_p[order], cand_i[order], cand_c[order]
    start = np.searchsorted(cand_c, np.arange(h))
    rank = np.arange(len(cand_c)) - start[cand_c]
    keep = rank < k
    n_keep = min(k, int(np.bincount(cand_c[keep], minlength=h).min()))
    keep &= rank < n_keep
    out_p = np.empty((n_keep, h), dtype=np.float32)
    out_i = np.empty((n_keep, h), dtype=np.int64)
    out_p[rank[keep], cand_c[keep]] = cand_p[keep]
    out_i[rank[keep], cand_c[keep]] = cand_i[keep]
    return out_p, out_i


def unit_statistics(rbm, V: np.ndarray, labels: np.ndarray | None = None, top_k: int = 16,
                    chunk: int = CHUNK, should_stop: Callable[[], bool] | None = None,
                    n_classes: int | None = None) -> UnitStats:
    """Statistics of every hidden unit of ``rbm`` over the digits ``V`` (N, n_visible), chunked.

    ``labels``: (N,) ints for the class means (None: no class means); ``n_classes`` defaults to
    max(label) + 1. Raises ``Cancelled`` when ``should_stop()`` is true between two chunks.
    """
    V = np.asarray(V)
    V = V.reshape(V.shape[0], -1)
    n, h = V.shape[0], rbm.n_hidden
    if n == 0:
        raise ValueError("no digits to measure the units on")
    if labels is not None:
        labels = np.asarray(labels).reshape(-1).astype(np.int64)
        if len(labels) != n:
            raise ValueError(f"{len(labels)} labels for {n} digits")
        n_classes = int(labels.max()) + 1 if n_classes is None else int(n_classes)
        sums = np.zeros((n_classes, h), dtype=np.float64)
    total = np.zeros(h, dtype=np.float64)
    best_p = best_i = None
    for s in range(0, n, chunk):
        if should_stop is not None and should_stop():
            raise Cancelled()
        p = rbm.hidden_probs(V[s:s + chunk])
        total += p.sum(axis=0, dtype=np.float64)
        if labels is not None:
            # masked sums, not a one-hot matrix product: that thin product took 0.2 s per chunk
            # on two busy cores with OpenBLAS's threads (~3 ms this way)
            lab = labels[s:s + chunk]
            for c in np.unique(lab):
                sums[c] += p[lab == c].sum(axis=0, dtype=np.float64)
        best_p, best_i = _merge_top(best_p, best_i, np.ascontiguousarray(p.T), np.arange(s, s + len(p)), top_k)
    class_means = counts = None
    if labels is not None:
        counts = np.bincount(labels, minlength=n_classes).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            class_means = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], np.nan)
    return UnitStats(n, total / n, best_i.T.copy(), best_p.T.copy(), class_means, counts, weight_norms(rbm))


def sort_keys(stats: UnitStats | None, rbm, key: str) -> np.ndarray:
    """(n_hidden,) float64 values that ``key`` ('activity' | 'selectivity' | 'weight_norm') sorts by."""
    if key == "weight_norm":
        return weight_norms(rbm)
    if stats is None:
        return np.full(rbm.n_hidden, np.nan)
    if key == "activity":
        return np.asarray(stats.mean, dtype=np.float64)
    if key == "selectivity":
        return stats.selectivity
    raise ValueError(f"unknown sort key {key!r}")


def ordered_units(values: np.ndarray, descending: bool = True) -> np.ndarray:
    """Unit indices ordered by ``values`` (NaN last; equal values: lower unit first)."""
    v = np.asarray(values, dtype=np.float64)
    key = np.where(np.isnan(v), np.inf, -v if descending else v)
    return np.argsort(key, kind="stable")

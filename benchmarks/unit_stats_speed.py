"""Per-unit statistics (app/unit_stats.py, the unit inspector's job and ``rbm-gui units``) on
60,000 digits x 500 hidden units: time and peak memory of the chunked pass against the plain
baseline that computes the whole P(h|v) matrix and sorts each column (same run, interleaved).

The 60,000 digits are the bundled 15,000 (5,000 training + 10,000 test) four times over, so it
runs offline. Usage: python benchmarks/unit_stats_speed.py [--hidden 500] [--top 25] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from rbm_gui.app.unit_stats import unit_statistics
from rbm_gui.data import load_dataset
from rbm_gui.engine.rbm import RBM


def baseline(rbm, V, labels, k):
    """The obvious way: the whole (N, n_hidden) matrix, a full sort per column."""
    P = rbm.hidden_probs(V)
    mean = P.mean(axis=0, dtype=np.float64)
    top = np.argsort(-P, axis=0, kind="stable")[:k].T
    cm = np.stack([P[labels == c].mean(axis=0) for c in range(10)])
    return mean, top, cm


def measure(f):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = f()
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return dt, peak / 2**20, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=500)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    parts = [load_dataset("mnist-sample", s) for s in ("train", "test")]
    V = np.tile(np.vstack([p.binarize() for p in parts]), (4, 1))
    y = np.tile(np.concatenate([p.labels for p in parts]), 4)
    rng = np.random.default_rng(0)
    rbm = RBM(rng.normal(0, 0.05, (784, args.hidden)), rng.normal(0, 0.1, 784), rng.normal(0, 1, args.hidden))
    print(f"{len(V):,} digits x {args.hidden} hidden units, top {args.top}; input {V.nbytes / 2**20:.0f} MB "
          f"(bool), not counted below")
    for r in range(args.repeats):
        t_c, m_c, st = measure(lambda: unit_statistics(rbm, V, y, top_k=args.top))
        t_b, m_b, (mean, top, cm) = measure(lambda: baseline(rbm, V, y, args.top))
        same = np.allclose(st.mean, mean, rtol=1e-5) and np.allclose(st.class_means, cm, rtol=1e-4, atol=1e-6)
        agree = np.mean(st.top == top)
        print(f"round {r + 1}: chunked {t_c:5.2f} s, peak {m_c:6.1f} MB | whole matrix {t_b:5.2f} s, "
              f"peak {m_b:6.1f} MB | means equal: {same}, top digits identical: {agree:.1%}")


if __name__ == "__main__":
    main()

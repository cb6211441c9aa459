"""Training speed of the engine's CD-1 against scikit-learn's BernoulliRBM, same data, same run.

60,000 binarised MNIST digits (the bundled 5,000 training digits repeated 12 times), batch 100,
one epoch per measurement, at n_hidden 10, 20 and 400. The machine is shared and noisy, so the
engines alternate and each is measured several times; the best (least disturbed) time of each
is compared. scikit-learn is given float32 input, its fastest path.

Four engine variants are timed against the same scikit-learn runs:
  CD-1  defaults  the CD-1 step with the defaults' extras (centring, momentum, weight decay)
  CD-1  plain     CD-1 without them (scikit-learn has none of them)
  PCD-1 defaults  what `rbm-gui train` runs by default
  PCD-1 plain     scikit-learn's own algorithm (persistent chains, no extras): like for like

Also prints the peak resident memory of a ``rbm-gui train`` run on 60,000 digits at n_hidden=400
(subprocess, so it measures the real command).

Usage: python benchmarks/engine_speed.py [--repeats 3] [--hidden 10,20,400] [--no-memory]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset, write_idx
from rbm_gui.engine.blas import max_blas_threads, set_blas_threads
from rbm_gui.engine.training import Trainer


def data_60k() -> np.ndarray:
    ds = load_dataset("mnist-sample", "train")
    return np.tile(ds.binarize(128), (12, 1))


#: CD-1 as scikit-learn does it: no centring, no momentum, no weight decay (only the sampling
#: scheme differs: CD restarts at the data, scikit-learn's PCD continues its chains).
PLAIN = dict(centering=False, momentum=0.0, initial_momentum=0.0, weight_decay=0.0)


#: The issue's targets for CD-1 training against scikit-learn.
TARGETS = {20: 2.5, 400: 1.8}

VARIANTS = {"CD-1 defaults": dict(pcd=False), "CD-1 plain": dict(pcd=False, **PLAIN),
            "PCD-1 defaults": dict(pcd=True), "PCD-1 plain": dict(pcd=True, **PLAIN)}


def time_engine(X, nh, seed, **kw) -> float:
    cfg = TrainingConfig(n_hidden=nh, epochs=1, batch_size=100, seed=seed, **kw)
    trainer = Trainer.create(X, cfg)
    t = time.perf_counter()
    trainer.run_epoch()
    return time.perf_counter() - t


def time_sklearn(X32, nh, seed) -> float:
    from sklearn.neural_network import BernoulliRBM
    set_blas_threads(max_blas_threads())       # scikit-learn runs with numpy's default: all cores
    rbm = BernoulliRBM(n_components=nh, batch_size=100, n_iter=1, learning_rate=0.05, random_state=seed)
    t = time.perf_counter()
    rbm.fit(X32)
    return time.perf_counter() - t


def peak_rss_of_train(n_hidden=400) -> float:
    """Peak RSS (MB) of `rbm-gui train` on 60,000 digits (an IDX file of the repeated sample).

    The child reports its own high-water mark (getrusage(RUSAGE_SELF) after the command): the
    parent's RUSAGE_CHILDREN would also count the pages a fork briefly shares with this process.
    """
    ds = load_dataset("mnist-sample", "train")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "mnist60k-images-idx3-ubyte")
        write_idx(path, np.tile(ds.images, (12, 1, 1)))
        argv = ["train", "--data", path, "--hidden", str(n_hidden), "--epochs", "1", "--batch-size", "100",
                "--quiet", "--out", os.path.join(d, "m.npz")]
        code = ("import resource, sys\nfrom rbm_gui.cli import main\n"
                f"rc = main({argv!r})\n"
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\nsys.exit(rc)")
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return int(out.split()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--hidden", default="10,20,400")
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args()
    if not args.no_memory:     # first, while this process is still small
        print(f"peak RSS of `rbm-gui train` on 60,000 digits, n_hidden=400: {peak_rss_of_train():.0f} MB", flush=True)
    X = data_60k()
    X32 = X.astype(np.float32)
    n = X.shape[0]
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, {n} digits, batch 100, best of {args.repeats}")
    print(f"{'n_hidden':>8} {'trainer':>15} {'s/epoch':>8} {'digits/s':>9} {'vs sklearn':>10}")
    for nh in (int(h) for h in args.hidden.split(",")):
        times = {name: [] for name in ["scikit-learn", *VARIANTS]}
        for r in range(args.repeats):          # alternate, so all see the same machine
            times["scikit-learn"].append(time_sklearn(X32, nh, r))
            for name, kw in VARIANTS.items():
                times[name].append(time_engine(X, nh, r, **kw))
        s = min(times["scikit-learn"])
        for name, ts in times.items():
            t = min(ts)
            print(f"{nh:>8} {name:>15} {t:>8.3f} {n / t:>9,.0f} {s / t:>9.2f}x   (all: {np.round(ts, 3).tolist()})",
                  flush=True)
        if nh in TARGETS:
            ratio = s / min(times["CD-1 plain"])
            print(f"{'':>8} target for CD-1 (the same algorithm as scikit-learn's but for PCD): >= {TARGETS[nh]}x "
                  f"-> {ratio:.2f}x {'met' if ratio >= TARGETS[nh] else 'NOT met'}", flush=True)

if __name__ == "__main__":
    main()

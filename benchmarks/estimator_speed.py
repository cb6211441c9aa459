"""``rbm_gui.BernoulliRBM.fit`` against scikit-learn's ``BernoulliRBM.fit``, same data, same run.

20,000 binarised digits (threshold 128), 400 components, batch 100, 3 iterations (epochs), both
given the same float32 0/1 array (scikit-learn's fastest input). The machine is shared and
noisy, so the estimators alternate and each is timed ``--repeats`` times; the best (least
disturbed) times are compared. Whole ``fit`` calls: input validation and conversion included.

Two configurations of this package's estimator are timed:
  defaults         BernoulliRBM(...) as constructed: PCD-1 with centring, momentum 0.5, weight decay
  sklearn's algo   momentum=0, weight_decay=0, centering=False: PCD-1 as scikit-learn runs it

Digits: the full MNIST training set from the app's cache (``rbm-gui download mnist``) when it is
there or ``--mnist-dir`` names a folder with its IDX files; otherwise the bundled 5,000 training
and 10,000 test digits plus the first 5,000 of them again (15,000 distinct digits), said so.

BLAS threads: each estimator as it comes (scikit-learn: numpy's default, all cores; this one:
"auto", all cores at 400 units), or ``--blas-threads N`` for both (on a loaded 2-core machine
two threads can run several times slower than one, for both alike).

Usage: python benchmarks/estimator_speed.py [--repeats 3] [--n 20000] [--mnist-dir DIR] [--blas-threads N]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from rbm_gui.data import load_dataset

TARGET = 1.8
SETTINGS = dict(n_components=400, batch_size=100, n_iter=3)
SKLEARN_ALGO = dict(momentum=0.0, weight_decay=0.0, centering=False)


def digits(n: int, mnist_dir: str | None) -> tuple[np.ndarray, str]:
    """n binarised digits as float32 0/1, and where they come from."""
    spec = None
    if mnist_dir:
        spec = os.path.join(mnist_dir, "train-images-idx3-ubyte.gz")
        if not os.path.exists(spec):
            spec = spec[:-3]
    else:
        try:
            ds = load_dataset("mnist", "train")
        except Exception:       # not downloaded: the bundled digits
            ds = None
        if ds is not None and ds.n >= n:
            return ds.binarize(128)[:n].astype(np.float32), f"the first {n:,} full-MNIST training digits (cache)"
    if spec is not None:
        ds = load_dataset(spec, "train")
        return ds.binarize(128)[:n].astype(np.float32), f"the first {n:,} digits of {spec}"
    train, test = load_dataset("mnist-sample", "train"), load_dataset("mnist-sample", "test")
    both = np.concatenate([train.binarize(128), test.binarize(128)])
    reps = -(-n // len(both))
    X = np.tile(both, (reps, 1))[:n].astype(np.float32)
    distinct = min(n, len(both))
    note = (f"{n:,} digits: the bundled 5,000 training + 10,000 test digits"
            + (f", then the first {n - distinct:,} of them again ({distinct:,} distinct; full MNIST is not in the cache)"
               if n > distinct else ""))
    return X, note


def time_fit(make, X) -> float:
    est = make()
    t = time.perf_counter()
    est.fit(X)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--mnist-dir", help="a folder with the full MNIST's train-images-idx3-ubyte[.gz]")
    ap.add_argument("--blas-threads", type=int, help="BLAS threads for both estimators (default: their own)")
    args = ap.parse_args()
    from sklearn.neural_network import BernoulliRBM as ScikitRBM
    import sklearn
    from threadpoolctl import threadpool_limits
    from rbm_gui import BernoulliRBM

    X, note = digits(args.n, args.mnist_dir)
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, {os.cpu_count()} CPUs")
    print(f"data: {note}; float32 0/1, shape {X.shape}")
    print(f"fit: {SETTINGS}, best of {args.repeats} interleaved runs")
    ours = {} if args.blas_threads is None else {"blas_threads": args.blas_threads}
    print(f"BLAS threads: {args.blas_threads or 'each its own default'}")
    makers = {
        "scikit-learn": lambda r: ScikitRBM(**SETTINGS, random_state=r),
        "rbm_gui defaults": lambda r: BernoulliRBM(**SETTINGS, **ours, random_state=r),
        "rbm_gui sklearn's algo": lambda r: BernoulliRBM(**SETTINGS, **SKLEARN_ALGO, **ours, random_state=r),
    }
    times = {name: [] for name in makers}
    for r in range(args.repeats):        # alternate, so that all see the same machine
        for name, make in makers.items():
            if args.blas_threads is not None and name == "scikit-learn":
                with threadpool_limits(limits=args.blas_threads, user_api="blas"):
                    times[name].append(time_fit(lambda: make(r), X))
            else:
                times[name].append(time_fit(lambda: make(r), X))
            print(f"  run {r + 1}: {name:<24} {times[name][-1]:7.2f} s", flush=True)
    base = min(times["scikit-learn"])
    print(f"{'estimator':<24} {'best s':>7} {'digits/s':>9} {'vs sklearn':>10}")
    for name, ts in times.items():
        t = min(ts)
        n_seen = X.shape[0] * SETTINGS["n_iter"]
        print(f"{name:<24} {t:7.2f} {n_seen / t:9,.0f} {base / t:9.2f}x   (all: {np.round(ts, 2).tolist()})")
    for name in ("rbm_gui defaults", "rbm_gui sklearn's algo"):
        ratio = base / min(times[name])
        print(f"target >= {TARGET}x for {name}: {ratio:.2f}x {'met' if ratio >= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()

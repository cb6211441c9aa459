"""Model quality: test log-likelihood of RBMs trained with the engine's defaults vs scikit-learn.

Budget for both: the default epochs (40) over the bundled 5,000 MNIST training digits (binarised at 128).
The engine runs with the DEFAULT settings of ``rbm-gui train`` (TrainingConfig()) for several
seeds; scikit-learn's BernoulliRBM gets the best of learning rates 0.01, 0.05 and 0.1 at batch
10. Both are scored by the exact average log-likelihood (enumerating all 2^20 hidden states) on
the 10,000 MNIST test digits. For scale: the independent-pixel baseline is printed too, and the
blog's own 20-unit model (60,000 digits) scores -159.8 nats on the same test set.

Models too large to enumerate (``--hidden 400,500``, anything above 20) are scored by the AIS
bracket of ``rbm-gui eval --loglik ais`` (forward AIS, optimistic, and reverse AIS from the test
digits, pessimistic; both measured) with the CLI's default runs and temperatures. scikit-learn's
three learning rates are first compared by a short bracket (1,000 temperatures), then its best
gets the full one. Training times are printed beside each model, and the machine's load.

Usage: python benchmarks/quality.py [--seeds 0,1,2,3,4] [--hidden 20 | 400,500] [--epochs 20]
           [--ais-betas 10000] [--ais-runs 100]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.engine.ais import DEFAULT_BETAS, DEFAULT_RUNS, ais_bracket
from rbm_gui.data import load_dataset
from rbm_gui.engine.likelihood import average_log_likelihood
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.training import Trainer


def independent_pixels(train: np.ndarray, test: np.ndarray) -> float:
    p = np.clip(train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float((test * np.log(p) + (1 - test) * np.log(1 - p)).sum(axis=1).mean())


def train_engine(train, seed, n_hidden, epochs) -> tuple[RBM, float]:
    cfg = TrainingConfig(n_hidden=n_hidden, epochs=epochs, seed=seed)
    t = time.perf_counter()
    trainer = Trainer.create(train, cfg)
    while not trainer.finished:
        trainer.step()
    return trainer.rbm, time.perf_counter() - t


def train_sklearn(train, lr, n_hidden, epochs, seed=0) -> tuple[RBM, float]:
    from sklearn.neural_network import BernoulliRBM
    t = time.perf_counter()
    m = BernoulliRBM(n_components=n_hidden, learning_rate=lr, batch_size=10, n_iter=epochs, random_state=seed)
    m.fit(train.astype(np.float32))
    return RBM(m.components_.T, m.intercept_visible_, m.intercept_hidden_), time.perf_counter() - t


def engine(train, test, seed, n_hidden, epochs) -> tuple[float, float]:
    rbm, took = train_engine(train, seed, n_hidden, epochs)
    return average_log_likelihood(rbm, test), took


def sklearn(train, test, lr, n_hidden, epochs, seed=0) -> tuple[float, float]:
    rbm, took = train_sklearn(train, lr, n_hidden, epochs, seed)
    return average_log_likelihood(rbm, test), took


def load() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def bracket(rbm, train, test, betas, runs):
    return ais_bracket(rbm, train.mean(axis=0), test, np.random.default_rng(0), runs, runs, betas)


def show(name: str, res, took: float) -> str:
    f, r = res.forward, res.reverse
    return (f"  {name:<34} forward {f.loglik:8.2f} ± {f.sem:.2f} (ESS {f.effective_runs:4.1f})   reverse "
            f"{r.loglik:8.2f} ± {r.sem:.2f} (ESS {r.effective_runs:4.1f})   width {f.loglik - r.loglik:5.2f}   "
            f"training {took:5.1f} s, AIS {res.seconds:5.1f} s (load {load()})")


def brackets(train, test, sizes, epochs, betas, runs) -> None:
    """Large models: the AIS bracket of the default-trained model and of scikit-learn's best."""
    print(f"AIS brackets (nats/digit) on {len(test)} test digits; {epochs} epochs on {len(train)} digits; "
          f"{runs} forward + {runs} reverse runs, {betas:,} temperatures")
    for nh in sizes:
        print(f"{nh} hidden units", flush=True)
        rbm, took = train_engine(train, 0, nh, epochs)
        res = bracket(rbm, train, test, betas, runs)
        print(show("engine defaults (seed 0)", res, took), flush=True)
        if nh == 500:
            ok = res.forward.loglik >= -92 and res.forward.loglik - res.reverse.loglik <= 8
            print(f"  target (forward >= -92, width <= 8): {'met' if ok else 'NOT met'}")
        quick = {}
        for lr in (0.01, 0.05, 0.1):
            m, t = train_sklearn(train, lr, nh, epochs)
            q = bracket(m, train, test, 1000, runs)
            quick[lr] = (m, t, q)
            print(f"  scikit-learn lr {lr}: short bracket [{q.reverse.loglik:.2f}, {q.forward.loglik:.2f}] "
                  f"(1,000 temperatures; training {t:.1f} s)", flush=True)
        lr = max(quick, key=lambda k: quick[k][2].forward.loglik + quick[k][2].reverse.loglik)
        m, t, _ = quick[lr]
        print(show(f"scikit-learn best (lr {lr}, batch 10)", bracket(m, train, test, betas, runs), t), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--hidden", default="20", help="one size, or sizes above 20 separated by commas")
    ap.add_argument("--epochs", type=int, default=TrainingConfig().epochs, help="the budget of both (default: the engine's)")
    ap.add_argument("--ais-betas", type=int, default=DEFAULT_BETAS)
    ap.add_argument("--ais-runs", type=int, default=DEFAULT_RUNS)
    args = ap.parse_args()
    train = load_dataset("mnist-sample", "train").binarize(128)
    test = load_dataset("mnist-sample", "test").binarize(128)
    d = TrainingConfig()
    sizes = [int(x) for x in args.hidden.split(",")]
    if len(sizes) > 1 or sizes[0] > 20:
        print(f"engine defaults: lr {d.learning_rate} ({d.lr_schedule}), batch {d.batch_size}, "
              f"{'PCD' if d.pcd else 'CD'}-{d.cd_k}, momentum {d.initial_momentum}->{d.momentum}, "
              f"weight decay {d.weight_decay:g}, centring {d.centering}")
        brackets(train, test, sizes, args.epochs, args.ais_betas, args.ais_runs)
        return
    args.hidden = sizes[0]
    print(f"{args.hidden} hidden units, {args.epochs} epochs on {len(train)} digits; exact test log-likelihood "
          f"(nats/digit) on {len(test)} test digits")
    print(f"independent-pixel baseline (training-set means): {independent_pixels(train, test):.2f}")
    print(f"engine defaults: lr {d.learning_rate} ({d.lr_schedule}), batch {d.batch_size}, "
          f"{'PCD' if d.pcd else 'CD'}-{d.cd_k}, momentum {d.initial_momentum}->{d.momentum}, "
          f"weight decay {d.weight_decay:g}, centring {d.centering}")
    scores = []
    for s in (int(x) for x in args.seeds.split(",")):
        ll, took = engine(train, test, s, args.hidden, args.epochs)
        scores.append(ll)
        print(f"  engine seed {s}: {ll:8.2f}   ({took:.1f} s training)", flush=True)
    sk = {}
    for lr in (0.01, 0.05, 0.1):
        sk[lr], took = sklearn(train, test, lr, args.hidden, args.epochs)
        print(f"  scikit-learn BernoulliRBM lr {lr}: {sk[lr]:8.2f}   ({took:.1f} s training)", flush=True)
    best = max(sk.values())
    print(f"engine: worst {min(scores):.2f}, mean {np.mean(scores):.2f}, best {max(scores):.2f}; "
          f"scikit-learn best {best:.2f}")
    print(f"margin of the WORST engine seed over scikit-learn's best: {min(scores) - best:+.2f} nats "
          f"(target >= +15); worst seed vs -150: {'better' if min(scores) > -150 else 'WORSE'}")


if __name__ == "__main__":
    main()

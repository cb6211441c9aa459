"""Model quality: exact test log-likelihood of 20-hidden-unit RBMs, engine defaults vs scikit-learn.

Budget for both: 20 epochs over the bundled 5,000 MNIST training digits (binarised at 128).
The engine runs with the DEFAULT settings of ``rbm-gui train`` (TrainingConfig()) for several
seeds; scikit-learn's BernoulliRBM gets the best of learning rates 0.01, 0.05 and 0.1 at batch
10. Both are scored by the exact average log-likelihood (enumerating all 2^20 hidden states) on
the 10,000 MNIST test digits. For scale: the independent-pixel baseline is printed too, and the
blog's own 20-unit model (60,000 digits) scores -159.8 nats on the same test set.

Usage: python benchmarks/quality.py [--seeds 0,1,2,3,4] [--hidden 20] [--epochs 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset
from rbm_gui.engine.likelihood import average_log_likelihood
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.training import Trainer


def independent_pixels(train: np.ndarray, test: np.ndarray) -> float:
    p = np.clip(train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float((test * np.log(p) + (1 - test) * np.log(1 - p)).sum(axis=1).mean())


def engine(train, test, seed, n_hidden, epochs) -> tuple[float, float]:
    cfg = TrainingConfig(n_hidden=n_hidden, epochs=epochs, seed=seed)
    t = time.perf_counter()
    trainer = Trainer.create(train, cfg)
    while not trainer.finished:
        trainer.step()
    return average_log_likelihood(trainer.rbm, test), time.perf_counter() - t


def sklearn(train, test, lr, n_hidden, epochs, seed=0) -> tuple[float, float]:
    from sklearn.neural_network import BernoulliRBM
    t = time.perf_counter()
    m = BernoulliRBM(n_components=n_hidden, learning_rate=lr, batch_size=10, n_iter=epochs, random_state=seed)
    m.fit(train.astype(np.float32))
    took = time.perf_counter() - t
    rbm = RBM(m.components_.T, m.intercept_visible_, m.intercept_hidden_)
    return average_log_likelihood(rbm, test), took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--hidden", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    train = load_dataset("mnist-sample", "train").binarize(128)
    test = load_dataset("mnist-sample", "test").binarize(128)
    d = TrainingConfig()
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

"""Speed of the AIS bracket (``rbm-gui eval --loglik ais``) on a 400-unit model, and how to use 2 cores.

Trains a 400-unit model with the default settings (20 epochs, the bundled 5,000 digits), then times
the bracket (100 forward + 100 reverse runs on the 10,000 test digits) with the chains split in
2 groups on 2 threads of one BLAS thread each (the engine's way), and in 1 group on 2 BLAS
threads, interleaved, ``--repeats`` times each; the load average is printed beside each figure
(the machine is shared). The old forward-only float64 AIS took 36 s quiet / 203 s loaded at
14,500 temperatures with 4.5 effective runs of 100 (issue 14).

Usage: python benchmarks/ais_speed.py [--betas 10000] [--repeats 2] [--hidden 400]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset
from rbm_gui.engine import ais
from rbm_gui.engine.training import Trainer


def load() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--betas", type=int, default=ais.DEFAULT_BETAS)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=400)
    args = ap.parse_args()
    train = load_dataset("mnist-sample", "train").binarize(128)
    test = load_dataset("mnist-sample", "test").binarize(128)
    t = time.perf_counter()
    trainer = Trainer.create(train, TrainingConfig(n_hidden=args.hidden))
    while not trainer.finished:
        trainer.step()
    print(f"{args.hidden} hidden units trained with the defaults in {time.perf_counter() - t:.1f} s (load {load()})")
    ways = {"2 groups x 1 BLAS thread": (2, 1), "1 group x 2 BLAS threads": (1, 2)}
    for rep in range(args.repeats):
        for name, (groups, threads) in ways.items():
            ais.GROUPS, ais.GROUP_BLAS_THREADS = groups, threads
            load_before = load()
            res = ais.ais_bracket(trainer.rbm, train.mean(axis=0), test, np.random.default_rng(rep),
                                  n_betas=args.betas)
            f, r = res.forward, res.reverse
            print(f"  {name}: {res.seconds:6.1f} s for {args.betas:,} temperatures (load {load_before} -> "
                  f"{load()}); bracket [{r.loglik:.2f}, {f.loglik:.2f}], ESS {f.effective_runs:.1f} / "
                  f"{r.effective_runs:.1f}", flush=True)


if __name__ == "__main__":
    main()

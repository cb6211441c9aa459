"""Speed of the reconstruction explorer's numerics (what the Reconstruct tab computes on the GUI
thread): one digit explained with an average of N one-step reconstructions, and the comparison
sheet, at 400 hidden units; idle and while a training thread runs the same model size.

Usage: python benchmarks/explorer_speed.py [--hidden 400] [--repeats 10]
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset
from rbm_gui.engine.explore import averaged_sheet, explain
from rbm_gui.engine.training import Trainer


def timed(f, repeats):
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return np.array(out) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    train = load_dataset("mnist-sample", "train").binarize()
    test = load_dataset("mnist-sample", "test").binarize()
    trainer = Trainer.create(train, TrainingConfig(n_hidden=args.hidden, epochs=10_000))
    for _ in range(50):
        trainer.step()
    rbm = trainer.rbm.snapshot()
    digits = test[:10]
    cases = {"digit, N=1000": lambda: explain(rbm, test[0], 1000, 0),
             "sheet 10 digits, N=100": lambda: averaged_sheet(rbm, digits, 100, 0),
             "sheet 10 digits, N=1000": lambda: averaged_sheet(rbm, digits, 1000, 0)}
    print(f"{args.hidden} hidden units, milliseconds (median / max of {args.repeats})")
    for label in ("idle", "while training"):
        stop = threading.Event()
        worker = None
        if label == "while training":
            def train_loop():
                while not stop.is_set():
                    trainer.step()
            worker = threading.Thread(target=train_loop)
            worker.start()
        try:
            for name, f in cases.items():
                t = timed(f, args.repeats)
                print(f"  {label:>15}  {name:<24} {np.median(t):7.1f} / {t.max():7.1f}")
        finally:
            stop.set()
            if worker:
                worker.join()


if __name__ == "__main__":
    main()

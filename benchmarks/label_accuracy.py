"""Labelled RBMs as classifiers: test accuracy of the default hybrid model against its baselines.

All models see the bundled 5,000 MNIST training digits (binarised at 128) and are scored on the
10,000 MNIST test digits, in this one run:

- logistic regression on the same pixels (scikit-learn, C=1, lbfgs);
- a plain generative joint RBM (``discriminative_weight=0``, CD-1, no PCD), the same size and
  epochs, and the same for 3x the epochs;
- the DEFAULT labelled model of ``rbm-gui train --labels`` (``TrainingConfig(labels=True)``:
  generative PCD with centring and the labelled models' sparsity penalty + the exact gradient of
  log P(y|v), Larochelle & Bengio 2008, on digits shifted by up to ``shift_pixels``), for each
  seed asked.

Labelled RBMs classify by the exact P(y|v) (one free energy per label). The generative side is
reported too: reconstruction error of the test digits given no label (lower is better).

Usage: python benchmarks/label_accuracy.py [--hidden 500] [--epochs 20] [--seeds 0]
       [--baseline-epochs 20,60] [--skip-baselines] [--set FIELD=VALUE ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset
from rbm_gui.engine import metrics
from rbm_gui.engine.labelled_training import LabelledTrainer
from rbm_gui.engine.monitor import label_accuracy


def train_labelled(X, y, image_shape, cfg: TrainingConfig, report_every: int = 0, test=None):
    t0 = time.perf_counter()
    trainer = LabelledTrainer.create(X, y, cfg, image_shape)
    while not trainer.finished:
        info = trainer.run_epoch()
        if report_every and info.epoch % report_every == 0 and info.epoch < cfg.epochs and test is not None:
            print(f"    epoch {info.epoch}: test accuracy {label_accuracy(trainer.rbm, *test):.4f}", flush=True)
    return trainer.rbm, time.perf_counter() - t0


def logistic(X, y, Xt, yt) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression
    t0 = time.perf_counter()
    model = LogisticRegression(max_iter=1000).fit(X.astype(np.float32), y)
    return float(model.score(Xt.astype(np.float32), yt)), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=500)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--baseline-epochs", default=None,
                    help="epochs of the generative joint RBM baselines (default: --epochs and 3x --epochs)")
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--skip-logistic", action="store_true")
    ap.add_argument("--report-every", type=int, default=5, help="print test accuracy every N epochs (0: never)")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="override a TrainingConfig field of the labelled model (repeatable), e.g. learning_rate=0.05")
    args = ap.parse_args()
    train, test = load_dataset("mnist-sample", "train"), load_dataset("mnist-sample", "test")
    X, y = train.binarize(128), train.labels
    Xt, yt = test.binarize(128), test.labels
    overrides = {}
    for item in args.set:      # values typed as the default field's
        name, _, value = item.partition("=")
        default = getattr(TrainingConfig(), name)
        overrides[name] = (value.lower() in ("1", "true", "yes")) if isinstance(default, bool) else type(default)(value)
    d = TrainingConfig(labels=True, **overrides).validate()
    print(f"{len(X)} training digits, {len(Xt)} test digits; {args.hidden} hidden units, {args.epochs} epochs")
    print(f"{'default ' if not overrides else ''}labelled settings: discriminative_weight {d.discriminative_weight:g}, lr {d.learning_rate:g} "
          f"({d.lr_schedule}), batch {d.batch_size}, momentum {d.momentum:g}, weight decay {d.weight_decay:g}, "
          f"{'PCD' if d.pcd else 'CD'}-{d.cd_k}{', centred' if d.centering else ''}, sparsity target "
          f"{d.sparsity_target:g} cost {d.sparsity_cost:g}, label gradient on digits shifted by up to "
          f"{d.shift_pixels} px", flush=True)
    if not args.skip_baselines:
        if not args.skip_logistic:
            acc, s = logistic(X, y, Xt, yt)
            print(f"  logistic regression on the pixels:           accuracy {acc:.4f}  ({s:.0f} s)", flush=True)
        baseline_epochs = ([int(e) for e in args.baseline_epochs.split(",")] if args.baseline_epochs
                           else [args.epochs, 3 * args.epochs])
        for epochs in baseline_epochs:
            cfg = TrainingConfig(n_hidden=args.hidden, epochs=epochs, labels=True, discriminative_weight=0.0,
                                 pcd=False, centering=False, sparsity_target=0.0, seed=0)
            rbm, s = train_labelled(X, y, train.image_shape, cfg)
            print(f"  generative joint RBM, CD-1, {epochs:>3} epochs:     accuracy {label_accuracy(rbm, Xt, yt):.4f}  "
                  f"recon-mse {metrics.reconstruction_errors(rbm, Xt)[0]:.4f}  ({s:.0f} s)", flush=True)
    for seed in (int(s) for s in args.seeds.split(",") if s.strip()):      # --seeds "": baselines only
        cfg = d.replace(n_hidden=args.hidden, epochs=args.epochs, seed=seed).validate()
        rbm, s = train_labelled(X, y, train.image_shape, cfg, args.report_every, (Xt, yt))
        name = "DEFAULT labelled model" if not overrides else "labelled model " + " ".join(args.set)
        print(f"  {name}, seed {seed}:            accuracy {label_accuracy(rbm, Xt, yt):.4f}  "
              f"recon-mse {metrics.reconstruction_errors(rbm, Xt)[0]:.4f}  train accuracy "
              f"{label_accuracy(rbm, X, y):.4f}  ({s:.0f} s)", flush=True)


if __name__ == "__main__":
    main()

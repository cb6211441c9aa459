"""``rbm-gui train``: train an RBM headless, one line of metrics per epoch, save a model file."""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import time

import numpy as np

from rbm_gui.config import HELP, LABELLED_DEFAULTS, TrainingConfig
from rbm_gui.engine.monitor import epoch_metrics, append_history
from rbm_gui.engine.run import Diverged, EpochEnd, Step, TrainingRun
from rbm_gui.engine.training import Trainer, TrainingDiverged
from rbm_gui.io.atomic import atomic_group, atomic_open, check_writable
from rbm_gui.io.model_file import save_model
from rbm_gui.app.data import DataOptions, prepare_data
from rbm_gui.session import format_metric, history_units, to_saved
from rbm_gui.commands.progress import ProgressBar

#: Exact log-likelihood at every epoch end up to this many hidden units (cheap); at the last
#: epoch up to 20 (about a second or two).
PER_EPOCH_EXACT_MAX = 14
FINAL_EXACT_MAX = 20


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default="mnist-sample", metavar="mnist-sample|mnist|IDX_IMAGES",
                   help="data set: the bundled MNIST sample (default), the downloaded full MNIST, "
                        "or a path to an IDX images file (labels beside it are optional)")
    p.add_argument("--threshold", type=int, default=128, metavar="T",
                   help="binarisation threshold: pixel >= T is on (default 128, as in the blog)")


def add_parser(sub, name):
    d = TrainingConfig()
    p = sub.add_parser(name, help="train an RBM and save it", description="Train an RBM with CD-k or PCD and save it.")
    add_data_arguments(p)
    p.add_argument("--hidden", type=int, default=d.n_hidden, help=HELP["n_hidden"] + f" (default {d.n_hidden})")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"{HELP['epochs']} (default {d.epochs})")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"{HELP['batch_size']} (default {d.batch_size})")
    p.add_argument("--lr", type=float, default=d.learning_rate, help=f"{HELP['learning_rate']} (default {d.learning_rate})")
    p.add_argument("--schedule", choices=("constant", "exponential", "linear"), default=d.lr_schedule,
                   help=f"{HELP['lr_schedule']} (default {d.lr_schedule})")
    p.add_argument("--lr-decay", type=float, default=d.lr_decay, help=f"{HELP['lr_decay']} (default {d.lr_decay})")
    p.add_argument("--momentum", type=float, default=d.momentum,
                   help=f"final momentum (default {d.momentum}; {d.initial_momentum} for the first {d.momentum_switch_epoch} epochs)")
    p.add_argument("--weight-decay", type=float, default=d.weight_decay, help=f"{HELP['weight_decay']} (default {d.weight_decay:g})")
    p.add_argument("--cd-k", type=int, default=d.cd_k, help=f"{HELP['cd_k']} (default {d.cd_k})")
    pcd = p.add_mutually_exclusive_group()
    pcd.add_argument("--pcd", dest="pcd", action="store_true", default=d.pcd, help=HELP["pcd"] + (" (default)" if d.pcd else ""))
    pcd.add_argument("--no-pcd", dest="pcd", action="store_false", help="plain CD-k: restart the chains at the data")
    cen = p.add_mutually_exclusive_group()
    cen.add_argument("--centering", dest="centering", action="store_true", default=d.centering,
                     help=HELP["centering"] + (" (default)" if d.centering else ""))
    cen.add_argument("--no-centering", dest="centering", action="store_false", help="the plain (uncentred) gradient")
    # None: the mode's default (TrainingConfig resolves it: sparser with --labels)
    p.add_argument("--sparsity-target", type=float, default=None, help=HELP["sparsity_target"])
    p.add_argument("--sparsity-cost", type=float, default=None,
                   help=f"{HELP['sparsity_cost']} (default {d.sparsity_cost:g}; "
                        f"{LABELLED_DEFAULTS['sparsity_cost']:g} with --labels)")
    p.add_argument("--labels", action="store_true",
                   help=HELP["labels"] + " Uses the labels file beside the images.")
    p.add_argument("--discriminative-weight", type=float, default=d.discriminative_weight, metavar="ALPHA",
                   help=f"{HELP['discriminative_weight']} (default {d.discriminative_weight:g}; with --labels)")
    p.add_argument("--shift-pixels", type=int, default=d.shift_pixels, metavar="N",
                   help=f"{HELP['shift_pixels']} (default {d.shift_pixels}; with --labels)")
    p.add_argument("--stochastic", action="store_true",
                   help="binarise the training digits afresh for every mini-batch, each pixel on with "
                        "probability grey/255 (the monitors still use --threshold)")
    p.add_argument("--validation", type=int, default=0, metavar="N",
                   help="hold out N training digits for the monitors (default 0: monitor on the first "
                        "1,000 test digits of mnist-sample/mnist)")
    p.add_argument("--seed", type=int, default=d.seed, help=HELP["seed"])
    p.add_argument("--out", required=True, metavar="MODEL.npz", help="where to save the model")
    p.add_argument("--metrics-csv", metavar="FILE", help="also write the per-epoch metrics as CSV")
    p.add_argument("--blas-threads", type=int, default=None, metavar="N",
                   help="threads for the matrix products (default: 1 for small models, all cores for "
                        "large ones); 1 is faster when the machine is busy; results are bit-identical "
                        "for the same N")
    p.add_argument("--quiet", action="store_true", help="no progress bar or epoch lines")
    return p


def config_from_args(args) -> TrainingConfig:
    return TrainingConfig(n_hidden=args.hidden, epochs=args.epochs, batch_size=args.batch_size,
                          learning_rate=args.lr, lr_schedule=args.schedule, lr_decay=args.lr_decay,
                          momentum=args.momentum, weight_decay=args.weight_decay, cd_k=args.cd_k,
                          pcd=args.pcd, centering=args.centering, sparsity_target=args.sparsity_target,
                          sparsity_cost=args.sparsity_cost, seed=args.seed, labels=bool(args.labels),
                          discriminative_weight=args.discriminative_weight,
                          shift_pixels=args.shift_pixels).validate()


def _epoch_line(epoch: int, total: int, m: dict, seconds: float) -> str:
    parts = [f"epoch {epoch:>3}/{total}", f"{seconds:6.2f} s",
             f"recon-mse {format_metric(m['recon_mse_train'])}",
             f"held-out-mse {format_metric(m['recon_mse_val'])}",
             f"F-gap {format_metric(m['free_energy_gap'])}",
             f"PLL {format_metric(m['pll_val'])}"]
    if not math.isnan(m.get("accuracy_val", math.nan)):
        parts.append(f"held-out accuracy {m['accuracy_val']:.4f}")
    if not math.isnan(m["loglik_val"]):
        parts.append(f"loglik {m['loglik_train']:.2f} train / {m['loglik_val']:.2f} held-out")
    return "  ".join(parts)


def write_metrics_csv(path, history: dict, atomic: bool = True) -> None:
    keys = ["epoch"] + sorted(k for k in history if k != "epoch")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(keys)
    for row in zip(*(history.get(k, []) for k in keys)):     # no epoch ended (divergence): header only
        w.writerow([f"{x:.9g}" for x in row])
    if atomic:
        with atomic_open(path, "w") as fh:
            fh.write(buf.getvalue())
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())


def run(args) -> int:
    check_writable(args.out, args.metrics_csv)    # before any data is loaded: a long run is never lost
    config = config_from_args(args)
    if not str(args.out).endswith(".npz"):
        raise ValueError(f"--out must end in .npz, got {args.out}")
    options = DataOptions(source=args.data, threshold=args.threshold, n_val=args.validation,
                          stochastic=bool(args.stochastic))
    data = prepare_data(options, seed=args.seed)
    if args.blas_threads is not None and args.blas_threads < 1:
        raise ValueError(f"--blas-threads must be at least 1, got {args.blas_threads}")
    trainer = Trainer.create(data.trainer_data, config, data.image_shape,
                             blas_threads="auto" if args.blas_threads is None else args.blas_threads,
                             stochastic=args.stochastic, labels=data.require_labels() if config.labels else None)
    mon_train, mon_held = data.monitor_train, data.monitor_val
    quiet = args.quiet
    if not quiet:
        print(f"training {config.n_hidden} hidden units on {data.train.shape[0]} digits of {data.name} "
              f"({config.epochs} epochs, batch {trainer.batch_size}, "
              f"{'PCD' if config.pcd else 'CD'}-{config.cd_k}{', centred' if config.centering else ''}"
              f"{', stochastic binarisation' if args.stochastic else ''}"
              f"{f', {trainer.rbm.n_labels} label units' if config.labels else ''}); "
              f"held out: {data.held_out_name}", flush=True)
    history: dict[str, list[float]] = {}
    units = history_units(config.n_hidden)
    snapshots = [trainer.rbm.W[:, units].copy()]          # the blog's Figure 2: start + every epoch
    total = config.epochs * trainer.n_batches
    bar = ProgressBar(total, "training") if not quiet else None
    diverged = ""
    for event in TrainingRun(trainer, units):
        if isinstance(event, Step):
            if bar:
                info = event.info
                left = (total - event.steps) * trainer.batch_size / max(event.samples_per_second, 1)
                bar.update(event.steps, f"epoch {info.epoch + (0 if info.epoch_ended else 1)}/{config.epochs} "
                                        f"{event.samples_per_second:,.0f} digits/s, {left:.0f} s left")
        elif isinstance(event, EpochEnd):
            exact = config.n_hidden <= PER_EPOCH_EXACT_MAX or (event.last and config.n_hidden <= FINAL_EXACT_MAX)
            m = epoch_metrics(event.snapshot, mon_train, mon_held, exact_loglik=exact,
                              validation_labels=data.monitor_val_labels)
            m["learning_rate"] = event.learning_rate
            m["samples_per_second"] = event.samples_per_second
            append_history(history, event.epoch, m)
            snapshots.append(event.W_tracked)
            if bar:
                bar.clear()
            if not quiet:
                print(_epoch_line(event.epoch, config.epochs, m, event.seconds), flush=True)
        elif isinstance(event, Diverged):     # keep the last good parameters, then say so in one line
            diverged = event.message
            break
    saved = to_saved(trainer.rbm, config, history, data.spec, trainer.epoch, np.stack(snapshots),
                     extra_meta={"threshold": data.threshold, "dataset_name": data.name,
                                 "data_options": options.to_dict(), "held_out": data.held_out_name,
                                 "stochastic_binarisation": bool(args.stochastic)}, units=units)
    if diverged:
        saved.meta["diverged"] = diverged
    # the model and its metrics CSV are written together: a failure leaves neither
    with atomic_group(args.out, *([args.metrics_csv] if args.metrics_csv else [])) as temps:
        save_model(temps[0], saved, atomic=False)
        if args.metrics_csv:
            write_metrics_csv(temps[1], history, atomic=False)
    if diverged:
        what = diverged.split(" Lower the learning rate")[0].rstrip(". ")    # the engine's advice is for the window
        raise TrainingDiverged(f"{what}; the last good parameters ({trainer.epoch} epochs and {trainer.batch} "
                               f"mini-batches) were saved to {args.out}: train again with a smaller --lr")
    if not quiet:
        print(f"saved {args.out}", file=sys.stderr)
    return 0

"""``rbm-gui eval``: metrics and log-likelihood of a saved model on a data split."""

from __future__ import annotations

import json
import math

import numpy as np

from rbm_gui.commands.progress import ProgressBar
from rbm_gui.config import LIMITS, ConfigError
from rbm_gui.commands.train import add_data_arguments
from rbm_gui.data import load_dataset
from rbm_gui.engine import ais, likelihood, metrics
from rbm_gui.io.model_file import load_model
from rbm_gui.session import format_metric, from_saved

PLL_ROWS = 1000


def add_parser(sub, name):
    p = sub.add_parser(name, help="evaluate a saved model",
                       description="Reconstruction error, free energy, pseudo-log-likelihood and "
                                   "log-likelihood of a model on a data split.")
    p.add_argument("model", metavar="MODEL.npz")
    add_data_arguments(p)
    p.add_argument("--split", choices=("train", "test"), default="test", help="which split (default test)")
    p.add_argument("--loglik", choices=("auto", "exact", "ais", "none"), default="auto",
                   help="log-likelihood: exact (enumerates 2^n_hidden states, n_hidden <= 24), ais "
                        "(a bracket: forward AIS, optimistic, and reverse AIS from the split's digits, "
                        "pessimistic), auto (exact up to 20 hidden units, else AIS), none")
    p.add_argument("--ais-runs", type=int, default=ais.DEFAULT_RUNS,
                   help=f"AIS: forward runs from the base-rate model (default {ais.DEFAULT_RUNS})")
    p.add_argument("--ais-reverse-runs", type=int, default=ais.DEFAULT_RUNS,
                   help=f"AIS: reverse runs, each from a different digit of the split (default "
                        f"{ais.DEFAULT_RUNS}; 0: forward only)")
    p.add_argument("--ais-betas", type=int, default=ais.DEFAULT_BETAS,
                   help=f"AIS: temperatures of each run (default {ais.DEFAULT_BETAS:,})")
    p.add_argument("--seed", type=int, default=0, help="seed of the AIS runs")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p


def _check_bounds(**values) -> None:
    """Refuse arguments outside config.LIMITS (the table the window uses too) before any work."""
    for name, value in values.items():
        lo, hi = LIMITS[name]
        if not lo <= value <= hi:
            flag = "--" + name.replace("_", "-")
            raise ConfigError(f"{flag} must be between {lo:,} and {hi:,}, got {value:,}")


def evaluate(model_path, data="mnist-sample", split="test", threshold=128, loglik="auto",
             ais_runs=ais.DEFAULT_RUNS, ais_betas=ais.DEFAULT_BETAS, seed=0, progress=None,
             ais_reverse_runs=ais.DEFAULT_RUNS) -> dict:
    _check_bounds(threshold=threshold, ais_runs=ais_runs, ais_betas=ais_betas, seed=seed,
                  ais_reverse_runs=ais_reverse_runs)
    saved = load_model(model_path)
    rbm = from_saved(saved)
    ds = load_dataset(data, split)
    if ds.n_visible != rbm.n_visible:
        raise ValueError(f"the model has {rbm.n_visible} visible units but {data} images have "
                         f"{ds.n_visible} pixels ({ds.image_shape[0]}x{ds.image_shape[1]})")
    v = ds.binarize(threshold)
    out: dict = {"model": str(model_path), "data": str(data), "split": split, "n_digits": int(ds.n),
                 "n_hidden": rbm.n_hidden, "threshold": threshold}
    out["recon_mse"], out["recon_cross_entropy"] = metrics.reconstruction_errors(rbm, v)
    out["mean_free_energy"] = metrics.mean_free_energy(rbm, v)
    out["pseudo_log_likelihood"] = metrics.pseudo_log_likelihood(rbm, v[:PLL_ROWS])
    out["pseudo_log_likelihood_rows"] = int(min(PLL_ROWS, ds.n))
    out.update(_accuracy(rbm, v, ds.labels))
    act = metrics.hidden_activity(rbm, v)
    out["dead_units"], out["always_on_units"] = int(len(act.dead)), int(len(act.always_on))
    method = loglik
    if rbm.n_labels and method != "none":     # likelihood.py's log Z has no label units yet
        if method != "auto":
            raise ValueError("the log-likelihood of a labelled model is not available yet; use --loglik none")
        method = "none"
    if method == "auto":
        method = "exact" if rbm.n_hidden <= 20 else "ais"
    out["loglik_method"] = method
    if method == "exact":
        if rbm.n_hidden > likelihood.MAX_EXACT_HIDDEN:
            raise ValueError(f"exact log-likelihood needs n_hidden <= {likelihood.MAX_EXACT_HIDDEN} "
                             f"(this model has {rbm.n_hidden}); use --loglik ais")
        log_z = likelihood.exact_log_partition(rbm)
        out["log_z"] = log_z
        out["loglik"] = likelihood.average_log_likelihood(rbm, v, log_z)
    elif method == "ais":
        base = load_dataset(data, "train").binarize(threshold).mean(axis=0)
        res = ais.ais_bracket(rbm, base, v, np.random.default_rng(seed), ais_runs, ais_reverse_runs,
                              ais_betas, progress=progress)
        out.update(ais_fields(res))
    return out


def ais_fields(res: ais.AISBracket) -> dict:
    """The JSON fields of an AIS bracket (forward: today's keys; reverse: ``*_reverse``)."""
    f, r = res.forward, res.reverse
    out = dict(log_z=f.log_z, loglik=f.loglik, loglik_low=f.low, loglik_high=f.high, loglik_sem=f.sem,
               ais_runs=f.n_runs, ais_betas=res.n_betas, ais_effective_runs=f.effective_runs,
               ais_schedule=res.schedule, ais_seconds=round(res.seconds, 3))
    if r is not None:
        out.update(loglik_reverse=r.loglik, loglik_reverse_low=r.low, loglik_reverse_high=r.high,
                   loglik_reverse_sem=r.sem, log_z_reverse=r.log_z, ais_reverse_runs=r.n_runs,
                   ais_reverse_effective_runs=r.effective_runs, bracket_width=f.loglik - r.loglik)
    return out


def _accuracy(rbm, v, labels) -> dict:
    """A labelled model's classification accuracy (argmax of the exact P(y|v)) on the split:
    ``{"accuracy": fraction or None when the split has no labels, "n_labels": ...}``; {} unlabelled."""
    if not rbm.n_labels:
        return {}
    from rbm_gui.engine.monitor import label_accuracy
    ok = labels is not None and int(labels.max(initial=0)) < rbm.n_labels
    return {"n_labels": rbm.n_labels, "accuracy": label_accuracy(rbm, v, labels) if ok else None}


def _accuracy_line(out: dict) -> str | None:
    if "accuracy" not in out:
        return None
    if out["accuracy"] is None:
        return "  classification accuracy           n/a (the split has no labels for this model)"
    return f"  classification accuracy           {out['accuracy']:.4f} ({out['n_labels']} labels, exact P(y|v))"


def run(args) -> int:
    bar = ProgressBar(1, "AIS")
    out = evaluate(args.model, args.data, args.split, args.threshold, args.loglik,
                   args.ais_runs, args.ais_betas, args.seed,
                   progress=lambda k, n: bar.update(k / n, f"{k}/{n} temperatures"),
                   ais_reverse_runs=args.ais_reverse_runs)
    bar.clear()
    if args.json:
        print(json.dumps({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}))
        return 0
    print(f"{out['model']}: {out['n_hidden']} hidden units, {out['n_digits']} digits of {out['data']} ({out['split']})")
    print(f"  reconstruction MSE per pixel      {format_metric(out['recon_mse'])}")
    print(f"  reconstruction cross-entropy      {format_metric(out['recon_cross_entropy'])} nats/image")
    print(f"  mean free energy                  {format_metric(out['mean_free_energy'], 6)}")
    print(f"  pseudo-log-likelihood (all pixels) {format_metric(out['pseudo_log_likelihood'], 6)} nats/image "
          f"(first {out['pseudo_log_likelihood_rows']} digits)")
    print(f"  dead / always-on hidden units      {out['dead_units']} / {out['always_on_units']}")
    if _accuracy_line(out):
        print(_accuracy_line(out))
    if out["loglik_method"] == "exact":
        print(f"  log-likelihood (exact)            {out['loglik']:.3f} nats/image (log Z {out['log_z']:.4f})")
    elif out["loglik_method"] == "ais":
        print(f"  log-likelihood, forward AIS       {out['loglik']:.2f} ± {out['loglik_sem']:.2f} nats/image "
              f"(optimistic; {out['ais_runs']} runs, {out['ais_effective_runs']:.1f} effective)")
        if "loglik_reverse" in out:
            print(f"  log-likelihood, reverse AIS       {out['loglik_reverse']:.2f} ± "
                  f"{out['loglik_reverse_sem']:.2f} nats/image (pessimistic; {out['ais_reverse_runs']} runs "
                  f"from digits, {out['ais_reverse_effective_runs']:.1f} effective)")
            print(f"  bracket                           [{out['loglik_reverse']:.2f}, {out['loglik']:.2f}], "
                  f"{out['bracket_width']:.2f} nats wide ({out['ais_betas']:,} temperatures, "
                  f"{out['ais_seconds']:.1f} s)")
        else:
            print(f"  ({out['ais_betas']:,} temperatures, {out['ais_seconds']:.1f} s; no reverse runs)")
    return 0

"""``rbm-gui eval``: metrics and log-likelihood of a saved model on a data split."""

from __future__ import annotations

import json
import math

import numpy as np

from rbm_gui.commands.progress import ProgressBar
from rbm_gui.config import LIMITS, ConfigError
from rbm_gui.commands.train import add_data_arguments
from rbm_gui.data import load_dataset
from rbm_gui.engine import likelihood, metrics
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
                        "(annealed importance sampling), auto (exact up to 20 hidden units, else AIS), none")
    p.add_argument("--ais-runs", type=int, default=100, help="AIS: independent runs (default 100)")
    p.add_argument("--ais-betas", type=int, default=14_500, help="AIS: intermediate temperatures (default 14,500)")
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
             ais_runs=100, ais_betas=14_500, seed=0, progress=None) -> dict:
    _check_bounds(threshold=threshold, ais_runs=ais_runs, ais_betas=ais_betas, seed=seed)
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
        if ais_runs < 2 or ais_betas < 10:
            raise ValueError("AIS needs at least 2 runs and 10 temperatures")
        res = likelihood.ais_log_partition(rbm, base, np.random.default_rng(seed), ais_runs, ais_betas, progress)
        F = rbm.free_energy(v).mean()
        out.update(log_z=res.log_z, loglik=float(-F - res.log_z),
                   loglik_low=float(-F - res.log_z_high), loglik_high=float(-F - res.log_z_low),
                   ais_runs=res.n_runs, ais_betas=res.n_betas, ais_effective_runs=res.effective_runs)
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
                   progress=lambda k, n: bar.update(k / n, f"{k}/{n} temperatures"))
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
        print(f"  log-likelihood (AIS)              {out['loglik']:.3f} nats/image, 3-sigma range "
              f"[{out['loglik_low']:.3f}, {out['loglik_high']:.3f}] ({out['ais_runs']} runs, "
              f"{out['ais_betas']} temperatures, {out['ais_effective_runs']:.1f} effective runs)")
    return 0

"""Epoch-end metrics: one dict of floats per epoch, collected into a history.

The same function serves the CLI's per-epoch line, the window's metric plots and the history
stored in model files, so the numbers agree everywhere.
"""

from __future__ import annotations

import math

import numpy as np

from rbm_gui.engine import likelihood, metrics
from rbm_gui.engine.rbm import RBM

#: n_hidden up to which the exact log-likelihood is computed at each epoch end (about 1 s at 20).
EXACT_LOGLIK_MAX_HIDDEN = 20

#: Softplus evaluations spent on the pseudo-log-likelihood at each epoch end.
PLL_BUDGET = 15_000_000

#: Display names and units, for tables, plots and CSV headers.
METRIC_LABELS = {
    "recon_mse_train": "reconstruction MSE (train)",
    "recon_mse_val": "reconstruction MSE (validation)",
    "recon_ce_train": "reconstruction cross-entropy (train, nats/image)",
    "recon_ce_val": "reconstruction cross-entropy (validation, nats/image)",
    "free_energy_train": "mean free energy (train)",
    "free_energy_val": "mean free energy (validation)",
    "free_energy_gap": "free-energy gap (validation - train)",
    "pll_val": "pseudo-log-likelihood (validation, nats/image)",
    "loglik_train": "exact log-likelihood (train, nats/image)",
    "loglik_val": "exact log-likelihood (validation, nats/image)",
    "dead_units": "hidden units almost never on",
    "accuracy_val": "classification accuracy (validation, labelled models)",
    "learning_rate": "learning rate",
    "samples_per_second": "training speed (digits/s)",
}


def _subset_rows(n_train: int, n_val: int | None, size: int, seed: int):
    rng = np.random.default_rng(seed)
    n = min(size, n_train) if n_val is None else min(size, n_train, n_val)
    t = np.sort(rng.choice(n_train, n, replace=False))
    return t, (None if n_val is None else np.sort(rng.choice(n_val, n, replace=False)))


def monitor_subsets(train: np.ndarray, validation: np.ndarray | None, size: int = 1000,
                    seed: int = 12345) -> tuple[np.ndarray, np.ndarray | None]:
    """Fixed random subsets (same size) of training and validation data for epoch metrics."""
    t, v = _subset_rows(train.shape[0], None if validation is None else validation.shape[0], size, seed)
    return train[t], (None if validation is None else validation[v])


def monitor_label_subset(train: np.ndarray, validation: np.ndarray | None, labels: np.ndarray | None,
                         size: int = 1000, seed: int = 12345) -> np.ndarray | None:
    """The labels of ``monitor_subsets``' validation rows (same arguments), or None."""
    if validation is None or labels is None:
        return None
    return np.asarray(labels)[_subset_rows(train.shape[0], validation.shape[0], size, seed)[1]]


def label_accuracy(rbm: RBM, v: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of the rows ``v`` whose most probable label (exact P(y|v)) is ``labels``; NaN
    for an unlabelled model or no rows."""
    if rbm.n_labels == 0 or len(v) == 0 or not rbm.is_finite():
        return math.nan
    correct = 0
    for i in range(0, len(v), 1000):         # bounded memory: (rows, labels, hidden) float64 per chunk
        correct += int((rbm.label_probs(v[i:i + 1000]).argmax(axis=1) == labels[i:i + 1000]).sum())
    return correct / len(v)


def epoch_metrics(rbm: RBM, train: np.ndarray, validation: np.ndarray | None = None,
                  exact_loglik: bool | None = None, pll_rows: int | None = None,
                  validation_labels: np.ndarray | None = None) -> dict[str, float]:
    """Metrics of ``rbm`` on (subsets of) training and validation data; NaN when not applicable.

    ``exact_loglik``: enumerate the hidden states for the exact log-likelihood; default when
    n_hidden <= EXACT_LOGLIK_MAX_HIDDEN.
    ``pll_rows``: held-out digits for the pseudo-log-likelihood (all n_visible flips each); by
    default as many as fit ``PLL_BUDGET`` softplus evaluations, between 20 and 200 (200 at 20
    hidden units, 48 at 400: about 0.15 s instead of 0.6 s per epoch).
    ``validation_labels``: the classes of the validation rows; with them a labelled model's
    ``accuracy_val`` is measured (the key exists only for labelled models).
    """
    out: dict[str, float] = {k: math.nan for k in METRIC_LABELS if k != "accuracy_val"}
    if rbm.n_labels:
        out["accuracy_val"] = math.nan
    if not rbm.is_finite():
        return out
    out["recon_mse_train"], out["recon_ce_train"] = metrics.reconstruction_errors(rbm, train)
    act = metrics.hidden_activity(rbm, train)
    out["dead_units"] = float(len(act.dead))
    out["free_energy_train"] = metrics.mean_free_energy(rbm, train)
    held = validation if validation is not None else train
    if pll_rows is None:
        pll_rows = int(np.clip(PLL_BUDGET // (rbm.n_visible * rbm.n_hidden), 20, 200))
    out["pll_val"] = metrics.pseudo_log_likelihood(rbm, held[:pll_rows])
    if validation is not None:
        out["recon_mse_val"], out["recon_ce_val"] = metrics.reconstruction_errors(rbm, validation)
        out["free_energy_val"] = metrics.mean_free_energy(rbm, validation)
        out["free_energy_gap"] = out["free_energy_val"] - out["free_energy_train"]
    if rbm.n_labels and validation is not None and validation_labels is not None:
        out["accuracy_val"] = label_accuracy(rbm, validation, validation_labels)
    if exact_loglik is None:
        exact_loglik = rbm.n_hidden <= EXACT_LOGLIK_MAX_HIDDEN
    if exact_loglik and not rbm.n_labels:     # likelihood.py's log Z leaves label units out
        log_z = likelihood.exact_log_partition(rbm)
        out["loglik_train"] = likelihood.average_log_likelihood(rbm, train, log_z)
        if validation is not None:
            out["loglik_val"] = likelihood.average_log_likelihood(rbm, validation, log_z)
    return out


def append_history(history: dict[str, list[float]], epoch: int, values: dict[str, float]) -> None:
    """Append one epoch's values (missing keys become NaN so every list stays the same length)."""
    history.setdefault("epoch", []).append(float(epoch))
    n = len(history["epoch"])
    for key in set(values) | (set(history) - {"epoch"}):
        column = history.setdefault(key, [])
        column.extend([math.nan] * (n - 1 - len(column)))
        column.append(float(values.get(key, math.nan)))

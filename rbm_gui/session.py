"""Qt-free glue between data, engine and model files, shared by the CLI and the window.

``prepare_data`` loads and binarises a data set and picks the held-out digits used by the
monitors; ``to_saved`` / ``from_saved`` convert between a trained ``RBM`` and a model file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.data import Dataset, load_dataset
from rbm_gui.engine.rbm import RBM
from rbm_gui.io.model_file import SavedModel

#: Held-out digits used by the monitors when no validation split is asked for.
DEFAULT_HELD_OUT = 1000

#: Units whose weights are snapshotted every epoch (the blog's Figure 2 shows 10; files keep up to 100).
HISTORY_MAX_UNITS = 100


def history_units(n_hidden: int) -> np.ndarray:
    """Indices of the hidden units whose weights are kept per epoch."""
    return np.arange(min(n_hidden, HISTORY_MAX_UNITS))


@dataclass
class TrainingData:
    """Binarised training and held-out vectors.

    train: (N, n_visible) bool — what the trainer sees.
    held_out: (M, n_visible) bool — validation digits split off the training set, or (when
        ``n_validation`` is 0) the first digits of the data set's test split; never trained on.
    """

    spec: str
    name: str
    image_shape: tuple[int, int]
    train: np.ndarray
    held_out: np.ndarray | None
    held_out_name: str
    threshold: int
    train_grey: np.ndarray | None = None   # (N, n_visible) uint8 0..255, for stochastic binarisation


def prepare_data(spec: str = "mnist-sample", threshold: int = 128, n_validation: int = 0,
                 seed: int = 0, train_set: Dataset | None = None, keep_grey: bool = False) -> TrainingData:
    """Load ``spec`` (see ``rbm_gui.data.load_dataset``), binarise at ``threshold`` and choose held-out data.

    ``keep_grey`` also returns the training digits' grey levels, for stochastic binarisation.
    """
    ds = train_set if train_set is not None else load_dataset(spec, "train")
    if not 0 <= n_validation < ds.n:
        raise ValueError(f"validation size must be between 0 and {ds.n - 1}, got {n_validation}")
    if n_validation:
        train, val = ds.split_validation(n_validation, np.random.default_rng(seed))
        held, held_name = val.binarize(threshold), f"{n_validation} validation digits"
    else:
        train, held, held_name = ds, None, "none"
        if spec in ("mnist-sample", "mnist"):
            test = load_dataset(spec, "test")
            held = test.subset(np.arange(min(DEFAULT_HELD_OUT, test.n))).binarize(threshold)
            held_name = f"first {held.shape[0]} test digits"
    return TrainingData(str(spec), ds.name, ds.image_shape, train.binarize(threshold), held,
                        held_name, threshold, train.flat() if keep_grey else None)


def to_saved(rbm: RBM, config: TrainingConfig, history: dict, dataset: str, epochs_done: int,
             weight_history: np.ndarray | None = None, extra_meta: dict | None = None,
             units: np.ndarray | None = None) -> SavedModel:
    """A model file's content for ``rbm`` and how it was trained.

    ``weight_history``: (n_snapshots, n_visible, n_units) float32, the weights of hidden units
    ``units`` (default ``history_units``) at the start and after every epoch.
    """
    meta = {
        "image_shape": list(rbm.image_shape),
        "hyperparameters": config.to_dict(),
        "dataset": dataset,
        "epochs_done": int(epochs_done),
        "history": {k: [float(x) for x in v] for k, v in history.items()},
    }
    meta.update(extra_meta or {})
    arrays = {}
    if weight_history is not None:
        wh = np.asarray(weight_history, np.float32)
        arrays["weight_history"] = wh
        arrays["history_units"] = np.asarray(units if units is not None else np.arange(wh.shape[2]), np.int64)
    return SavedModel(rbm.W.copy(), rbm.b.copy(), rbm.c.copy(), meta, arrays)


def from_saved(saved: SavedModel) -> RBM:
    """The RBM stored in a model file."""
    return RBM(saved.W, saved.b, saved.c, tuple(saved.image_shape))


def format_metric(value: float, digits: int = 4) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}g}"

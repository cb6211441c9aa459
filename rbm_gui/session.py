"""Qt-free glue between the engine and model files, shared by the CLI and the window:
``to_saved`` / ``from_saved`` convert between a trained ``RBM`` and a model file (the data
preparation both use is ``rbm_gui.app.data.prepare_data``).
"""

from __future__ import annotations

import math

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.engine.rbm import RBM
from rbm_gui.io.model_file import SavedModel

#: Units whose weights are snapshotted every epoch (the blog's Figure 2 shows 10; files keep up to 100).
HISTORY_MAX_UNITS = 100


def history_units(n_hidden: int) -> np.ndarray:
    """Indices of the hidden units whose weights are kept per epoch."""
    return np.arange(min(n_hidden, HISTORY_MAX_UNITS))


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
    labels = {} if rbm.U is None else {"U": rbm.U.copy(), "d": rbm.d.copy()}
    return SavedModel(rbm.W.copy(), rbm.b.copy(), rbm.c.copy(), meta, arrays, **labels)


def from_saved(saved: SavedModel) -> RBM:
    """The RBM stored in a model file."""
    return RBM(saved.W, saved.b, saved.c, tuple(saved.image_shape), saved.U, saved.d)


def format_metric(value: float, digits: int = 4) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}g}"

"""What the window shows, without Qt: data, settings, the model, its trainer and its history.

The window binds widgets to a ``Session``; tests can drive a ``Session`` without a QApplication.
While a training worker runs, the trainer (and its model) belong to the worker thread: the
window reads only the snapshots the worker sends, and calls ``Session`` methods that touch the
trainer only when the worker is stopped or paused (see ``TrainingController.paused``).
"""

from __future__ import annotations

import math

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.engine.monitor import append_history
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.training import Trainer
from rbm_gui.app.data import DATA_HELP, DATA_LIMITS, DataOptions, PreparedData, prepare_data  # noqa: F401
from rbm_gui.session import HISTORY_MAX_UNITS, from_saved, to_saved   # shared with the CLI


class Session:
    """The model being trained or viewed, with its settings and per-epoch history."""

    def __init__(self, config: TrainingConfig | None = None, data_options: DataOptions | None = None):
        self.config = (config or TrainingConfig()).validate()
        self.data_options = data_options or DataOptions()
        self.data: PreparedData | None = None
        self.rbm: RBM | None = None
        self.trainer: Trainer | None = None
        self.epochs_done = 0
        self.history: dict[str, list[float]] = {}
        self.weight_history: list[np.ndarray] = []       # each (n_visible, n_tracked) float32
        self.history_units: np.ndarray = np.zeros(0, dtype=np.int64)
        self.dataset_name = ""
        self.path: str | None = None                      # file the model was opened from / saved to
        self.dirty = False                                # trained since the last save
        self.note = ""                                    # e.g. "imported from legacy file"

    # ------------------------------------------------------------------ data and model
    def load_data(self) -> PreparedData:
        self.data = prepare_data(self.data_options, self.config.seed)
        return self.data

    @property
    def has_model(self) -> bool:
        return self.rbm is not None

    @property
    def trainable(self) -> bool:
        """The data fits the model (same number of visible units)."""
        return self.data is not None and (self.rbm is None or self.rbm.n_visible == self.data.n_visible)

    def new_model(self) -> RBM:
        """Initialise a fresh model from the settings and data (Hinton's guide); clears the history."""
        if self.data is None:
            self.load_data()
        self.trainer = Trainer.create(self.data.train, self.config, self.data.image_shape)
        self.rbm = self.trainer.rbm
        self.epochs_done = 0
        self.history = {}
        self.weight_history = []
        self.history_units = np.arange(min(self.rbm.n_hidden, HISTORY_MAX_UNITS))
        self.record_weights(self.rbm.W)
        self.dataset_name = self.data.name
        self.path, self.dirty, self.note = None, False, ""
        return self.rbm

    def clear_model(self) -> None:
        self.rbm = self.trainer = None
        self.epochs_done = 0
        self.history, self.weight_history = {}, []
        self.history_units = np.zeros(0, dtype=np.int64)
        self.path, self.dirty, self.note = None, False, ""

    def ensure_trainer(self) -> Trainer:
        """The trainer for the next run: a new model, or the current one with the current settings.

        Settings other than the architecture (batch size, CD-k, ...) may have changed since the
        last run; the trainer is rebuilt around the same parameters then (momentum buffers restart).
        """
        if self.rbm is None:
            self.new_model()
        if not self.trainable:
            raise ValueError(f"the model has {self.rbm.n_visible} visible units but the data has "
                             f"{self.data.n_visible}; open matching data or start a new model")
        if self.trainer is None or _needs_new_trainer(self.trainer.config, self.config):
            rng = self.trainer.rng if self.trainer is not None else np.random.default_rng(self.config.seed + 1)
            self.trainer = Trainer(self.rbm, self.data.train, self.config, rng)
            self.trainer.epoch = self.epochs_done
        else:   # live values (learning rate, momentum, epochs) take the panel's current values
            self.trainer.config = self.config.replace()
        return self.trainer

    # ------------------------------------------------------------------ history
    def record_weights(self, W: np.ndarray) -> None:
        self.weight_history.append(np.array(W[:, self.history_units], dtype=np.float32))

    def record_epoch(self, epoch: int, values: dict[str, float], W_tracked: np.ndarray | None) -> None:
        """Store one epoch's metrics (and the tracked units' weights, (n_visible, n_tracked))."""
        if values:
            append_history(self.history, epoch, values)
        if W_tracked is not None:
            self.weight_history.append(np.asarray(W_tracked, dtype=np.float32))
        self.epochs_done = max(self.epochs_done, epoch)
        self.dirty = True

    # ------------------------------------------------------------------ files
    def to_saved_model(self):
        if self.rbm is None:
            raise ValueError("there is no model to save")
        wh = np.stack(self.weight_history) if self.weight_history else None
        return to_saved(self.rbm, self.config, self.history, self.dataset_name, self.epochs_done, wh,
                        extra_meta={"data_options": self.data_options.to_dict()}, units=self.history_units)

    def load_saved(self, saved, path: str | None = None, note: str = "") -> None:
        """Show a saved model: parameters, settings, history; training continues from it."""
        meta = saved.meta or {}
        self.rbm = from_saved(saved)
        self.trainer = None
        hp = meta.get("hyperparameters") or {}
        try:
            cfg = self.config.replace(**{k: v for k, v in TrainingConfig.from_dict(hp).to_dict().items()
                                         if k in hp and k != "extra"})
            cfg = cfg.replace(n_hidden=self.rbm.n_hidden).validate()
        except (TypeError, ValueError):
            cfg = self.config.replace(n_hidden=self.rbm.n_hidden)
        self.config = cfg
        self.epochs_done = int(meta.get("epochs_done", 0) or 0)
        self.history = {k: [float(x) for x in v] for k, v in (meta.get("history") or {}).items()}
        wh = saved.arrays.get("weight_history")
        units = saved.arrays.get("history_units")
        if wh is not None and wh.ndim == 3 and wh.shape[1] == self.rbm.n_visible:
            self.weight_history = [np.asarray(x, dtype=np.float32) for x in wh]
            self.history_units = (np.asarray(units, dtype=np.int64) if units is not None
                                  else np.arange(wh.shape[2]))
        else:
            self.history_units = np.arange(min(self.rbm.n_hidden, HISTORY_MAX_UNITS))
            self.weight_history = [] if self.epochs_done else [self.rbm.W[:, self.history_units].copy()]
        if self.epochs_done and not self.weight_history:
            pass   # no stored history: the history view starts at the loaded state
        self.dataset_name = str(meta.get("dataset", ""))
        self.path, self.dirty, self.note = path, False, note

    def tracked_weights(self, W: np.ndarray) -> np.ndarray:
        return np.array(W[:, self.history_units], dtype=np.float32)


def _needs_new_trainer(old: TrainingConfig, new: TrainingConfig) -> bool:
    live = {"learning_rate", "momentum", "epochs", "lr_schedule", "lr_decay", "initial_momentum",
            "momentum_switch_epoch", "extra"}
    a, b = old.to_dict(), new.to_dict()
    return any(a[k] != b[k] for k in a if k not in live)


def time_left(samples_per_second: float, samples_left: float) -> float:
    """Seconds left at the current speed (inf when unknown)."""
    if samples_per_second <= 0 or not math.isfinite(samples_per_second):
        return math.inf
    return samples_left / samples_per_second


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"

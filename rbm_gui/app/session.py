"""The session: what the window shows and trains, as Qt-free state with change notification.

This is the contract between the application layer and the views (``rbm_gui.ui``): views bind to
these properties (``session.connect("model", view.redraw)``) and forward intent as calls on the
session; they never read each other. The session is also the one place that decides what a
setting change means (``change_setting``: live, stored for the next run, or a new model that the
user must approve once).

Threads: while a training job runs, ``rbm`` and ``trainer`` belong to the job's thread; the views
read only ``model``, the read-only snapshot the job hands over. Everything here is called from one
thread (the GUI thread in the window).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from rbm_gui.app import settings_policy
from rbm_gui.app.data import DataOptions, PreparedData, prepare_data
from rbm_gui.app.observable import Event, Prop, State
from rbm_gui.config import ConfigError, TrainingConfig
from rbm_gui.engine.monitor import append_history
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.run import EpochEnd, TrainingRun
from rbm_gui.engine.training import Trainer
from rbm_gui.session import HISTORY_MAX_UNITS, from_saved, to_saved

RUN_STATES = ("stopped", "running", "paused", "diverged", "stopping")

#: approve(text) -> bool: asked once before the current (trained) model is thrown away; the UI
#: offers to save it there. Without one, the change goes ahead.
Approve = Callable[[str], bool]


class Session(State):
    config = Prop(factory=TrainingConfig, doc="the training settings (the panel binds to it; one source of truth)")
    config_problem = Prop("", "why the settings cannot train as they are ('' when they can)")
    data_options = Prop(factory=DataOptions, doc="rbm_gui.app.data.DataOptions of the data set in use")
    data = Prop(None, "rbm_gui.app.data.PreparedData in use, or None while none is loaded")
    model = Prop(None, "read-only RBM snapshot the views draw (new model, each drawn frame), or None")
    epochs_done = Prop(0, "completed epochs of the model")
    history = Prop(factory=dict, doc="per-epoch metrics: name -> list of floats, with an 'epoch' column")
    weight_history = Prop(factory=list, doc="(n_visible, n_tracked) float32 weights of the tracked units per epoch")
    history_units = Prop(None, "int64 indices of the tracked hidden units")
    run_state = Prop("stopped", "one of RUN_STATES")
    path = Prop(None, "the model file the model was opened from / saved to")
    dirty = Prop(False, "trained or changed since the last save")
    selected_digit = Prop(None, "rbm_gui.viz.gallery.SelectedDigit: the probe/explorer digit, or None")
    selected_unit = Prop(None, "index of the clicked hidden unit, or None")
    message = Prop(("", "info"), "(text, 'info' | 'error') for the banner; ('', ...) hides it")
    lr_in_use = Prop(None, "the learning rate the schedule gives at the last drawn frame (None when idle)")

    def __init__(self, config: TrainingConfig | None = None, data_options: DataOptions | None = None, **values):
        super().__init__(**values)
        self.model_replaced = Event()     # a different model (new, opened, imported, reset): views reset
        self.metrics_recorded = Event()   # (epoch, values): metrics measured off the training thread
        if config is not None:
            self.config = config
        if data_options is not None:
            self.data_options = data_options
        self.config_problem = _problem(self.config)
        self.rbm: RBM | None = None           # the live parameters (the training job's while it runs)
        self.trainer: Trainer | None = None
        self.run: TrainingRun | None = None   # the run in progress (its request() is thread-safe)
        self.dataset_name = ""
        self.note = ""                        # e.g. "imported from binv_nh20.pkl"
        #: called to stop (and join) a running training job before the model is replaced
        self.stop_training: Callable[[], None] = lambda: None

    # ------------------------------------------------------------------ derived
    @property
    def has_model(self) -> bool:
        return self.rbm is not None

    @property
    def running(self) -> bool:
        return self.run_state in ("running", "paused", "diverged", "stopping")

    @property
    def trainable(self) -> bool:
        """The data fits the model (same number of visible units)."""
        return self.data is not None and (self.rbm is None or self.rbm.n_visible == self.data.n_visible)

    @property
    def n_batches(self) -> int:
        """Mini-batches per epoch with the current data and settings (1 without data)."""
        if self.trainer is not None:
            return self.trainer.n_batches
        if self.data is None:
            return 1
        n = len(self.data.train)
        return -(-n // max(1, min(self.config.batch_size, n)))

    def say(self, text: str, kind: str = "info") -> None:
        self.message = (text, kind)

    # ------------------------------------------------------------------ data and model
    def load_data(self) -> PreparedData:
        self.data = prepare_data(self.data_options, self.config.seed)
        return self.data

    def new_model(self) -> RBM:
        """Initialise a fresh model from the settings and data (Hinton's guide); clears the history.

        The trainer is made exactly as ``rbm-gui train`` makes it, so the same seed and settings
        give the same weights in the window and on the command line.
        """
        if self.data is None:
            self.load_data()
        cfg = self.config.validate()
        self.trainer = Trainer.create(self.data.trainer_data, cfg, self.data.image_shape,
                                      stochastic=self.data.options.stochastic)
        self.rbm = self.trainer.rbm
        units = np.arange(min(self.rbm.n_hidden, HISTORY_MAX_UNITS))
        self.dataset_name = self.data.name
        self.note = ""
        with self.batch():
            self.epochs_done = 0
            self.history = {}
            self.history_units = units
            self.weight_history = [self.tracked_weights(self.rbm.W)]
            self.path, self.dirty = None, False
        self.publish()
        return self.rbm

    def clear_model(self) -> None:
        self.rbm = self.trainer = None
        self.note = ""
        with self.batch():
            self.epochs_done = 0
            self.history, self.weight_history = {}, []
            self.history_units = np.zeros(0, dtype=np.int64)
            self.path, self.dirty = None, False
        self.publish()

    def reset_model(self) -> bool:
        """A new model from the current settings (after ``stop_training``); False with a message if not."""
        self.stop_training()
        self.rbm = self.trainer = None
        try:
            self.new_model()
        except (ValueError, ConfigError, OSError) as exc:
            self.clear_model()
            self.say(str(exc), "error")
            return False
        return True

    def publish(self) -> None:
        """Show the current model (a read-only snapshot) as a different model: views reset."""
        self.selected_unit = None
        self.model = self.rbm.snapshot() if self.rbm is not None else None
        self.model_replaced.emit(self.model)

    def show_frame(self, snapshot: RBM) -> None:
        """A live frame of the model being trained (the same model: views keep their selection)."""
        self.model = snapshot

    def ensure_trainer(self) -> Trainer:
        """The trainer for the next run: a new model, or the current one with the current settings.

        Settings other than the architecture (batch size, CD-k, ...) may have changed since the
        last run; the trainer is rebuilt around the same parameters then (momentum buffers restart).
        """
        cfg = self.config.validate()
        if self.rbm is None:
            self.new_model()
        if not self.trainable:
            raise ValueError(f"the model has {self.rbm.n_visible} visible units but the data has "
                             f"{self.data.n_visible}; open matching data or start a new model")
        if self.trainer is None or _needs_new_trainer(self.trainer.config, cfg):
            rng = self.trainer.rng if self.trainer is not None else np.random.default_rng(cfg.seed + 1)
            self.trainer = Trainer(self.rbm, self.data.trainer_data, cfg, rng,
                                   stochastic=self.data.options.stochastic)
            self.trainer.epoch = self.epochs_done
        else:   # live values (learning rate, momentum, epochs) take the current settings
            self.trainer.config = cfg.replace()
        return self.trainer

    def make_run(self, max_steps: int | None = None) -> TrainingRun:
        """The training run the window's job drives (``ensure_trainer`` first; may raise ValueError)."""
        trainer = self.ensure_trainer()
        if trainer.finished:
            raise ValueError(f"All {self.config.epochs} epochs are done: raise Epochs or press +1 epoch.")
        self.run = TrainingRun(trainer, self.history_units, max_steps=max_steps)
        return self.run

    # ------------------------------------------------------------------ settings
    def change_setting(self, name: str, value, approve: Approve | None = None) -> str:
        """Change one setting (a TrainingConfig field, or ``data.<option>``); the one place that decides.

        Returns what happened: 'live' (forwarded to the running trainer), 'stored' (for the next
        run), 'new_model' (the model was replaced), 'refused' (``approve`` said no: the old value
        is kept) or 'unchanged'.
        """
        data = name.startswith(settings_policy.DATA_PREFIX)
        key = name[len(settings_policy.DATA_PREFIX):] if data else name
        if data:
            old = self.data_options
            if getattr(old, key) == value:
                return "unchanged"
            new_options = DataOptions(**{**old.to_dict(), key: value})
            return self.open_data(new_options, approve)
        if getattr(self.config, key) == value:
            return "unchanged"
        new_config = self.config.replace(**{key: value})
        what = settings_policy.kind(name)
        if what == "new_model" and self.has_model and (self.running or self.dirty or self.epochs_done):
            if approve is not None and not approve(
                    f"Changing {_LABELS.get(key, key)} needs a new model: the current one "
                    f"({self.epochs_done} epochs) will be thrown away."):
                return "refused"
        self._set_config(new_config)
        if what == "live":
            if self.run is not None and self.running:
                self.run.request(**{key: value})
            return "live"
        if what == "new_model":
            if self.data is not None and not self.config_problem:
                self.reset_model()
            return "new_model"
        return "stored"

    def _set_config(self, config: TrainingConfig) -> None:
        with self.batch():
            self.config = config
            self.config_problem = _problem(config)

    def open_data(self, options: DataOptions, approve: Approve | None = None) -> str:
        """Switch to other data (a new model); 'refused' when ``approve`` says no, 'failed' with a message."""
        if self.has_model and (self.running or self.dirty):
            if approve is not None and not approve(
                    "Opening another data set needs a new model: the current one "
                    f"({self.epochs_done} epochs) will be thrown away."):
                return "refused"
        self.stop_training()
        old_options, old_data = self.data_options, self.data
        try:
            data = prepare_data(options, self.config.seed)
        except Exception as exc:     # DataError, OSError, ValueError: keep the data in use
            self.say(f"Cannot load the data set: {exc}", "error")
            self.data_options, self.data = old_options, old_data
            return "failed"
        with self.batch():
            self.data_options, self.data = options, data
        self.say("")
        self.rbm = self.trainer = None
        if not self.config_problem:
            self.reset_model()
        return "new_model"

    def add_epoch(self) -> int:
        """One more epoch than now (while training: than the run's target); forwarded to a running trainer."""
        base = max(self.config.epochs, self.epochs_done) if self.running else self.epochs_done
        epochs = base + 1
        self._set_config(self.config.replace(epochs=epochs))
        if self.run is not None and self.running:
            self.run.request(epochs=epochs)
        return epochs

    # ------------------------------------------------------------------ history
    def tracked_weights(self, W: np.ndarray) -> np.ndarray:
        return np.array(W[:, self.history_units], dtype=np.float32)

    def record_epoch(self, event: EpochEnd) -> None:
        """An epoch ended: its learning rate (the one in use), speed and the tracked units' weights."""
        self.record_epochs((event,))

    def record_epochs(self, events) -> None:
        """Several epoch ends at once (one notification): they may come faster than views redraw."""
        history = {k: list(v) for k, v in self.history.items()}
        for e in events:
            append_history(history, e.epoch, {"learning_rate": e.learning_rate,
                                              "samples_per_second": e.samples_per_second})
        with self.batch():
            self.history = history
            self.weight_history = [*self.weight_history,
                                   *(np.asarray(e.W_tracked, dtype=np.float32) for e in events)]
            self.epochs_done = max(self.epochs_done, max(e.epoch for e in events))
            self.dirty = True

    def record_metrics(self, epoch: int, values: dict[str, float]) -> None:
        """Metrics measured on the snapshot of ``epoch`` (they may arrive epochs later)."""
        history = {k: list(v) for k, v in self.history.items()}
        epochs = history.get("epoch", [])
        if epoch in epochs:
            row = len(epochs) - 1 - epochs[::-1].index(epoch)
            for key, value in values.items():
                column = history.setdefault(key, [float("nan")] * len(epochs))
                column.extend([float("nan")] * (len(epochs) - len(column)))
                column[row] = float(value)
        else:     # the starting point (epoch 0) or a model without that row
            append_history(history, epoch, values)
            order = np.argsort(history["epoch"], kind="stable")
            history = {k: [v[i] for i in order] for k, v in history.items()}
        self.history = history
        self.metrics_recorded.emit(epoch, values)

    # ------------------------------------------------------------------ files
    def to_saved_model(self, rbm: RBM | None = None):
        """The model file's content (``rbm``: a snapshot to save instead of the live parameters)."""
        rbm = rbm if rbm is not None else self.rbm
        if rbm is None:
            raise ValueError("there is no model to save")
        wh = np.stack(self.weight_history) if self.weight_history else None
        return to_saved(rbm, self.config, self.history, self.dataset_name, self.epochs_done, wh,
                        extra_meta={"data_options": self.data_options.to_dict()}, units=self.history_units)

    def freeze(self, rbm: RBM | None = None):
        """A function that builds the model file's content later, on any thread, from a copy taken now.

        ``rbm``: a read-only snapshot (the live parameters change under a running job). The copy is
        cheap: the history lists and the weight-history list are copied, their arrays never change.
        """
        rbm = rbm if rbm is not None else self.rbm.snapshot()
        config, dataset, epochs = self.config, self.dataset_name, self.epochs_done
        history = {k: list(v) for k, v in self.history.items()}
        weight_history, units = list(self.weight_history), self.history_units
        options = self.data_options.to_dict()

        def build():
            wh = np.stack(weight_history) if weight_history else None
            return to_saved(rbm, config, history, dataset, epochs, wh,
                            extra_meta={"data_options": options}, units=units)
        return build

    def load_saved(self, saved, path: str | None = None, note: str = "") -> None:
        """Show a saved model: parameters, settings, history; training continues from it."""
        self.stop_training()
        meta = saved.meta or {}
        rbm = from_saved(saved)
        hp = meta.get("hyperparameters") or {}
        try:
            cfg = self.config.replace(**{k: v for k, v in TrainingConfig.from_dict(hp).to_dict().items()
                                         if k in hp and k != "extra"})
            cfg = cfg.replace(n_hidden=rbm.n_hidden).validate()
        except (TypeError, ValueError):
            cfg = self.config.replace(n_hidden=rbm.n_hidden)
        epochs_done = int(meta.get("epochs_done", 0) or 0)
        wh = saved.arrays.get("weight_history")
        units = saved.arrays.get("history_units")
        if wh is not None and wh.ndim == 3 and wh.shape[1] == rbm.n_visible:
            weight_history = [np.asarray(x, dtype=np.float32) for x in wh]
            units = np.asarray(units, dtype=np.int64) if units is not None else np.arange(wh.shape[2])
        else:
            units = np.arange(min(rbm.n_hidden, HISTORY_MAX_UNITS))
            weight_history = [] if epochs_done else [np.array(rbm.W[:, units], dtype=np.float32)]
        self.rbm, self.trainer, self.run = rbm, None, None
        self.dataset_name = str(meta.get("dataset", ""))
        self.note = note
        with self.batch():
            self._set_config(cfg)
            self.epochs_done = epochs_done
            self.history = {k: [float(x) for x in v] for k, v in (meta.get("history") or {}).items()}
            self.history_units = units
            self.weight_history = weight_history
            self.path, self.dirty = path, False
        self.publish()


_LABELS = {"n_hidden": "the number of hidden units"}


def _problem(config: TrainingConfig) -> str:
    try:
        config.validate()
    except ConfigError as exc:
        return str(exc)
    return ""


def _needs_new_trainer(old: TrainingConfig, new: TrainingConfig) -> bool:
    live = {"learning_rate", "momentum", "epochs", "lr_schedule", "lr_decay", "initial_momentum",
            "momentum_switch_epoch", "extra"}
    a, b = old.to_dict(), new.to_dict()
    return any(a[k] != b[k] for k in a if k not in live)

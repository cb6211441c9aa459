"""The session: what the window shows and trains, as Qt-free state with change notification.

This is the contract between the application layer and the views (``rbm_gui.ui``): views bind to
these properties (``session.connect("model", view.redraw)``) and forward intent as calls on the
session; they never read each other. ``change_setting`` is the one way a setting changes (live,
stored for the next run, or a new model that the user must approve once); ``app/setting_changes.py``
carries it out.

Threads: while a training job runs, ``rbm`` and ``trainer`` belong to the job's thread; the views
read only ``model``, the read-only snapshot the job hands over. Everything here is called from one
thread (the GUI thread in the window).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from rbm_gui.app import history_table, session_files, setting_changes
from rbm_gui.app.data import DataOptions, PreparedData, prepare_data
from rbm_gui.app.observable import Event, Prop, State
from rbm_gui.app.setting_changes import Approve
from rbm_gui.app.unit_overrides import UnitOverrides
from rbm_gui.config import ConfigError, TrainingConfig
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.run import EpochEnd, TrainingRun
from rbm_gui.engine.labelled_training import trainer_for
from rbm_gui.engine.training import Trainer
from rbm_gui.session import HISTORY_MAX_UNITS

RUN_STATES = ("stopped", "running", "paused", "diverged", "stopping")


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
    effective_model = Prop(None, "``model`` with the forced units of ``overrides`` (reconstructions, "
                                 "P(h|v), dreams and override metrics use it; never saved)")

    def __init__(self, config: TrainingConfig | None = None, data_options: DataOptions | None = None, **values):
        super().__init__(**values)
        # first subscriber of "model": effective_model is current before any view hears of a frame
        self.overrides = UnitOverrides()
        self.connect("model", self._update_effective)
        self.overrides.connect("forced", lambda _f: self._update_effective(self.model))
        self.model_replaced = Event()     # a different model (new, opened, imported, reset): views reset
        self.metrics_recorded = Event()   # (epoch, values): metrics measured off the training thread
        if config is not None:
            self.config = config
        if data_options is not None:
            self.data_options = data_options
        self.config_problem = setting_changes.config_problem(self.config)
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

    def load_data_and_model(self) -> bool:
        """Load the data (and a new model when there is none); False with a message when it cannot."""
        try:
            self.load_data()
        except Exception as exc:      # DataError, OSError, ValueError: tell the user, keep the window
            self.say(f"Cannot load the data set: {exc}", "error")
            return False
        return self.has_model or self.reset_model()

    def new_model(self) -> RBM:
        """Initialise a fresh model from the settings and data (Hinton's guide); clears the history.

        The trainer is made exactly as ``rbm-gui train`` makes it, so the same seed and settings
        give the same weights in the window and on the command line.
        """
        if self.data is None:
            self.load_data()
        cfg = self.config.validate()
        self.trainer = Trainer.create(self.data.trainer_data, cfg, self.data.image_shape,
                                      stochastic=self.data.options.stochastic,
                                      labels=self.data.require_labels() if cfg.labels else None)
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
        self.overrides.reset()          # unit numbers of another model mean other units
        self.model = self.rbm.snapshot() if self.rbm is not None else None
        self.model_replaced.emit(self.model)

    def _update_effective(self, model) -> None:
        self.effective_model = self.overrides.effective(model)

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
            labels = self.data.require_labels() if self.rbm.n_labels else None
            self.trainer = trainer_for(self.rbm, self.data.trainer_data, cfg, rng,
                                       stochastic=self.data.options.stochastic, labels=labels)
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

    # ------------------------------------------------------------------ settings (app/setting_changes.py)
    def change_setting(self, name: str, value, approve: Approve | None = None) -> str:
        """Change one setting (a TrainingConfig field, or ``data.<option>``): 'live', 'stored',
        'new_model', 'refused' (``approve`` said no: the old value is kept) or 'unchanged'."""
        return setting_changes.change_setting(self, name, value, approve)

    def open_data(self, options: DataOptions, approve: Approve | None = None) -> str:
        """Switch to other data (a new model); 'refused' when ``approve`` says no, 'failed' with a message."""
        return setting_changes.open_data(self, options, approve)

    def add_epoch(self) -> int:
        """One more epoch than now (while training: than the run's target); forwarded to a running trainer."""
        return setting_changes.add_epoch(self)

    # ------------------------------------------------------------------ history
    def tracked_weights(self, W: np.ndarray) -> np.ndarray:
        return np.array(W[:, self.history_units], dtype=np.float32)

    def record_epoch(self, event: EpochEnd) -> None:
        """An epoch ended: its learning rate (the one in use), speed and the tracked units' weights."""
        self.record_epochs((event,))

    def record_epochs(self, events) -> None:
        """Several epoch ends at once (one notification): they may come faster than views redraw."""
        with self.batch():
            self.history = history_table.with_epochs(self.history, events)
            self.weight_history = [*self.weight_history,
                                   *(np.asarray(e.W_tracked, dtype=np.float32) for e in events)]
            self.epochs_done = max(self.epochs_done, max(e.epoch for e in events))
            self.dirty = True

    def record_metrics(self, epoch: int, values: dict[str, float]) -> None:
        """Metrics measured on the snapshot of ``epoch`` (they may arrive epochs later)."""
        self.history = history_table.with_metrics(self.history, epoch, values)
        self.metrics_recorded.emit(epoch, values)

    def to_saved_model(self, rbm: RBM | None = None):
        """The model file's content (``rbm``: a snapshot to save instead of the live parameters)."""
        return session_files.to_saved_model(self, rbm)

    def freeze(self, rbm: RBM | None = None):
        """A function that builds the model file's content later, on any thread (see session_files)."""
        return session_files.freeze(self, rbm)

    def load_saved(self, saved, path: str | None = None, note: str = "") -> None:
        """Show a saved model: parameters, settings, history; training continues from it."""
        self.stop_training()
        values = session_files.read_saved(saved, self.config)
        self.rbm, self.trainer, self.run = values.pop("rbm"), None, None
        self.dataset_name, self.note = values.pop("dataset_name"), note
        with self.batch():
            setting_changes.set_config(self, values.pop("config"))
            self.update(**values, path=path, dirty=False)
        self.publish()


def _needs_new_trainer(old: TrainingConfig, new: TrainingConfig) -> bool:
    live = {"learning_rate", "momentum", "epochs", "lr_schedule", "lr_decay", "initial_momentum",
            "momentum_switch_epoch", "extra"}
    a, b = old.to_dict(), new.to_dict()
    return any(a[k] != b[k] for k in a if k not in live)

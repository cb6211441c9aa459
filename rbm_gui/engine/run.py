"""One training loop for every driver: ``rbm-gui train`` iterates it, the window's worker does too.

``TrainingRun`` steps a ``Trainer`` and yields what happened — a ``Step`` after every mini-batch,
an ``EpochEnd`` (with a read-only snapshot for metrics) after every epoch, a ``Diverged`` when an
update would have broken the model — and takes changes between two steps: the learning rate, the
momentum, the number of epochs (+1 epoch) and stop. Changes come either through ``send()`` on the
generator (a dict) or through ``request()``, which is thread-safe (the window posts from the GUI
thread while the worker iterates). Pausing is the driver's business: it simply stops iterating.

Speed is measured over running time: the steps and the driver's short work between them, but not
a pause (a gap longer than ``IDLE_GAP``), so pauses never make "digits/s" or "time left" lie. Metrics are the driver's business too (the CLI computes them in
line, the window off the training thread within a time budget): nothing here draws a random
number, so the trainer's stream — and the weights — are the same whoever drives the loop.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.training import StepInfo, Trainer, TrainingDiverged

#: Seconds of running time over which the reported speed is averaged.
SPEED_WINDOW = 0.25
#: A gap between two steps longer than this is a pause or a stalled driver, not training time;
#: shorter gaps (the driver's own work per step: frames, yields) count, so "time left" is honest.
IDLE_GAP = 0.1


@dataclass(frozen=True)
class Step:
    """Progress after one mini-batch."""

    info: StepInfo
    steps: int                    # mini-batches done in this run
    samples_per_second: float     # over the last SPEED_WINDOW seconds of step time (0 until known)


@dataclass(frozen=True)
class EpochEnd:
    """An epoch ended: what the history records, and a snapshot to measure metrics on."""

    epoch: int                    # epochs completed
    learning_rate: float          # the rate of the epoch's last mini-batch (the one in use)
    seconds: float                # time spent in this epoch's steps (pauses excluded)
    samples_per_second: float     # the epoch's digits / seconds
    W_tracked: np.ndarray         # (n_visible, n_tracked) float32 weights of the tracked units
    snapshot: RBM                 # read-only copy of the parameters at the epoch's end
    last: bool                    # the run's final epoch (the trainer has finished)


@dataclass(frozen=True)
class Diverged:
    """An update was refused (NaN, inf or exploding weights); the parameters are those before it."""

    message: str


class TrainingRun:
    """Drives ``trainer`` until its epochs are done, a stop is asked, or ``max_steps`` batches ran.

    ``tracked_units``: hidden units whose weights each ``EpochEnd`` carries (the history film strip).
    Iterate ``events()`` (or the run itself); its return value (``StopIteration.value``) is the
    reason: "done", "stopped" or "steps".
    """

    def __init__(self, trainer: Trainer, tracked_units: np.ndarray | None = None,
                 max_steps: int | None = None):
        self.trainer = trainer
        self.tracked_units = (np.arange(trainer.rbm.n_hidden) if tracked_units is None
                              else np.asarray(tracked_units, dtype=np.int64))
        self.max_steps = max_steps
        self.steps = 0
        self.busy_seconds = 0.0        # running time (steps and the driver's work between them)
        self._lock = threading.Lock()
        self._pending: dict = {}
        self._speed_samples = 0
        self._speed_seconds = 0.0
        self._speed_steps = 0
        self._speed = 0.0
        self._epoch_seconds = 0.0
        self._epoch_samples = 0
        self._last_end: float | None = None     # when the previous step ended

    # ------------------------------------------------------------------ changes
    def request(self, **changes) -> None:
        """Post changes for the next step (thread-safe): learning_rate, momentum, epochs, stop."""
        unknown = set(changes) - {"learning_rate", "momentum", "epochs", "stop"}
        if unknown:
            raise TypeError(f"unknown training changes: {', '.join(sorted(unknown))}")
        with self._lock:
            self._pending.update(changes)

    def stop(self) -> None:
        self.request(stop=True)

    def _take_changes(self, sent: dict | None) -> bool:
        """Apply pending changes; True when a stop was asked."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if sent:
            pending.update(sent)
        t = self.trainer
        if "learning_rate" in pending:
            t.set_learning_rate(pending["learning_rate"])
        if "momentum" in pending:
            t.set_momentum(pending["momentum"])
        if "epochs" in pending:
            t.config = t.config.replace(epochs=int(pending["epochs"])).validate()
        return bool(pending.get("stop"))

    # ------------------------------------------------------------------ the loop
    @property
    def samples_per_second(self) -> float:
        return self._speed

    def __iter__(self) -> Iterator:
        return self.events()

    def events(self):
        t = self.trainer
        sent = None
        while True:
            if self._take_changes(sent):
                return "stopped"
            if t.finished:
                return "done"
            if self.max_steps is not None and self.steps >= self.max_steps:
                return "steps"
            t0 = time.perf_counter()
            try:
                info = t.step()
            except TrainingDiverged as exc:
                sent = yield Diverged(str(exc))
                self._last_end = None
                continue
            t1 = time.perf_counter()
            dt = t1 - t0
            if self._last_end is not None and t0 - self._last_end < IDLE_GAP:
                dt += t0 - self._last_end
            self._last_end = t1
            rows = t.data.shape[0] - (info.n_batches - 1) * t.batch_size if info.epoch_ended else t.batch_size
            self._count(dt, rows)
            self.steps += 1
            sent = yield Step(info, self.steps, self._speed)
            if info.epoch_ended:
                extra = yield self._epoch_end(info)
                sent = {**(sent or {}), **(extra or {})}

    def _count(self, seconds: float, samples: int) -> None:
        self.busy_seconds += seconds
        self._epoch_seconds += seconds
        self._epoch_samples += samples
        self._speed_seconds += seconds
        self._speed_samples += samples
        self._speed_steps += 1
        first = self._speed == 0.0 and (self._speed_seconds >= 0.02 or self._speed_steps >= 10)
        if self._speed_seconds >= SPEED_WINDOW or first:
            latest = self._speed_samples / max(self._speed_seconds, 1e-9)
            # smoothed: another job or the GUI taking the core for a moment must not make
            # "time left" jump by 2x between two readings
            self._speed = latest if self._speed == 0.0 else 0.7 * self._speed + 0.3 * latest
            self._speed_seconds, self._speed_samples, self._speed_steps = 0.0, 0, 0

    def _epoch_end(self, info: StepInfo) -> EpochEnd:
        t = self.trainer
        seconds, samples = self._epoch_seconds, self._epoch_samples
        self._epoch_seconds, self._epoch_samples = 0.0, 0
        W = t.rbm.W
        return EpochEnd(info.epoch, float(info.learning_rate), seconds, samples / max(seconds, 1e-9),
                        np.array(W[:, self.tracked_units], dtype=np.float32), t.rbm.snapshot(), t.finished)

"""The training worker: steps the engine on a QThread and sends throttled snapshots to the window.

* ``TrainingWorker`` (a QObject moved to a QThread) runs ``Trainer.step()`` in a loop. Pause,
  resume and stop are ``threading.Event``s (a queued "stop" slot would never run while the loop is
  busy); learning-rate and momentum changes are posted under a lock and applied before the next
  mini-batch.
* Frames (a read-only parameter snapshot and progress) go out at most ``max_fps`` times a second
  and only after the window acknowledged the previous one, so a slow screen never accumulates a
  queue of stale frames, whatever the training speed.
* Epoch-end metrics are computed here, in the worker thread, never on the GUI thread.
* ``TrainingController`` lives in the GUI thread: it owns the thread, receives the worker's
  signals (queued) and re-emits them from the GUI thread, and joins the thread on stop.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from rbm_gui.engine.monitor import epoch_metrics
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.training import StepInfo, Trainer, TrainingDiverged


@dataclass
class Frame:
    """What the views draw: a read-only copy of the parameters and the progress after a step."""

    rbm: RBM
    info: StepInfo | None
    steps: int                 # mini-batches done in this run


@dataclass
class EpochResult:
    epoch: int
    values: dict
    W_tracked: np.ndarray      # (n_visible, n_tracked) weights of the history units


class TrainingWorker(QObject):
    frame = Signal(object)            # Frame
    epochEnded = Signal(object)       # EpochResult
    diverged = Signal(str)
    failed = Signal(str)
    pausedChanged = Signal(bool)
    finished = Signal(str)            # reason: "done", "stopped", "steps"

    def __init__(self, trainer: Trainer, history_units: np.ndarray, monitor_train: np.ndarray,
                 monitor_val: np.ndarray | None, *, max_fps: float = 15.0, max_steps: int | None = None,
                 metrics: bool = True, initial_metrics: bool = False):
        super().__init__()
        self.trainer = trainer
        self.history_units = np.asarray(history_units)
        self.monitor_train, self.monitor_val = monitor_train, monitor_val
        self.min_interval = 1.0 / max_fps if max_fps > 0 else 0.0
        self.max_steps = max_steps
        self.metrics = metrics
        self.initial_metrics = initial_metrics
        self.stop_event = threading.Event()
        self.resume_event = threading.Event()   # set = running, clear = paused
        self.resume_event.set()
        self.idle_event = threading.Event()     # set while the loop is not inside a step
        self.idle_event.set()
        self.frame_ack = threading.Event()      # set = the window drew the last frame
        self.frame_ack.set()
        self._lock = threading.Lock()
        self._pending: dict[str, float] = {}
        self.steps = 0
        self.frames_sent = 0

    # ------------------------------------------------------------------ called from the GUI thread
    def request(self, **changes: float) -> None:
        """Post learning_rate / momentum / epochs changes for the next mini-batch (thread-safe)."""
        with self._lock:
            self._pending.update(changes)

    def pause(self) -> None:
        self.resume_event.clear()

    def resume(self) -> None:
        self.resume_event.set()

    def stop(self) -> None:
        self.stop_event.set()
        self.resume_event.set()     # wake a paused loop so it can see the stop

    # ------------------------------------------------------------------ the worker thread
    def _apply_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        t = self.trainer
        if "learning_rate" in pending:
            t.set_learning_rate(pending["learning_rate"])
        if "momentum" in pending:
            t.set_momentum(pending["momentum"])
        if "epochs" in pending:
            t.config = t.config.replace(epochs=int(pending["epochs"]))

    def _send_frame(self, info: StepInfo | None, force: bool = False) -> None:
        self.frame_ack.clear()
        self.frames_sent += 1
        self.frame.emit(Frame(self.trainer.rbm.snapshot(), info, self.steps))

    def _epoch_end(self, epoch: int) -> None:
        t = self.trainer
        values = {}
        if self.metrics:
            values = epoch_metrics(t.rbm, self.monitor_train, self.monitor_val)
        values["learning_rate"] = float(t.learning_rate if not t.finished else t.config.learning_rate)
        values["samples_per_second"] = float(t.samples_per_second)
        W_tracked = np.array(t.rbm.W[:, self.history_units], dtype=np.float32)
        self.epochEnded.emit(EpochResult(epoch, values, W_tracked))

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:    # never let an exception kill the thread silently
            self.failed.emit(f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
            self.finished.emit("failed")

    def _run(self) -> None:
        t = self.trainer
        if self.initial_metrics and self.metrics:
            values = epoch_metrics(t.rbm, self.monitor_train, self.monitor_val)
            values["learning_rate"] = float(t.learning_rate)
            values["samples_per_second"] = math.nan
            self.epochEnded.emit(EpochResult(t.epoch, values, None))
        last_frame = 0.0
        info = None
        reason = "done"
        was_paused = False
        while True:
            if not self.resume_event.is_set():
                if not was_paused:
                    was_paused = True
                    self._send_frame(info, force=True)
                    self.pausedChanged.emit(True)
                self.idle_event.set()
                self.resume_event.wait(0.05)
                continue
            if was_paused:
                was_paused = False
                self.pausedChanged.emit(False)
            if self.stop_event.is_set():
                reason = "stopped"
                break
            self._apply_pending()
            if t.finished:
                reason = "done"
                break
            if self.max_steps is not None and self.steps >= self.max_steps:
                reason = "steps"
                break
            self.idle_event.clear()
            if not self.resume_event.is_set() or self.stop_event.is_set():
                self.idle_event.set()
                continue
            try:
                info = t.step()
            except TrainingDiverged as exc:
                self.resume_event.clear()
                self.idle_event.set()
                self.diverged.emit(str(exc))
                continue
            self.steps += 1
            if info.epoch_ended:
                self._epoch_end(info.epoch)
            now = time.perf_counter()
            if self.frame_ack.is_set() and now - last_frame >= self.min_interval:
                last_frame = now
                self._send_frame(info)
            self.idle_event.set()
        self.idle_event.set()
        self._send_frame(info, force=True)
        self.finished.emit(reason)


class TrainingController(QObject):
    """GUI-thread owner of the worker thread; its signals are emitted in the GUI thread."""

    frame = Signal(object)
    epochEnded = Signal(object)
    diverged = Signal(str)
    failed = Signal(str)
    pausedChanged = Signal(bool)
    finished = Signal(str)
    runningChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.worker: TrainingWorker | None = None
        self.thread: QThread | None = None
        self.paused_state = False

    @property
    def running(self) -> bool:
        return self.thread is not None

    def start(self, worker: TrainingWorker) -> None:
        if self.running:
            raise RuntimeError("training is already running")
        thread = QThread()
        thread.setObjectName("rbm-training")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Receivers are slots of this GUI-thread object, so they run in the GUI thread.
        worker.frame.connect(self._on_frame)
        worker.epochEnded.connect(self._on_epoch)
        worker.diverged.connect(self._on_diverged)
        worker.failed.connect(self._on_failed)
        worker.pausedChanged.connect(self._on_paused)
        worker.finished.connect(self._on_finished)
        self.worker, self.thread = worker, thread
        self.paused_state = False
        thread.start()
        self.runningChanged.emit(True)

    def _current(self) -> bool:
        return self.sender() is self.worker and self.worker is not None

    @Slot(object)
    def _on_frame(self, frame: Frame) -> None:
        if not self._current():
            return
        try:
            self.frame.emit(frame)
        finally:
            if self.worker is not None:
                self.worker.frame_ack.set()

    @Slot(object)
    def _on_epoch(self, result: EpochResult) -> None:
        if self._current():
            self.epochEnded.emit(result)

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        if self._current():
            self.paused_state = True
            self.diverged.emit(message)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._current():
            self.failed.emit(message)

    @Slot(bool)
    def _on_paused(self, paused: bool) -> None:
        if self._current():
            self.pausedChanged.emit(paused)

    @Slot(str)
    def _on_finished(self, reason: str) -> None:
        if self._current():
            self._join()
            self.finished.emit(reason)

    # ------------------------------------------------------------------ control
    def pause(self) -> None:
        if self.worker is not None:
            self.paused_state = True
            self.worker.pause()

    def resume(self) -> None:
        if self.worker is not None:
            self.paused_state = False
            self.worker.resume()

    def request(self, **changes) -> None:
        if self.worker is not None:
            self.worker.request(**changes)

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Stop the worker and join its thread (blocks; a step and metrics take well under that)."""
        if self.worker is None:
            return True
        self.worker.stop()
        ok = self._join(timeout_ms)
        self.finished.emit("stopped")
        return ok

    def _join(self, timeout_ms: int = 30_000) -> bool:
        worker, thread = self.worker, self.thread
        if thread is None:
            return True
        worker.stop()
        thread.quit()          # remembered even if the thread's event loop has not started yet
        ok = thread.wait(timeout_ms)
        self.worker = self.thread = None
        self.paused_state = False
        if ok:
            worker.deleteLater()
            thread.deleteLater()
        self.runningChanged.emit(False)
        return ok

    @contextmanager
    def paused(self, timeout: float = 10.0):
        """Hold the worker between two steps (e.g. to read or save the model), then let it go on."""
        worker = self.worker
        if worker is None:
            yield
            return
        was_running = worker.resume_event.is_set()
        worker.pause()
        worker.idle_event.clear()
        worker.idle_event.wait(timeout)
        try:
            yield
        finally:
            if was_running and self.worker is worker:
                worker.resume()

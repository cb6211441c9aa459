"""The window's training: one job on the runner drives ``TrainingRun``; metrics are a second job.

``TrainingControl`` lives in the GUI thread. It starts ``app.jobs.training_job`` on the runner,
hands each frame to the session (``session.show_frame``: the views redraw from ``session.model``),
records each epoch end, and measures metrics on the epoch snapshots in a separate job, within the
time budget of ``app.metrics_schedule`` — so metrics never hold the training thread. Pause, stop,
+1 epoch, learning rate and momentum reach the run through the session (``TrainingRun.request``)
and the runner (pause/cancel between two mini-batches).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from rbm_gui.app.jobs import Epochs, Frame, metrics_job, training_job
from rbm_gui.app.metrics_schedule import DEFAULT_BUDGET, MetricsSchedule
from rbm_gui.app.session import Session
from rbm_gui.engine.run import Diverged
from rbm_gui.ui.runner import Job, Runner


class TrainingControl(QObject):
    progress = Signal(object)          # Frame (GUI thread): the status bar follows it
    epochRecorded = Signal(int)
    metricsBusyChanged = Signal(bool)
    finished = Signal(str)             # "done", "stopped", "steps", "cancelled", "failed"

    def __init__(self, session: Session, runner: Runner, *, max_fps: float = 15.0,
                 metrics_budget: float | None = DEFAULT_BUDGET, parent: QObject | None = None):
        super().__init__(parent)
        self.session, self.runner = session, runner
        self.max_fps = max_fps
        self.metrics_budget = metrics_budget
        self.job: Job | None = None
        self.metrics: Job | None = None
        self.schedule: MetricsSchedule | None = None
        self._queue: list[tuple] = []         # (snapshot, epoch, kinds, last) waiting for the metrics job
        self.frames = 0                       # frames handed to the session (this window's life)
        self.steps = 0                        # mini-batches of the current/last run
        self._generation = 0                  # bumped when the model is replaced: late metrics are dropped
        self._newest_end = None               # the newest EpochEnd of the run (for its metrics at the end)
        self._offered: dict[int, set] = {}    # epoch -> kinds of metrics started or queued for it
        session.stop_training = self.stop
        session.model_replaced.connect(self._on_model_replaced)

    # ------------------------------------------------------------------ state
    @property
    def running(self) -> bool:
        return self.job is not None

    @property
    def paused(self) -> bool:
        return self.running and self.session.run_state in ("paused", "diverged")

    @property
    def metrics_busy(self) -> bool:
        return self.metrics is not None

    # ------------------------------------------------------------------ intent
    def start(self, max_steps: int | None = None) -> bool:
        """Start (or continue) training; False with the session's message when it cannot."""
        s = self.session
        if self.running:
            self.resume()
            return True
        if s.config_problem:
            s.say(f"Fix the settings first: {s.config_problem}", "error")
            return False
        try:
            run = s.make_run(max_steps)
        except (ValueError, OSError) as exc:
            s.say(str(exc), "error")
            return False
        s.say("")
        if self.schedule is None or self.schedule.n_hidden != s.rbm.n_hidden:
            self.schedule = MetricsSchedule(s.rbm.n_hidden, s.rbm.n_visible, self.metrics_budget or 0.0)
        self.steps = 0
        if not s.history:       # the starting point of the curves (epoch 0)
            s.record_metrics(s.epochs_done, {"learning_rate": float(run.trainer.learning_rate)})
            self._offer_metrics(s.rbm.snapshot(), s.epochs_done, last=False)
        self.job = self.runner.start("training", lambda c: training_job(run, c, self.max_fps, self.metrics_budget is None),
                                     on_yield=self._on_yield, on_finish=self._on_finish)
        s.run_state = "running"
        return True

    def pause(self) -> None:
        if self.running and self.session.run_state == "running":
            self.job.pause()
            self.session.run_state = "paused"

    def resume(self) -> None:
        if self.running and self.paused:
            self.session.say("")
            self.session.run_state = "running"
            self.job.resume()

    def toggle_pause(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop training and join its thread (a mini-batch at most); the model is kept."""
        job = self.job
        if job is None:
            return True
        self.session.run_state = "stopping"
        job.cancel()
        ok = job.join(timeout)
        # deliver the job's queued values and its end now, in order
        from PySide6.QtCore import QCoreApplication
        QCoreApplication.sendPostedEvents()
        if self.job is job:           # its finish did not arrive: end it here
            self._on_finish("cancelled")
        return ok

    def stop_metrics(self, timeout: float = 10.0) -> None:
        self._queue = []
        job = self.metrics
        if job is not None:
            job.cancel()
            job.join(timeout)
            from PySide6.QtCore import QCoreApplication
            QCoreApplication.sendPostedEvents()
            if self.metrics is job:
                self._metrics_done("cancelled")

    def hold(self):
        """Context: the trainer is between two mini-batches while the block runs (save, autosave)."""
        from contextlib import nullcontext
        return self.job.hold() if self.job is not None else nullcontext()

    # ------------------------------------------------------------------ the job's values
    def _on_yield(self, item) -> None:
        s = self.session
        if isinstance(item, Frame):
            self.steps = item.steps
            self.frames += 1
            s.show_frame(item.rbm)
            if item.info is not None:
                s.lr_in_use = float(item.info.learning_rate)
            self.progress.emit(item)
        elif isinstance(item, Epochs):
            s.record_epochs(item.ends)
            newest = item.ends[-1]
            if self.schedule is not None:
                for end in item.ends:
                    self.schedule.epoch_trained(end.seconds)
            for end in (item.ends if self.metrics_budget is None else (newest,)):
                self._offer_metrics(end.snapshot, end.epoch, end.last)
            self._newest_end = newest
            self.epochRecorded.emit(newest.epoch)
        elif isinstance(item, Diverged):
            s.run_state = "diverged"
            s.say("Training diverged and is paused; the last good parameters are kept. Lower the "
                  "learning rate and press Train (or Pause) to go on.\n" + item.message, "error")

    def _on_finish(self, reason: str) -> None:
        s = self.session
        job, self.job = self.job, None
        if job is None:
            return
        if s.run is not None and s.run.max_steps is not None and s.run.steps >= s.run.max_steps:
            reason = "steps"
        s.run = None
        s.run_state = "stopped"
        self._measure_newest_end()
        if s.rbm is not None:          # the thread is joined: the parameters can be read directly
            s.show_frame(s.rbm.snapshot())
        if reason == "done":
            s.say(f"Training finished: {s.epochs_done} epochs.")
        self.finished.emit(reason)

    # ------------------------------------------------------------------ metrics
    def _on_model_replaced(self, _model) -> None:
        self._generation += 1
        self._queue = []
        self._offered = {}
        self._newest_end = None
        if self.metrics is not None:      # its result would be dropped: do not spend a core on it
            self.metrics.cancel()
        self.schedule = None
    def _offer_metrics(self, snapshot, epoch: int, last: bool) -> None:
        sch = self.schedule
        if sch is None:
            return
        if self.metrics_budget is None:
            kinds = sch.kinds
        else:
            kinds = sch.plan(epoch, last=last, busy=self.metrics_busy)
        if not kinds:
            return
        if self.metrics_busy:
            if self.metrics_budget is not None:     # within a budget only the newest (and final) wait
                self._queue = [q for q in self._queue if q[3]]
            self._queue.append((snapshot, epoch, kinds, last))
            self._offered.setdefault(epoch, set()).update(kinds)
            return
        self._start_metrics(snapshot, epoch, kinds)

    def _measure_newest_end(self) -> None:
        """A run that ends (done, stopped, diverged) gets the metrics of its last completed epoch."""
        end, self._newest_end = self._newest_end, None
        sch = self.schedule
        if end is None or end.snapshot is None or sch is None or end.last:
            return                     # nothing new, or already offered as the final epoch
        if set(sch.kinds) <= self._offered.get(end.epoch, set()):
            return                     # every kind already measured or on its way (a partial plan is not)
        self._offer_metrics(end.snapshot, end.epoch, last=True)

    def _start_metrics(self, snapshot, epoch: int, kinds) -> None:
        d = self.session.data
        if d is None:
            return
        self._metrics_t0 = time.perf_counter()
        self._offered.setdefault(epoch, set()).update(kinds)
        generation = self._generation
        self.metrics = self.runner.start(
            "metrics", lambda c: metrics_job(snapshot, epoch, kinds, d.monitor_train, d.monitor_val, c,
                                             d.monitor_val_labels),
            on_return=lambda result: generation == self._generation and self._on_metrics(result),
            on_finish=self._metrics_done)
        self.metricsBusyChanged.emit(True)

    def _on_metrics(self, result) -> None:
        epoch, values, costs = result
        if self.schedule is not None:
            self.schedule.measured(epoch, costs)
        self.session.record_metrics(epoch, values)

    def _metrics_done(self, _reason: str) -> None:
        self.metrics = None
        if self._queue:
            snapshot, epoch, kinds, _last = self._queue.pop(0)
            self._start_metrics(snapshot, epoch, kinds)
        else:
            self.metricsBusyChanged.emit(False)

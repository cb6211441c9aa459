"""Training ▸ Estimate log-likelihood: an AIS bracket of the model's held-out score, with progress and Cancel.

The job (``app/likelihood_job.py``) runs through the window's runner on a snapshot of the model;
a window-modal progress dialog shows the temperatures done and its Cancel stops the annealing
within a few steps. The bracket lands in the session's history at the model's epoch (columns
``ais_forward`` / ``ais_reverse``), so the metrics view draws it as an error bar on the
log-likelihood plot and it is saved with the model. Not offered while training runs: the
bracket belongs to one epoch's weights.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QProgressDialog

from rbm_gui.app import likelihood_job as lj
from rbm_gui.engine import ais
from rbm_gui.ui.dialogs.progress import close_progress, job_progress


class LikelihoodActions(QObject):
    finished = Signal(str)       # "done" | "cancelled" | "failed"

    def __init__(self, window, menu):
        super().__init__(window)
        self.window = window
        self.job = None
        self.dialog: QProgressDialog | None = None
        self.last: lj.Bracket | None = None
        self.progress: list[tuple[int, int]] = []
        # the CLI's defaults; tests make them small
        self.n_runs, self.n_reverse, self.n_betas = ais.DEFAULT_RUNS, ais.DEFAULT_RUNS, ais.DEFAULT_BETAS
        self.act = QAction("Estimate log-likelihood...", window)
        self.act.setStatusTip("Bracket the held-out log-likelihood by forward (optimistic) and reverse "
                              "(pessimistic) annealed importance sampling; about a minute at 400 units.")
        self.act.triggered.connect(lambda checked=False: self.estimate())
        menu.addSeparator()
        menu.addAction(self.act)
        s = window.session
        s.connect("run_state", lambda _state: self.update())
        s.model_replaced.connect(lambda *_: self.cancel())      # a bracket of a discarded model is no use
        self.update()

    @property
    def busy(self) -> bool:
        return self.job is not None

    def update(self) -> None:
        w = self.window
        self.act.setEnabled(not self.busy and not w.running and w.session.rbm is not None)

    def estimate(self) -> bool:
        """Start the job on the current model; False (with a message) when there is nothing to do."""
        w, s = self.window, self.window.session
        if self.busy or w.running or s.rbm is None or s.data is None:
            return False
        try:
            held = lj.held_out_digits(s.data)
        except ValueError as exc:
            w.show_message(str(exc), error=True)
            return False
        snapshot, epoch = s.rbm.snapshot(), s.epochs_done
        self.progress, self.last = [], None
        total = self.n_betas - 1
        self.dialog = job_progress(w, "Estimate log-likelihood",
                                   f"Annealing {self.n_runs} forward and {min(self.n_reverse, len(held))} "
                                   f"reverse chains ({self.n_betas:,} temperatures)...", total, self.cancel)
        train, n_runs, n_reverse, n_betas = s.data.train, self.n_runs, self.n_reverse, self.n_betas
        self.job = w.runner.start(
            "log-likelihood",
            lambda control: lj.likelihood_job(snapshot, epoch, train, held, control, n_runs, n_reverse, n_betas),
            on_yield=lambda p: self._on_progress(*p), on_return=self._on_result, on_finish=self._on_finish)
        self.update()
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            if self.dialog is not None:
                self.dialog.setLabelText("Cancelling...")

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.append((done, total))
        if self.dialog is not None and self.job is not None and not self.job.control.cancelled:
            self.dialog.setValue(done)

    def _on_result(self, bracket) -> None:
        if bracket is None:           # the annealing saw the cancel
            return
        self.last = bracket
        s = self.window.session
        if s.rbm is not None:
            s.record_metrics(bracket.epoch, bracket.history_values())
        self.window.show_message(bracket.describe())

    def _on_finish(self, reason: str) -> None:
        cancelled = reason == "cancelled" or (reason == "done" and self.last is None and self.job is not None
                                              and self.job.control.cancelled)
        close_progress(self.dialog, self.cancel)
        self.dialog = None
        self.job = None
        self.update()
        if cancelled:
            self.window.show_status("Log-likelihood estimate cancelled.", 8000)
        self.finished.emit("cancelled" if cancelled else reason)

    def shutdown(self) -> None:
        job = self.job
        if job is not None:
            self.cancel()
            job.join(30.0)

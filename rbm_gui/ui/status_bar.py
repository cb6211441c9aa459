"""The status bar: a message (elided, never over the labels), the run state, epoch, batch bar, speed.

It follows the session (run state, epochs done, settings) and the training control's frames and
metrics job; it never reads other widgets. Speed and time left come from the run's step time, so
pauses and idle time never count.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar

from rbm_gui.app.progress import format_duration, time_left

STATE_TEXT = {"paused": "Paused", "diverged": "Paused (diverged)", "stopping": "Stopping..."}


class ElidedLabel(QLabel):
    """A one-line label that elides its text to its width (full text in the tooltip)."""

    def __init__(self):
        super().__init__()
        self.full_text = ""
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.setMinimumWidth(40)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text if text else "")
        self._elide()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(QFontMetrics(self.font()).elidedText(self.full_text, Qt.ElideRight, max(0, self.width() - 4)))


class StatusBar:
    def __init__(self, bar: QStatusBar, session, training):
        self.bar, self.session, self.training = bar, session, training
        self.message = ElidedLabel()
        self.state_label = QLabel("")
        self.state_label.setStyleSheet("font-weight: bold;")
        self.epoch_label = QLabel("epoch -/-")
        self.epoch_label.setMinimumWidth(150)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setMinimumWidth(140)      # "batch 1200/1200" stays readable
        self.progress.setTextVisible(True)
        self.progress.setFormat("batch %v/%m")
        self.progress.setToolTip("Mini-batches done in the current epoch.")
        self.speed_label = QLabel("")
        self.speed_label.setToolTip("Training speed in digits per second (time spent training only).")
        self.eta_label = QLabel("")
        self.eta_label.setToolTip("Time left at the current speed.")
        bar.addWidget(self.message, 1)
        for w in (self.state_label, self.epoch_label, self.progress, self.speed_label, self.eta_label):
            bar.addPermanentWidget(w)
        self._timer = QTimer(bar)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.message.set_full_text(""))
        for name in ("run_state", "epochs_done", "config", "model"):
            session.connect(name, lambda _v: self.refresh())
        training.progress.connect(self.on_frame)
        training.metricsBusyChanged.connect(lambda _b: self.refresh())
        self.refresh()

    def show(self, text: str, timeout_ms: int = 10_000) -> None:
        self.message.set_full_text(text.split("\n")[0])
        if timeout_ms:
            self._timer.start(timeout_ms)

    def refresh(self) -> None:
        s = self.session
        running = self.training.running
        words = [STATE_TEXT.get(s.run_state, "")]
        if self.training.metrics_busy:
            words.append("computing metrics")
        self.state_label.setText(", ".join(w for w in words if w))
        if not running:
            self.epoch_label.setText(f"epochs done {s.epochs_done}/{s.config.epochs}")
            self.progress.setVisible(False)     # no batch position outside a run
            self.speed_label.setText("")
            self.eta_label.setText("")

    def on_frame(self, frame) -> None:
        s = self.session
        info = frame.info
        if info is None:
            return
        total = s.config.epochs
        epoch, batch, n_batches = info.epoch, info.batch, info.n_batches
        self.epoch_label.setText(f"epoch {min(epoch + (1 if batch else 0), max(total, epoch))}/{total}")
        self.progress.setVisible(True)
        self.progress.setMaximum(max(1, n_batches))
        self.progress.setValue(batch)
        rate = frame.samples_per_second
        if rate > 0:
            bs = s.trainer.batch_size if s.trainer is not None else s.config.batch_size
            left = max(0, (total - epoch) * n_batches - batch) * bs
            self.speed_label.setText(f"{rate:,.0f} digits/s")
            self.eta_label.setText(f"{format_duration(time_left(rate, left))} left")

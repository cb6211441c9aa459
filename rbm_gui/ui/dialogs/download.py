"""The download dialog: asks (showing the size), then downloads full MNIST with progress and Cancel.

The download is ``app.jobs.download_job`` on the window's runner: progress arrives in the GUI
thread at most 20 times a second; ``download_mnist`` checks every file's md5 and never leaves a
partial file. On success the window switches to the full set (asking first when a trained model
would be replaced); on any failure the data set in use stays.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QStackedWidget, QVBoxLayout, QWidget)

#: Sizes in bytes of the four original MNIST gz files (as published; the md5s are in MNIST_FILES).
KNOWN_SIZES = {
    "train-images-idx3-ubyte.gz": 9_912_422,
    "train-labels-idx1-ubyte.gz": 28_881,
    "t10k-images-idx3-ubyte.gz": 1_648_877,
    "t10k-labels-idx1-ubyte.gz": 4_542,
}
#: QSettings key set once the first-launch download offer was shown.
FIRST_RUN_KEY = "firstRun/downloadOffered"
#: Environment variable that suppresses the first-launch offer (tests, kiosks, scripted runs).
NO_FIRST_RUN_ENV = "RBM_GUI_NO_FIRST_RUN"
FULL_NAME = "MNIST full train set (downloaded)"


def human_bytes(n: float | None) -> str:
    if n is None:
        return "unknown size"
    for unit, step in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= step:
            return f"{n / step:.1f} {unit}"
    return f"{int(n)} bytes"


def plain_reason(message: str) -> str:
    """A plain sentence for a DownloadError message (the technical message goes to the details)."""
    m = message.lower()
    if "disk full" in m or "no space" in m:
        return "The disk is full: free some space and try again."
    if "md5 mismatch" in m or "truncated" in m:
        return ("The downloaded files were damaged on the way (checksum mismatch); nothing was kept. "
                "Try again later.")
    if "cannot save" in m or "cannot create" in m:
        return "The files cannot be saved on this computer (see the details)."
    if any(k in m for k in ("refused", "timed out", "name or service", "unreachable", "temporary failure",
                            "no address", "network", "nodename")):
        return "No connection to the download servers: check the network connection and try again."
    if "http" in m:
        return "The download servers did not deliver the files. Try again later."
    return "The download failed."


class DownloadDialog(QDialog):
    """Asks (showing the size), then downloads with a progress bar, bytes, speed and Cancel.

    ``done(status, message)`` is emitted in the GUI thread when the download ended; status is
    "ok", "failed" or "cancelled". ``start()`` begins at once (tests, the first-run offer).
    """

    done = Signal(str, str)

    def __init__(self, window, dest=None, mirrors=None, files=None, timeout: float = 30):
        super().__init__(window)
        from rbm_gui.data import MNIST_FILES, cache_dir
        self.window = window
        self.setWindowTitle("Download full MNIST")
        self.setMinimumWidth(480)
        self.dest = Path(dest) if dest is not None else cache_dir()
        self.mirrors, self.timeout = mirrors, timeout
        self.files = dict(files if files is not None else MNIST_FILES)
        self.status = ""
        self.message = ""
        self._job = None                 # the download (a job on the window's runner)
        self._done_bytes: dict[str, int] = {}
        # published sizes apply only to the published files (same md5); others learn theirs on the way
        self._totals: dict[str, int | None] = {n: KNOWN_SIZES.get(n) if MNIST_FILES.get(n) == md5 else None
                                               for n, md5 in self.files.items()}
        self._samples: list[tuple[float, int]] = []

        self.pages = QStackedWidget()
        # -- page 0: the question
        ask = QWidget()
        al = QVBoxLayout(ask)
        self.size_label = QLabel(self._size_text())
        self.size_label.setWordWrap(True)
        self.size_label.setTextFormat(Qt.RichText)
        al.addWidget(self.size_label)
        al.addStretch(1)
        self.ask_buttons = QDialogButtonBox()
        self.download_button = self.ask_buttons.addButton("Download", QDialogButtonBox.AcceptRole)
        self.ask_buttons.addButton(QDialogButtonBox.Cancel)
        self.download_button.clicked.connect(self.start)
        self.ask_buttons.rejected.connect(self.reject)
        al.addWidget(self.ask_buttons)
        # -- page 1: progress
        prog = QWidget()
        pl = QVBoxLayout(prog)
        self.file_label = QLabel("Connecting...")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bytes_label = QLabel("")
        self.speed_label = QLabel("")
        row = QHBoxLayout()
        row.addWidget(self.bytes_label, 1)
        row.addWidget(self.speed_label)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.result_label.setMinimumHeight(90)
        self.result_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.result_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        brow = QHBoxLayout()
        brow.addStretch(1)
        brow.addWidget(self.cancel_button)
        for w in (self.file_label, self.bar):
            pl.addWidget(w)
        pl.addLayout(row)
        pl.addWidget(self.result_label)
        pl.addStretch(1)
        pl.addLayout(brow)
        self.pages.addWidget(ask)
        self.pages.addWidget(prog)
        lay = QVBoxLayout(self)
        lay.addWidget(self.pages)

    # ------------------------------------------------------------------ size
    def _present(self) -> dict[str, int]:
        out = {}
        for name in self.files:
            p = self.dest / name
            if p.is_file():
                out[name] = p.stat().st_size
        return out

    def total_bytes(self) -> int | None:
        sizes = [self._totals.get(n) for n in self.files]
        return None if any(s is None for s in sizes) else sum(sizes)

    def _size_text(self) -> str:
        total = self.total_bytes()
        present = self._present()
        parts = [f"<p>The full MNIST set: 60,000 training and 10,000 test digits in {len(self.files)} "
                 f"gzip files, <b>{human_bytes(total) if total is not None else 'size unknown'}</b> "
                 f"(about 55 MB once unpacked in memory).</p>"]
        if present and total is not None:
            left = sum(self._totals[n] for n in self.files if n not in present)
            parts.append(f"<p>{len(present)} of the files are already here; at most {human_bytes(left)} "
                         "is left to download.</p>")
        parts.append(f"<p>Files are checked against their published MD5 checksums and kept in<br>"
                     f"<tt>{self.dest}</tt>.</p><p>Source: Yann LeCun, Corinna Cortes and Christopher J. C. "
                     "Burges, <i>The MNIST database of handwritten digits</i> (CC BY-SA 3.0), from public "
                     "mirrors.</p>")
        return "".join(parts)

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self) -> None:
        if self.running:
            return
        self.pages.setCurrentIndex(1)
        self.bar.show()
        self.status = self.message = ""
        self.result_label.setText("")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setEnabled(True)
        self._done_bytes.clear()
        self._samples = [(time.monotonic(), 0)]
        from rbm_gui.app.jobs import download_job
        dest, mirrors, files, timeout = self.dest, self.mirrors, self.files, self.timeout
        self._job = self.window.runner.start(
            "download", lambda c: download_job(c, dest, mirrors, files, timeout),
            on_yield=lambda p: self._on_progress(*p), on_return=lambda r: self._on_finished(*r),
            on_finish=self._on_job_end)

    def _on_job_end(self, reason: str) -> None:
        self._job = None
        if reason == "failed":           # an unexpected error (the runner said it in one line)
            self._on_finished("failed", "the download stopped unexpectedly")
        elif reason == "cancelled":      # cancelled before it started (window closing)
            self.status = "cancelled"

    def cancel(self) -> None:
        if self.running:
            self._job.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Cancelling...")
        else:
            self.reject()

    def stop_and_join(self) -> None:
        """Cancel and join the download (window shutdown)."""
        job = self._job
        if job is not None:
            job.cancel()
            job.join(60.0)
            self._job = None

    def _on_progress(self, name: str, done: int, total) -> None:
        if total is not None:
            self._totals[name] = int(total)
        self._done_bytes[name] = int(done)
        all_done = sum(self._done_bytes.values())
        total_all = self.total_bytes()
        now = time.monotonic()
        self._samples.append((now, all_done))
        while len(self._samples) > 2 and now - self._samples[0][0] > 3.0:
            self._samples.pop(0)
        t0, d0 = self._samples[0]
        speed = (all_done - d0) / (now - t0) if now - t0 > 0.2 else None
        index = list(self.files).index(name) + 1 if name in self.files else 0
        self.file_label.setText(f"File {index} of {len(self.files)}: {name}")
        if total_all:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(all_done, total_all) / total_all))
            self.bytes_label.setText(f"{human_bytes(all_done)} of {human_bytes(total_all)}")
        elif total:                      # sizes of the other files unknown: show this file's progress
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(done, total) / total))
            self.bytes_label.setText(f"{human_bytes(done)} of {human_bytes(total)} "
                                     f"({human_bytes(all_done)} in all)")
        else:
            self.bar.setRange(0, 0)      # busy indicator
            self.bytes_label.setText(human_bytes(all_done))
        if speed is not None and speed > 0:
            text = f"{human_bytes(speed)}/s"
            if total_all:
                text += f", {max(0, total_all - all_done) / speed:.0f} s left"
            self.speed_label.setText(text)

    def _on_finished(self, status: str, message: str) -> None:
        self._job = None
        self.status, self.message = status, message
        w = self.window
        if status == "ok":
            self.bar.setRange(0, 1000)
            self.bar.setValue(1000)
            switched = w.data_menu.select_source("mnist", FULL_NAME)
            if switched:
                w.show_message("Full MNIST downloaded and in use (60,000 training digits).")
            else:
                w.show_message("Full MNIST downloaded; choose it in the Data set list to train on it.")
            self.accept()
        elif status == "cancelled":
            w.show_message("Download cancelled; the data set in use did not change.")
            self.reject()
        else:
            plain = plain_reason(message)
            self.file_label.setText("The download failed.")
            self.bar.hide()
            self.bytes_label.setText("")
            self.speed_label.setText("")
            self.result_label.setText(f"<b>{plain}</b><br>The data set in use did not change."
                                      f"<br><small>Details: {_escape(message)}</small>")
            self.cancel_button.setEnabled(True)
            self.cancel_button.setText("Close")
            w.show_message(f"Could not download full MNIST. {plain} The data set in use did not change.",
                           error=True)
        self.done.emit(status, message)

    def reject(self) -> None:
        if self.running:
            self.stop_and_join()
        super().reject()

    def closeEvent(self, event) -> None:
        self.stop_and_join()
        super().closeEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

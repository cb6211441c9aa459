"""The Data menu: download full MNIST (size, progress, Cancel), the data sets list, the first-run offer.

``DataMenu(window)`` adds the menu (the window keeps it as ``window.data_menu``). The
download runs ``rbm_gui.data.download_mnist`` as a job on the window's runner
(``app.jobs.download_job``); the dialog lives in the GUI thread and receives throttled progress. ``download_mnist`` checks every
file's md5 and never leaves a partial file. On success the window switches to the full set (asking
first when a trained model would be replaced); on any failure the data set in use stays.

Tests point ``window.data_menu.mirrors`` / ``.files`` / ``.dest`` at a local server.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QProgressBar, QPushButton, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)


__all__ = ["KNOWN_SIZES", "DataMenu", "DataSetsDialog", "DownloadDialog",
           "FIRST_RUN_KEY", "offer_first_run_download", "plain_reason"]

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


def _full_mnist_present() -> bool:
    from rbm_gui.data import known_sources
    try:
        return any(s.spec == "mnist" for s in known_sources())
    except Exception:
        return False


# ====================================================================== the download dialog
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
            switched = select_source(w, "mnist", FULL_NAME)
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


def select_source(window, spec: str, name: str) -> bool:
    """Make ``spec`` the window's data set (the session asks before replacing a trained model)."""
    window.panel.add_source(spec, name)
    s = window.session
    if s.data_options.source != spec:
        s.change_setting("data.source", spec, window.approve_replace)
    return s.data_options.source == spec and s.data is not None


def _remove_source(window, spec: str) -> None:
    window.panel.remove_source(spec)


# ====================================================================== the data sets dialog
class DataSetsDialog(QDialog):
    """Bundled and downloaded data sets with their size and origin; Clear cache."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Data sets")
        self.resize(820, 300)
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Data set", "Split", "Digits", "Size", "Origin"])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().hide()
        h = self.table.horizontalHeader()
        for col in range(4):
            h.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        h.setSectionResizeMode(4, QHeaderView.Stretch)
        lay.addWidget(self.table, 1)
        self.cache_label = QLabel()
        self.cache_label.setWordWrap(True)
        self.cache_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.cache_label)
        buttons = QHBoxLayout()
        self.download_button = QPushButton("Download full MNIST...")
        self.download_button.clicked.connect(lambda: window.data_menu.download())
        self.clear_button = QPushButton("Clear cache")
        self.clear_button.setToolTip("Delete the downloaded MNIST files (the bundled sample stays).")
        self.clear_button.clicked.connect(self.clear_cache)
        self.use_button = QPushButton("Use this set")
        self.use_button.setToolTip("Train on the selected data set (asks before a trained model is replaced).")
        self.use_button.clicked.connect(lambda: self.use_row(self.table.currentRow()))
        self.table.cellDoubleClicked.connect(lambda row, _col: self.use_row(row))
        self.table.currentCellChanged.connect(lambda *_: self._update_use_button())
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        window.session.connect("data_options", lambda _o: self.isVisible() and self.refresh())
        self.refresh()

    def _update_use_button(self) -> None:
        row = self.table.currentRow()
        ok = 0 <= row < len(self.sources) and self.sources[row].split == "train"
        self.use_button.setEnabled(ok and self.sources[row].spec != self.window.session.data_options.source)

    def use_row(self, row: int) -> bool:
        """Switch the window to the training set of ``row``; False when refused or not a training set."""
        if not 0 <= row < len(self.sources) or self.sources[row].split != "train":
            return False
        src = self.sources[row]
        ok = select_source(self.window, src.spec, src.name)
        self.refresh()
        return ok

    def refresh(self) -> None:
        from rbm_gui.data import cache_dir, known_sources
        try:
            sources = known_sources()
        except Exception as exc:
            sources = []
            self.cache_label.setText(f"Cannot list the data sets: {exc}")
        current = self.window.session.data_options.source
        if current not in {s.spec for s in sources}:        # an IDX file of your own: list it too
            from types import SimpleNamespace
            d = self.window.session.data
            sources = [*sources, SimpleNamespace(name=d.name if d is not None else current, spec=current,
                                                 split="train", n_images=len(d.train) if d is not None else 0,
                                                 size_bytes=None, origin=current)]
        self.sources = sources
        self.table.setRowCount(len(sources))
        for row, s in enumerate(sources):
            name = s.name + ("  (in use)" if s.spec == current and s.split == "train" else "")
            for col, text in enumerate((name, s.split, f"{s.n_images:,}", human_bytes(s.size_bytes), s.origin)):
                item = QTableWidgetItem(text)
                if col in (2, 3):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
        downloaded = [s for s in sources if s.spec == "mnist"]
        try:
            leftovers = cache_dir().is_dir() and any(cache_dir().iterdir())
        except OSError:
            leftovers = False
        self.clear_button.setEnabled(bool(downloaded) or leftovers)
        size = sum(s.size_bytes for s in downloaded)
        self._update_use_button()
        self.cache_label.setText(f"Download cache: {cache_dir()}"
                                 + (f" ({human_bytes(size)})" if downloaded else " (empty)"))

    def clear_cache(self) -> bool:
        w = self.window
        if not w.confirm("Clear the download cache?",
                         "Delete the downloaded MNIST files? The bundled sample stays; "
                         "full MNIST can be downloaded again."):
            return False
        if w.session.data_options.source == "mnist":
            if not select_source(w, "mnist-sample", "MNIST sample (bundled, 5,000 training digits)"):
                w.show_message("The cache was kept: the full set is still in use.", error=True)
                return False
        from rbm_gui.data import clear_cache
        try:
            removed = clear_cache()
        except OSError as exc:
            w.show_message(f"Could not clear the cache: {exc}", error=True)
            self.refresh()
            return False
        _remove_source(w, "mnist")
        w.show_message(f"Cleared the download cache ({len(removed)} files).")
        self.refresh()
        return True


# ====================================================================== the menu
class DataMenu(QObject):
    """The Data menu's actions; ``mirrors``/``files``/``dest``/``timeout`` configure downloads."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.mirrors = None
        self.files = None
        self.dest = None
        self.timeout = 30.0
        self.dialog: DownloadDialog | None = None
        self.sets_dialog: DataSetsDialog | None = None
        self.act_download = QAction("Download full MNIST...", window)
        self.act_download.setStatusTip("Download the 60,000-digit MNIST set (about 11.6 MB) with a progress bar.")
        self.act_download.triggered.connect(lambda checked=False: self.download())
        self.act_sets = QAction("Data sets...", window)
        self.act_sets.setStatusTip("The bundled and downloaded data sets, their size and origin; clear the cache.")
        self.act_sets.triggered.connect(lambda checked=False: self.show_data_sets())
        self.act_open = QAction("Open IDX file...", window)
        self.act_open.setStatusTip("Train on digits from an IDX images file.")
        self.act_open.triggered.connect(lambda checked=False: window.open_data_file())
        menu = window.menuBar().addMenu("&Data")
        for a in (self.act_download, self.act_sets, self.act_open):
            menu.addAction(a)
        self.menu = menu

    def download(self, start: bool = False) -> DownloadDialog:
        """Open the download dialog (not blocking); ``start=True`` skips the question."""
        if self.dialog is not None and self.dialog.running:
            self.dialog.raise_()
            return self.dialog
        self.dialog = DownloadDialog(self.window, self.dest, self.mirrors, self.files, self.timeout)
        self.dialog.setWindowModality(Qt.WindowModal)
        self.dialog.done.connect(self._after_download)
        self.dialog.show()
        if start:
            self.dialog.start()
        return self.dialog

    @Slot(str, str)
    def _after_download(self, status: str, _message: str) -> None:
        if self.sets_dialog is not None and self.sets_dialog.isVisible():
            self.sets_dialog.refresh()

    def show_data_sets(self) -> DataSetsDialog:
        if self.sets_dialog is None:
            self.sets_dialog = DataSetsDialog(self.window)
        self.sets_dialog.refresh()
        self.sets_dialog.show()
        self.sets_dialog.raise_()
        return self.sets_dialog

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.stop_and_join()


def offer_first_run_download(window) -> bool:
    """Once per user (QSettings flag): offer to download full MNIST; True if the download started.

    Skipped when ``$RBM_GUI_NO_FIRST_RUN`` is set or full MNIST is already there. The question
    goes through ``window.confirm``.
    """
    if os.environ.get(NO_FIRST_RUN_ENV):
        return False
    s = window.settings
    if str(s.value(FIRST_RUN_KEY, "false")) == "true":
        return False
    s.setValue(FIRST_RUN_KEY, "true")
    s.sync()
    if _full_mnist_present():
        return False
    if not window.confirm("Welcome to rbm-gui",
                          "rbm-gui comes with a 5,000-digit sample of MNIST, enough to watch an RBM learn.\n\n"
                          "Download the full set (60,000 digits, about 11.6 MB) now? You can do it later "
                          "from Data > Download full MNIST..."):
        return False
    window.data_menu.download(start=True)
    return True

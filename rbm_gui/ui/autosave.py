"""Autosave for the window: a checkpoint after every epoch, and the restore offer at launch.

``Autosave(window)`` (the window makes one) follows the window's ``epochRecorded`` signal. After each epoch end
the model is taken from the worker's next read-only snapshot (``frameShown``; the worker is never
paused for it), its history is copied on the GUI thread (well under a millisecond: a list of
references), and a job on the window's runner builds the model file and writes it through
:class:`rbm_gui.io.checkpoint.CheckpointStore` (atomic ``.npz`` in the per-user data directory,
``$RBM_GUI_DATA_DIR/autosave`` when set). Writing takes 10-130 ms at 400 units depending on the
length of the weight history, so it never runs on the GUI thread. When epochs end faster than
checkpoints are written, the newest state is written once the previous write is done.

The session marker is written with the first checkpoint (a window that never trains writes
nothing). ``window.shutdown()`` (closing the window, the end of ``run_app``) ends the session:
its files are removed, nothing is offered next time. A crash or a kill leaves them, and the next
launch calls :func:`offer_restore`, which asks through ``window.ask_restore(text) -> bool``
(tests replace it on the instance) and shows the restored model like an opened one. A damaged
checkpoint of a crashed session is never offered: the store removes it, and the window says so
once (:func:`report_damaged`).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox

from rbm_gui.io.checkpoint import CheckpointError, CheckpointStore

__all__ = ["Autosave", "ask_restore", "offer_restore", "report_damaged"]


class Autosave(QObject):
    """Writes ``window.session`` as this process's checkpoint after every epoch (off the GUI thread)."""

    saved = Signal(str)       # path of the checkpoint just written (GUI thread)
    failed = Signal(str)      # one-line reason (GUI thread)

    def __init__(self, window, store: CheckpointStore | None = None):
        super().__init__(window)
        self.window = window
        self.store = store if store is not None else CheckpointStore()
        self.enabled = True
        self.saves = 0
        self.last_error = ""
        self.last_copy_seconds = 0.0      # time the GUI thread spent copying the model (last save)
        self._job = None                  # the write in progress (a runner job)
        self._want = False                # an epoch ended since the last write started
        self._closed = False
        self._damaged_said = 0            # lines of store.unreadable already shown
        window.epochRecorded.connect(self._on_epoch)
        window.frameShown.connect(self._on_frame)
        window.modelChanged.connect(self._on_model_changed)

    # ------------------------------------------------------------------ GUI thread
    @property
    def busy(self) -> bool:
        return self._job is not None

    @Slot(int)
    def _on_epoch(self, _epoch: int) -> None:
        self._want = True
        self._maybe_save(None)

    @Slot(object)
    def _on_frame(self, rbm) -> None:
        if self._want:
            self._maybe_save(rbm)

    @Slot(object)
    def _on_model_changed(self, _rbm) -> None:
        """A model was opened, reset or restored: keep a checkpoint only of unsaved training."""
        if self._closed:
            return
        if self.window.session.has_model and self.window.session.dirty:
            self.request_save()
        elif self.store.session is not None:
            self.wait()
            self._want = False
            self.store.end_session()      # nothing unsaved any more; the next save starts a new session

    def request_save(self) -> None:
        """Write a checkpoint of the current session as soon as a consistent copy can be taken."""
        self._want = True
        self._maybe_save(None)

    def _maybe_save(self, rbm) -> None:
        """Start a write from ``rbm`` (a frame's read-only snapshot) or, when no worker runs, the model.

        While the worker trains, its parameters change under our feet: the copy is taken from the
        next frame it sends (at most 1/15 s after the epoch end; a stop or pause always sends one),
        so the worker is never paused for an autosave.
        """
        if not self.enabled or self._closed:
            self._want = False
            return
        if self.busy:
            return                                    # written once the current write is done
        s = self.window.session
        if s.rbm is None:
            self._want = False
            return
        if rbm is None:
            if self.window.running:
                return                                # wait for the next frame
            rbm = s.rbm.snapshot()
        self._want = False
        t0 = time.perf_counter()
        build = s.freeze(rbm)          # a copy the writer may read while training goes on
        self.last_copy_seconds = time.perf_counter() - t0
        store = self.store
        self._job = self.window.runner.start("autosave", lambda control: _write_job(store, build),
                                             on_return=self._on_written, on_finish=self._on_finish)

    def _on_finish(self, _reason: str) -> None:
        self._job = None
        if self._want and not self._closed:
            self._maybe_save(None)

    def _on_written(self, result) -> None:
        path, error = result
        if error:
            if error != self.last_error:      # say it once, not after every epoch
                self.window.show_message(error, error=True)
            self.last_error = error
            self.failed.emit(error)
        else:
            if self.last_error:
                self.window.show_status("Autosave works again.", 5000)
            self.last_error = ""
            self.saves += 1
            self.saved.emit(str(path))

    def damaged_note(self) -> str:
        """One line about the damaged checkpoints the store removed since the last call ('' if none)."""
        lines = self.store.unreadable[self._damaged_said:]
        self._damaged_said = len(self.store.unreadable)
        if not lines:
            return ""
        n = len(lines) - 1
        more = f" ({n} more damaged autosave{'s were' if n > 1 else ' was'} removed too.)" if n else ""
        return f"An autosaved model could not be read: {lines[0]}.{more}"

    def wait(self) -> None:
        """Block until the write in progress (if any) is done, and deliver its result."""
        job = self._job
        if job is not None:
            job.join(60.0)
            from PySide6.QtCore import QCoreApplication
            QCoreApplication.sendPostedEvents()

    def close(self) -> None:
        """Clean exit: finish the write in progress, then remove this session's files (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.wait()
        self._job = None
        try:
            self.store.end_session()
        except OSError:
            pass



def _write_job(store: CheckpointStore, build):
    """The runner job: build the model file and write the checkpoint; returns (path, error)."""
    from rbm_gui.io.model_file import ModelFileError
    try:
        path = store.save(build())
    except CheckpointError as exc:
        return None, str(exc)
    except (ModelFileError, OSError, ValueError) as exc:
        return None, f"autosave failed: {exc}"
    return path, ""
    yield      # a generator for the runner (nothing to report on the way)


def ask_restore(window, text: str) -> bool:
    box = QMessageBox(QMessageBox.Question, "Restore the autosaved model?", text,
                      QMessageBox.Yes | QMessageBox.No, window)
    box.button(QMessageBox.Yes).setText("Restore")
    box.button(QMessageBox.No).setText("Discard")
    return box.exec() == QMessageBox.Yes


def offer_restore(window) -> bool:
    """At launch: if a crashed session left a checkpoint, offer it; True when a model was restored.

    Restored or declined, the old checkpoint is removed so it is not offered again; a restored
    model is at once written as this session's checkpoint (it is unsaved work).
    """
    autosave: Autosave = window.autosave
    store = autosave.store
    info = store.pending_restore()
    if info is None:
        report_damaged(window)
        return False
    damaged = autosave.damaged_note()          # said with the outcome, in the same line

    def say(text: str, error: bool = False) -> None:
        window.show_message(" ".join(t for t in (text, damaged) if t), error=error)
    from rbm_gui.io.model_file import ModelFileError
    restored = False
    if window.ask_restore(info.describe()):
        try:
            saved = store.load(info)
        except (ModelFileError, OSError, LookupError) as exc:
            say(f"Could not restore the autosaved model: {exc}", error=True)
        else:
            if window.files.show_saved(saved, None, "restored from the autosave"):
                window.session.dirty = True          # not saved anywhere but in the autosave
                say(f"Restored the autosaved model ({info.epochs_done} epochs). File > Save keeps it.")
                autosave.request_save()
                autosave.wait()
                restored = True
    elif damaged:
        say("", error=True)
    store.discard(info)
    return restored


def report_damaged(window) -> bool:
    """Say (once) which damaged checkpoints of crashed sessions were removed; True if there were any."""
    note = window.autosave.damaged_note()
    if note:
        window.show_message(note, error=True)
    return bool(note)

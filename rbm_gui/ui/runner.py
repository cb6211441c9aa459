"""The one runner for every background job: training, metrics, AIS, downloads, exports, autosave.

A job is a plain generator function (Qt-free, in the engine/app/io layers) called with a
``JobControl``; it runs on its own QThread and yields progress values, which arrive as the
``Job.yielded`` signal in the GUI thread. Between two yields the runner honours Cancel and
Pause; a generator that may block (a download) checks ``control.cancelled`` itself. Errors go
to one place (``Runner.errorOccurred``) as one line; ``Runner.shutdown`` cancels and joins every
job (a destroyed running QThread aborts the process). Only the GUI thread touches widgets: values
cross threads as queued signals, and a job may look at ``control.backlog`` (values yielded but
not yet handled by the GUI) to skip a frame rather than queue stale ones.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Any, Callable, Generator

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


class JobControl:
    """What a job's generator sees of the runner (thread-safe, Qt-free)."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()        # clear = paused
        self._running.set()
        self._held = threading.Event()           # set while the worker waits in a pause
        self._emit = None                        # the worker's signal, set while it runs
        self._lock = threading.Lock()
        self._backlog = 0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def backlog(self) -> int:
        """Values yielded that the GUI thread has not handled yet."""
        return self._backlog

    @property
    def cancel_event(self) -> threading.Event:
        """Set on cancel: for blocking calls that take a cancel event (a download)."""
        return self._cancel

    def report(self, value) -> None:
        """Send ``value`` to the GUI like a yield, from inside a blocking call (progress callbacks)."""
        emit = self._emit
        if emit is not None:
            self._add(1)
            emit(value)

    def pause(self) -> None:
        """Ask the runner to hold the job at its next yield (the job may pause itself, e.g. on divergence)."""
        self._running.clear()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking at once on cancel; True when cancelled."""
        return self._cancel.wait(seconds)

    def _add(self, n: int) -> None:
        with self._lock:
            self._backlog += n


class _Worker(QObject):
    """Lives on the job's thread and iterates the generator."""

    yielded = Signal(object)
    pausedChanged = Signal(bool)
    done = Signal(str, object)        # "done" | "cancelled" | "failed", return value or message

    def __init__(self, factory: Callable[[JobControl], Generator], control: JobControl):
        super().__init__()
        self.factory, self.control = factory, control

    @Slot()
    def run(self) -> None:
        c = self.control
        reason, value = "done", None
        gen = None
        c._emit = self.yielded.emit
        try:
            gen = self.factory(c)
            while True:
                if not c._running.is_set() and not c.cancelled:
                    self.pausedChanged.emit(True)
                    c._held.set()
                    while not c._running.wait(0.05) and not c.cancelled:
                        pass
                    c._held.clear()
                    self.pausedChanged.emit(False)
                if c.cancelled:
                    reason = "cancelled"
                    break
                item = next(gen)
                c._add(1)
                self.yielded.emit(item)
        except StopIteration as stop:
            value = stop.value
        except MemoryError:
            reason, value = "failed", "out of memory"
        except Exception as exc:       # forwarded as one line; the details go to the log
            log.exception("background job failed")
            reason, value = "failed", str(exc) or type(exc).__name__
        finally:
            if gen is not None and hasattr(gen, "close"):
                try:
                    gen.close()        # runs the generator's cleanup (temp files, sockets)
                except Exception:
                    log.exception("background job failed while closing")
        c._held.set()                  # nothing runs any more: as good as held
        c._emit = None
        self.done.emit(reason, value)
        QThread.currentThread().quit()


class Job(QObject):
    """A running background job, seen from the GUI thread."""

    yielded = Signal(object)
    returned = Signal(object)          # the generator's return value (reason "done")
    failed = Signal(str)
    finished = Signal(str)             # "done" | "cancelled" | "failed"
    pausedChanged = Signal(bool)

    def __init__(self, name: str, factory: Callable[[JobControl], Generator], parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.control = JobControl()
        self.reason: str | None = None          # set when finished
        self.thread = QThread()
        self.thread.setObjectName(f"rbm-{name}")
        self._worker = _Worker(factory, self.control)
        self._worker.moveToThread(self.thread)
        self.thread.started.connect(self._worker.run)
        # Receivers are slots of this GUI-thread object: they run in the GUI thread.
        self._worker.yielded.connect(self._on_yielded)
        self._worker.pausedChanged.connect(self._on_paused)
        self._worker.done.connect(self._on_done)

    @property
    def running(self) -> bool:
        return self.reason is None

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self.control._cancel.set()
        self.control._running.set()

    def pause(self) -> None:
        self.control._running.clear()

    def resume(self) -> None:
        self.control._running.set()

    @contextmanager
    def hold(self, timeout: float = 10.0):
        """Hold the job between two yields (e.g. to read the model it works on), then let it go on."""
        was_running = not self.control.paused
        self.pause()
        self.control._held.wait(timeout)
        try:
            yield
        finally:
            if was_running and self.running:
                self.resume()

    def join(self, timeout: float = 10.0) -> bool:
        """Wait for the thread to end (call after ``cancel``); True when it ended in time."""
        return self.thread.wait(int(timeout * 1000))

    @Slot(object)
    def _on_yielded(self, item: Any) -> None:
        try:
            self.yielded.emit(item)
        finally:
            self.control._add(-1)

    @Slot(bool)
    def _on_paused(self, paused: bool) -> None:
        self.pausedChanged.emit(paused)

    @Slot(str, object)
    def _on_done(self, reason: str, value: Any) -> None:
        self.thread.wait()           # the worker has returned: this is immediate
        self.reason = reason
        if reason == "done":
            self.returned.emit(value)
        elif reason == "failed":
            self.failed.emit(str(value))
        self.finished.emit(reason)


class Runner(QObject):
    """Starts, tracks, cancels and joins every background job of the window."""

    errorOccurred = Signal(str, str)       # job name, one-line message
    jobsChanged = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs: list[Job] = []

    def start(self, name: str, factory: Callable[[JobControl], Generator], *,
              on_yield: Callable | None = None, on_return: Callable | None = None,
              on_finish: Callable | None = None) -> Job:
        """Run ``factory(control)`` (a generator) on a new thread; callbacks run in the GUI thread."""
        job = Job(name, factory, self)
        if on_yield is not None:
            job.yielded.connect(on_yield)
        if on_return is not None:
            job.returned.connect(on_return)
        job.failed.connect(lambda message, j=job: self.errorOccurred.emit(j.name, message))
        job.finished.connect(lambda _reason, j=job: self._forget(j))
        if on_finish is not None:
            job.finished.connect(on_finish)
        self.jobs.append(job)
        job.start()
        self.jobsChanged.emit()
        return job

    def _forget(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
            job.deleteLater()
            self.jobsChanged.emit()

    def running(self, name: str | None = None) -> list[Job]:
        return [j for j in self.jobs if j.running and (name is None or j.name == name)]

    def cancel(self, name: str | None = None) -> None:
        for job in self.running(name):
            job.cancel()

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Cancel every job and join its thread (window close); True when all ended in time."""
        jobs = list(self.jobs)
        for job in jobs:
            job.cancel()
        ok = all(job.join(timeout) for job in jobs)
        # Deliver the jobs' last queued signals now: a job deleted with a signal still queued for
        # it makes Qt abort ("shared QObject was deleted directly").
        QCoreApplication.sendPostedEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        return ok

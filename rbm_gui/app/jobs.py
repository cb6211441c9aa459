"""The window's background jobs as plain generators (Qt-free): the runner (``ui/runner.py``) drives them.

``training_job`` iterates the one training loop (``engine.run.TrainingRun``) and yields what the
window shows: a ``Frame`` at most ``max_fps`` times a second and only when the GUI has handled
everything sent before (``control.backlog == 0``); the epoch ends, grouped in ``Epochs`` when they
come faster than the GUI records them (a 20-unit epoch of 300 digits takes ~10 ms), so the GUI
never falls behind; and ``Diverged``. It yields at once when a pause or a cancel is asked, so the
runner acts on it between two mini-batches.
``metrics_job`` measures one epoch's metrics on its snapshot.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from rbm_gui.engine.monitor import epoch_metrics
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.run import Diverged, EpochEnd, Step, TrainingRun
from rbm_gui.engine.training import StepInfo


@dataclass(frozen=True)
class Frame:
    """What the views draw: a read-only snapshot of the parameters and the progress after a step."""

    rbm: RBM
    info: StepInfo | None
    steps: int                    # mini-batches done in this run
    samples_per_second: float     # over step time only (pauses never count)


@dataclass(frozen=True)
class Epochs:
    """Epoch ends in order; only the newest keeps its snapshot (the one metrics may be measured on)."""

    ends: tuple[EpochEnd, ...]


def training_job(run: TrainingRun, control, max_fps: float = 15.0, every_snapshot: bool = False):
    """Generator for the runner: drives ``run``; returns its reason ('done', 'stopped', 'steps').

    ``every_snapshot``: grouped epoch ends all keep their snapshots (metrics at every epoch).
    """
    min_interval = 1.0 / max_fps if max_fps > 0 else 0.0
    last_frame = 0.0
    last: Step | None = None
    pending: list[EpochEnd] = []
    events = run.events()

    def flush():
        ends = tuple(pending)
        pending.clear()
        return Epochs(ends)
    try:
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                reason = stop.value
                break
            if isinstance(event, Step):
                last = event
                wanted = control.paused or control.cancelled
                free = control.backlog == 0
                now = time.perf_counter()
                if pending and (wanted or free):
                    yield flush()
                if wanted or (free and now - last_frame >= min_interval):
                    last_frame = now
                    yield Frame(run.trainer.rbm.snapshot(), event.info, event.steps, event.samples_per_second)
            elif isinstance(event, EpochEnd):
                if pending and not every_snapshot:    # an older end waits: its snapshot is not needed
                    pending[-1] = dataclasses.replace(pending[-1], snapshot=None)
                pending.append(event)
                if event.last or control.backlog == 0:
                    yield flush()
            elif isinstance(event, Diverged):
                if pending:
                    yield flush()
                control.pause()           # hold here until the user lowers the rate and resumes
                yield event
    finally:
        events.close()
    if pending:
        yield flush()
    # the last state, whatever the throttle skipped
    yield Frame(run.trainer.rbm.snapshot(), last.info if last else None, run.steps,
                last.samples_per_second if last else 0.0)
    return reason


def metrics_job(snapshot: RBM, epoch: int, kinds: tuple[str, ...], monitor_train, monitor_val, control,
                monitor_val_labels=None):
    """Generator for the runner: the metrics of one epoch's snapshot; returns (epoch, values, costs).

    ``monitor_val_labels``: the classes of ``monitor_val``; a labelled model's held-out accuracy
    is then among the "basic" metrics (one exact P(y|v) per digit)."""
    values: dict[str, float] = {}
    costs: dict[str, float] = {}
    t0 = time.perf_counter()
    if "basic" in kinds:
        m = epoch_metrics(snapshot, monitor_train, monitor_val, exact_loglik=False,
                          validation_labels=monitor_val_labels)
        values.update({k: v for k, v in m.items() if k not in ("loglik_train", "loglik_val",
                                                               "learning_rate", "samples_per_second")})
        costs["basic"] = time.perf_counter() - t0
        yield "basic"                  # a point where a cancel is honoured
    # likelihood.py's exact log Z has no label units: a labelled model gets no (wrong) figure
    if "exact" in kinds and not control.cancelled and not snapshot.n_labels:
        from rbm_gui.engine import likelihood
        t1 = time.perf_counter()
        if snapshot.is_finite():
            try:        # one enumeration, as fast as the CLI's, that checks for a cancel every ~1 ms
                log_z = likelihood.exact_log_partition(snapshot, should_stop=lambda: control.cancelled)
            except likelihood.Cancelled:
                return epoch, values, costs
            values["loglik_train"] = likelihood.average_log_likelihood(snapshot, monitor_train, log_z)
            if monitor_val is not None:
                values["loglik_val"] = likelihood.average_log_likelihood(snapshot, monitor_val, log_z)
        costs["exact"] = time.perf_counter() - t1
    return epoch, values, costs


def download_job(control, dest=None, mirrors=None, files=None, timeout: float = 30.0):
    """Generator for the runner: download full MNIST; returns (status, message).

    status is 'ok' (message: the folder), 'cancelled' or 'failed' (message: what went wrong).
    Progress (file name, bytes done, file total or None) goes out through ``control.report`` at
    most 20 times a second; ``control.cancel_event`` stops the download between two reads.
    """
    from rbm_gui.data import DownloadCancelled, DownloadError, download_mnist
    last = [0.0]

    def progress(name: str, done: int, total) -> None:
        now = time.monotonic()
        if done == 0 or done == total or now - last[0] >= 0.05:
            last[0] = now
            control.report((name, done, total))
    try:
        path = download_mnist(dest, mirrors=mirrors, progress=progress, cancel=control.cancel_event,
                              timeout=timeout, files=files)
    except DownloadCancelled:
        return "cancelled", "Download cancelled; no partial file was kept."
    except DownloadError as exc:
        return "failed", str(exc)
    return "ok", str(path)
    yield        # a generator for the runner: progress goes through control.report

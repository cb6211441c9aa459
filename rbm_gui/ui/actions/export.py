"""The Export menu: dream animations (GIF / MP4 / PNG frames) and figures (PNG / SVG), off the GUI thread.

``ExportActions(window)`` adds the menu (the window keeps it as ``window.exports``). The exports
themselves are Qt-free (:mod:`rbm_gui.app.export_jobs`) and run as jobs on the window's runner,
with a QProgressDialog whose Cancel cancels the job (its cancel event); a cancelled export leaves
no file. Metric plots are rendered on the GUI thread (:mod:`rbm_gui.ui.actions.export_metrics`).

The questions (options dialog, file dialog) are methods — ``choose_dream_options``,
``choose_figure_options``, ``choose_export_path`` — that tests replace on the instance.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from rbm_gui.app import export_jobs
from rbm_gui.app.export_jobs import FIGURE_KINDS
from rbm_gui.app.view_state import DreamExportOptions, FigureOptions
from rbm_gui.ui.actions import export_metrics
from rbm_gui.ui.dialogs import export_options
from rbm_gui.ui.dialogs.progress import close_progress, job_progress


class ExportActions(QObject):
    """The Export menu of a window; runs one export at a time."""

    exportFinished = Signal(str, str)    # status ("ok", "cancelled", "error"), path or message (GUI thread)
    exportProgress = Signal(int, int)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job = None                      # the export in progress (a runner job)
        self.dialog: QProgressDialog | None = None
        self.latest_rbm = None
        self.last_status = ""
        self.last_path: str | None = None
        self.last_message = ""
        self.last_seconds = float("nan")
        self._note = ""
        self._t0 = 0.0
        window.modelChanged.connect(self._on_model_changed)
        window.frameShown.connect(self._on_frame_shown)
        if window.session.rbm is not None:
            self.latest_rbm = window.session.rbm.snapshot()

        menu = window.menuBar().addMenu("E&xport")
        self.menu = menu
        self.act_dream = QAction("Dream animation...", self)
        self.act_dream.setStatusTip("Export the dream (Gibbs chains from the dream panel's digits) as GIF, MP4 or PNG frames.")
        self.act_dream.triggered.connect(lambda checked=False: self.export_dream())
        menu.addAction(self.act_dream)
        menu.addSeparator()
        self.figure_actions: dict[str, QAction] = {}
        for kind, text in FIGURE_KINDS.items():
            a = QAction(text + "...", self)
            a.setStatusTip(f"Save the {text.lower()} as PNG or SVG at a chosen scale.")
            a.triggered.connect(lambda checked=False, k=kind: self.export_figure(k))
            menu.addAction(a)
            self.figure_actions[kind] = a

    # ------------------------------------------------------------------ model snapshots
    @Slot(object)
    def _on_model_changed(self, rbm) -> None:
        self.latest_rbm = None if rbm is None else rbm.snapshot()

    @Slot(object)
    def _on_frame_shown(self, rbm) -> None:
        self.latest_rbm = rbm

    def current_model(self):
        """A parameter snapshot that no thread changes (the worker's latest, or the idle model's copy)."""
        w = self.window
        if not w.running and w.session.rbm is not None:
            return w.session.rbm.snapshot()
        return self.latest_rbm

    # ------------------------------------------------------------------ questions (tests override)
    def choose_dream_options(self, defaults: DreamExportOptions) -> DreamExportOptions | None:
        return export_options.ask_dream_options(self.window, defaults, not export_jobs.mp4_problem())

    def choose_figure_options(self, defaults: FigureOptions) -> FigureOptions | None:
        return export_options.ask_figure_options(self.window, defaults)

    def choose_export_path(self, title: str, fmt: str) -> str | None:
        """A file (``.gif``/``.mp4``/``.png``/``.svg``) or, for ``fmt="frames"``, a new folder (ends in "/")."""
        start = str(self.window.settings.value("lastExportDir", ""))
        filters = {"gif": "GIF animation (*.gif)", "mp4": "MP4 video (*.mp4)", "png": "PNG image (*.png)",
                   "svg": "SVG image (*.svg)", "frames": "New folder for the frames (*)"}[fmt]
        path, _ = QFileDialog.getSaveFileName(self.window, title, start, filters)
        if not path:
            return None
        if fmt == "frames":
            return path.rstrip("/") + "/"
        if Path(path).suffix.lower() != "." + fmt:
            path += "." + fmt
        return path

    # ------------------------------------------------------------------ dream
    def export_dream(self, path: str | None = None, options: DreamExportOptions | None = None) -> bool:
        """Ask for options and a path (unless given) and start the export; False when nothing started."""
        from rbm_gui.engine.dream_frames import n_dream_frames
        w = self.window
        if self.busy:
            w.show_message("An export is already running.")
            return False
        dream, export = w.view_states.dream, w.view_states.export
        rbm = self.current_model()
        if rbm is None or dream.starts is None:
            w.show_message("There is no model to dream with.", error=True)
            return False
        if options is None:      # the dialog starts from the dream panel's steps, picture and speed
            options = self.choose_dream_options(export.dream_defaults())
            if options is None:
                return False
        export.dream_options = options
        if path is None:
            path = self.choose_export_path("Export dream animation", "frames" if options.format == "png" else options.format)
            if not path:
                return False
        path = str(path)
        if options.format == "png" and not path.endswith("/"):
            path += "/"                      # a folder of frames
        n_frames = n_dream_frames(options.steps, options.every)
        self._note = ""
        problem = export_jobs.mp4_problem() if options.format == "mp4" else ""
        if problem:              # ffmpeg does not work here: a GIF, and one line saying why
            path = str(Path(path).with_suffix(".gif"))
            self._note = f"MP4 could not be written ({problem}): wrote a GIF instead, {Path(path).name}."
        fn = export_jobs.dream_export(rbm, dream.starts.copy(), dream.seed, options, path,
                                      dream.controls.engine_values(rbm))     # as steered in the panel
        self._start(fn, f"Exporting {n_frames:,} frames...", n_frames)
        return True

    # ------------------------------------------------------------------ figures
    def export_figure(self, kind: str, path: str | None = None, options: FigureOptions | None = None) -> bool:
        """Ask for options and a path (unless given) and start the export; False when nothing started."""
        w = self.window
        if self.busy:
            w.show_message("An export is already running.")
            return False
        rbm = self.current_model()
        problem = export_jobs.figure_problem(kind, rbm, w.session)
        if problem:
            w.show_message(problem, error=True)
            return False
        if options is None:
            options = self.choose_figure_options(export_jobs.default_figure_options(kind))
            if options is None:
                return False
        if path is None:
            path = self.choose_export_path(f"Export {FIGURE_KINDS[kind].lower()}", options.format)
            if not path:
                return False
        self._note = ""
        if kind == "metrics":
            payload = export_metrics.render_plots(w.metrics_view.plots_item(), path, int(options.scale))
            self._start(export_metrics.write_job(payload, path), "Saving the metric plots...", 1)
            return True
        fn = export_jobs.figure_export(kind, rbm, w.session, options, path,
                                       per_tile=w.view_states.weights.per_tile)
        self._start(fn, f"Saving the {FIGURE_KINDS[kind].lower()}...", 1)
        return True

    # ------------------------------------------------------------------ running
    @property
    def busy(self) -> bool:
        return self.job is not None

    def _start(self, fn, label: str, total: int) -> None:
        w = self.window
        self.last_status, self.last_path, self.last_message = "", None, ""
        self.dialog = job_progress(w, "Export", label, total, self.cancel)
        for a in [self.act_dream, *self.figure_actions.values()]:
            a.setEnabled(False)
        self._t0 = time.perf_counter()
        self.job = w.runner.start("export", lambda control: export_jobs.export_job(fn, control),
                                  on_yield=lambda p: self._on_progress(*p),
                                  on_return=lambda r: self._on_done(*r), on_finish=self._on_job_end)

    def _on_job_end(self, reason: str) -> None:
        if self.job is not None:     # ended without a result (cancelled before it ran, or failed)
            self._on_done("cancelled" if reason == "cancelled" else "error", None,
                          "the export stopped unexpectedly")

    def cancel(self) -> None:
        """Stop the running export (thread-safe event); nothing is written."""
        if self.job is not None:
            self.job.cancel()
        if self.dialog is not None:
            self.dialog.setLabelText("Cancelling...")

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.dialog is not None and self.job is not None and not self.job.control.cancelled:
            self.dialog.setMaximum(max(1, total))
            self.dialog.setValue(done)
        self.exportProgress.emit(done, total)

    @Slot(str, object, str)
    def _on_done(self, status: str, result, message: str) -> None:
        self.last_seconds = time.perf_counter() - self._t0
        self._join()
        w = self.window
        self.last_status = status
        if status == "ok":
            self.last_path = str(result)
            self.last_message = self._note or f"Exported {result} ({self.last_seconds:.1f} s)."
            w.show_message(self.last_message)
        elif status == "cancelled":
            self.last_message = "Export cancelled; nothing was written."
            w.show_status(self.last_message, 8000)
        else:
            self.last_message = f"Export failed: {message}"
            w.show_message(self.last_message, error=True)
        self.exportFinished.emit(status, self.last_path if status == "ok" else self.last_message)

    def _join(self) -> None:
        close_progress(self.dialog, self.cancel)
        self.dialog = None
        self.job = None
        for a in [self.act_dream, *self.figure_actions.values()]:
            a.setEnabled(True)

    def shutdown(self) -> None:
        """Cancel and join a running export (window closing)."""
        job = self.job
        if job is not None:
            self.cancel()
            job.join(60.0)
            from PySide6.QtCore import QCoreApplication
            QCoreApplication.sendPostedEvents()      # deliver its end (closes the dialog)
            if self.job is not None:
                self._join()

"""The Export menu: dream animations (GIF / MP4 / PNG frames) and figures (PNG / SVG), off the GUI thread.

``ExportActions(window)`` adds the menu (the window keeps it as ``window.exports``).
Every export runs the same Qt-free code as the command line (:func:`rbm_gui.io.export.export_animation`
with :func:`rbm_gui.engine.dream.dream_frames`, :mod:`rbm_gui.viz.figures`) as a job on the window's
runner, with a QProgressDialog whose Cancel cancels the job (its cancel event); a cancelled export
leaves no file (the writers are atomic). Metric plots are rendered by pyqtgraph's ImageExporter /
SVGExporter on the GUI thread (scene items may only be touched there; ~tens of ms), and written to
disk by the job.

The questions (options dialog, file dialog) are methods — ``choose_dream_options``,
``choose_figure_options``, ``choose_export_path`` — that tests replace on the instance.
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QLabel, QProgressDialog, QSpinBox)

from rbm_gui.app.view_state import DreamExportOptions, FigureOptions  # noqa: F401 (the dialogs' options)
from rbm_gui.io.export import ExportCancelled, Mp4Unavailable, mp4_available

FIGURE_KINDS = {
    "weights": "Weights mosaic (Figure 5)",
    "history": "Weight history (Figure 2)",
    "reconstruction": "Reconstruction sheet (Figure 3)",
    "averages": "Averaged reconstructions (Figures 4 and 6)",
    "metrics": "Metric plots",
}
ANIMATION_FORMATS = {"gif": "GIF animation", "mp4": "MP4 video", "png": "PNG frames (a folder)"}


# ====================================================================================== the job
def _export_job(fn, control):
    """Runner job: ``fn(progress, cancel)``; returns (status, result, message).

    status is "ok", "cancelled" or "error"; progress (done, total) goes out at most ~20 times a
    second through ``control.report``; ``control.cancel_event`` is the export's cancel flag.
    """
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last[0] > 0.05:
            last[0] = now
            control.report((int(done), int(total)))
    try:
        result = fn(progress, control.cancel_event)
    except ExportCancelled:
        return "cancelled", None, ""
    except Exception as exc:       # ExportError, OSError, ValueError...: a message for the user
        msg = str(exc) if not isinstance(exc, (AttributeError, TypeError, KeyError, IndexError)) \
            else f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        return "error", None, msg
    return "ok", result, ""
    yield          # a generator for the runner


# ====================================================================================== dialogs
class DreamExportDialog(QDialog):
    def __init__(self, parent, defaults: DreamExportOptions, mp4_ok: bool):
        super().__init__(parent)
        self.setWindowTitle("Export dream animation")
        form = QFormLayout(self)
        self.fmt = QComboBox()
        for key, text in ANIMATION_FORMATS.items():
            self.fmt.addItem(text + ("" if key != "mp4" or mp4_ok else " (needs imageio-ffmpeg: GIF instead)"), key)
        self.fmt.setCurrentIndex(max(0, self.fmt.findData(defaults.format)))
        self.steps = QSpinBox(); self.steps.setRange(0, 100_000); self.steps.setValue(defaults.steps)
        self.steps.setGroupSeparatorShown(True)
        self.every = QSpinBox(); self.every.setRange(1, 1000); self.every.setValue(defaults.every)
        self.fps = QSpinBox(); self.fps.setRange(1, 120); self.fps.setValue(int(defaults.fps))
        self.scale = QSpinBox(); self.scale.setRange(1, 32); self.scale.setValue(defaults.scale)
        self.step_no = QCheckBox("Draw the step number above the chains"); self.step_no.setChecked(defaults.draw_step)
        self.show_ = QComboBox()
        self.show_.addItem("Probabilities P(v=1|h)", "probs"); self.show_.addItem("Binary samples", "samples")
        self.show_.setCurrentIndex(max(0, self.show_.findData(defaults.show)))
        form.addRow("Format", self.fmt)
        form.addRow("Gibbs steps", self.steps)
        form.addRow("One frame every", self.every)
        form.addRow("Frames per second", self.fps)
        form.addRow("Scale (pixels per pixel)", self.scale)
        form.addRow("Show", self.show_)
        form.addRow(self.step_no)
        note = QLabel("The chains start from the dream panel's digits with its seed: the same frames as "
                      "Play from step 0. GIF plays at most 50 frames/s.")
        note.setWordWrap(True)
        form.addRow(note)
        bb = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        form.addRow(bb)

    def options(self) -> DreamExportOptions:
        return DreamExportOptions(self.fmt.currentData(), self.steps.value(), self.every.value(),
                                  float(self.fps.value()), self.scale.value(), self.step_no.isChecked(),
                                  self.show_.currentData())


class FigureDialog(QDialog):
    def __init__(self, parent, defaults: FigureOptions):
        super().__init__(parent)
        self.setWindowTitle(f"Export {FIGURE_KINDS[defaults.kind].lower()}")
        self.kind = defaults.kind
        form = QFormLayout(self)
        self.fmt = QComboBox()
        self.fmt.addItem("PNG", "png"); self.fmt.addItem("SVG", "svg")
        self.fmt.setCurrentIndex(max(0, self.fmt.findData(defaults.format)))
        self.scale = QSpinBox(); self.scale.setRange(1, 32); self.scale.setValue(defaults.scale)
        self.count = QSpinBox(); self.count.setRange(1, 200); self.count.setValue(defaults.count)
        form.addRow("Format", self.fmt)
        form.addRow("Scale" if defaults.kind != "metrics" else "Scale (x the on-screen size)", self.scale)
        if defaults.kind in ("reconstruction", "averages"):
            form.addRow("Digits", self.count)
        bb = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        form.addRow(bb)

    def options(self) -> FigureOptions:
        return FigureOptions(self.kind, self.fmt.currentData(), self.scale.value(), self.count.value())


# ====================================================================================== actions
class ExportActions(QObject):
    """The Export menu of a window; runs one export at a time."""

    exportFinished = Signal(str, str)    # status ("ok", "cancelled", "error"), path or message (GUI thread)
    exportProgress = Signal(int, int)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job: ExportJob | None = None
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
        dlg = DreamExportDialog(self.window, defaults, mp4_available())
        return dlg.options() if dlg.exec() == QDialog.Accepted else None

    def choose_figure_options(self, defaults: FigureOptions) -> FigureOptions | None:
        dlg = FigureDialog(self.window, defaults)
        return dlg.options() if dlg.exec() == QDialog.Accepted else None

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
        from rbm_gui.engine.dream import dream_frames, n_dream_frames
        from rbm_gui.io.export import export_animation
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
        starts, seed = dream.starts.copy(), dream.seed
        n_frames = n_dream_frames(options.steps, options.every)
        self._note = ""
        if options.format == "mp4" and not mp4_available():
            path = str(Path(path).with_suffix(".gif"))
            self._note = ("MP4 export needs the optional package imageio-ffmpeg (pip install \"rbm-gui[mp4]\"): "
                          f"wrote a GIF instead, {Path(path).name}.")

        def job(progress, cancel):
            def export(p):
                frames = dream_frames(rbm, starts, options.steps, seed=seed, every=options.every, show=options.show)
                return export_animation(frames, n_frames, p, fps=options.fps, scale=options.scale,
                                        draw_step=options.draw_step, progress=progress, cancel=cancel)
            try:
                return export(path)
            except Mp4Unavailable:         # lost between the check and the export: same fallback
                return export(str(Path(path).with_suffix(".gif")))
        self._start(job, f"Exporting {n_frames:,} frames...", n_frames)
        return True

    # ------------------------------------------------------------------ figures
    def export_figure(self, kind: str, path: str | None = None, options: FigureOptions | None = None) -> bool:
        from rbm_gui.viz import figures
        w = self.window
        if self.busy:
            w.show_message("An export is already running.")
            return False
        if kind not in FIGURE_KINDS:
            raise ValueError(f"unknown figure {kind!r}")
        rbm = self.current_model()
        s = w.session
        if kind != "metrics" and rbm is None:
            w.show_message("There is no model to draw.", error=True)
            return False
        if kind in ("reconstruction", "averages") and (s.data is None or s.data.n_visible != rbm.n_visible):
            w.show_message("The figure needs digits of the model's size: open matching data.", error=True)
            return False
        if kind == "history" and not s.weight_history:
            w.show_message("There is no weight history yet.", error=True)
            return False
        if options is None:
            options = self.choose_figure_options(FigureOptions(kind, count=10 if kind == "reconstruction" else 16,
                                                               scale=1 if kind == "metrics" else 4))
            if options is None:
                return False
        if path is None:
            path = self.choose_export_path(f"Export {FIGURE_KINDS[kind].lower()}", options.format)
            if not path:
                return False
        scale = int(options.scale)
        self._note = ""

        if kind == "metrics":
            payload = self._render_metrics(path, scale)

            def write(progress, cancel):
                out = _write_rendered(payload, path)
                progress(1, 1)
                return out
            self._start(write, "Saving the metric plots...", 1)
            return True
        if kind == "weights":
            per_tile = w.view_states.weights.per_tile
            build = lambda: figures.weights_figure(rbm.W, rbm.image_shape, scale=scale, per_tile=per_tile)  # noqa: E731
        elif kind == "history":
            hist = np.stack(s.weight_history).astype(np.float32)
            units = np.asarray(s.history_units).reshape(-1)

            def build():
                fig = figures.history_figure(hist, rbm.image_shape, scale=scale,
                                             units=np.arange(min(hist.shape[2], 16)),
                                             row_labels=[f"epoch {i}" for i in range(len(hist))])
                for t in fig.tiles:
                    if t.unit is not None and t.unit < len(units):
                        t.unit = int(units[t.unit])
                return fig
        else:
            digits = np.asarray(s.data.probes[:options.count])
            if kind == "reconstruction":
                build = lambda: figures.reconstruction_figure(rbm, digits, np.random.default_rng(0), scale=scale)  # noqa: E731
            else:
                build = lambda: figures.averages_figure(rbm, digits, n_samples=100, rng=np.random.default_rng(0),  # noqa: E731
                                                        scale=scale)

        def job(progress, cancel):
            fig = build()
            if cancel.is_set():
                raise ExportCancelled("export cancelled")
            out = figures.save_figure(fig, path)
            progress(1, 1)
            return out
        self._start(job, f"Saving the {FIGURE_KINDS[kind].lower()}...", 1)
        return True

    def _render_metrics(self, path: str, scale: int):
        """Render the metrics view's plots (GUI thread): a QImage for PNG, SVG bytes for SVG."""
        import pyqtgraph.exporters as pgx
        item = self.window.metrics_view.plots_item()
        if path.lower().endswith(".svg"):
            try:
                data = pgx.SVGExporter(item).export(toBytes=True)
                return data if isinstance(data, bytes) else str(data).encode("utf-8")
            except ValueError:
                # pyqtgraph 0.14's SVGExporter fails on some paths ("not enough values to unpack",
                # pyqtgraph issue #3485): let Qt's own SVG generator draw the scene instead (vector too)
                return _qt_svg(item, scale)
        exp = pgx.ImageExporter(item)
        width = int(round(item.boundingRect().width() * scale))
        exp.parameters()["width"] = width
        return exp.export(toBytes=True)     # QImage; QImage may be saved from another thread

    # ------------------------------------------------------------------ running
    @property
    def busy(self) -> bool:
        return self.job is not None

    def _start(self, fn, label: str, total: int) -> None:
        w = self.window
        self.last_status, self.last_path, self.last_message = "", None, ""
        self.dialog = QProgressDialog(label, "Cancel", 0, max(1, total), w)
        self.dialog.setWindowTitle("Export")
        self.dialog.setWindowModality(Qt.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setValue(0)
        self.dialog.canceled.connect(self.cancel)
        for a in [self.act_dream, *self.figure_actions.values()]:
            a.setEnabled(False)
        self._t0 = time.perf_counter()
        self.job = w.runner.start("export", lambda control: _export_job(fn, control),
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
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
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


def _qt_svg(item, scale: int) -> bytes:
    """The scene region of ``item`` as SVG bytes, drawn by QSvgGenerator (GUI thread)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator
    source = item.sceneBoundingRect()
    size = QSize(int(source.width() * scale), int(source.height() * scale))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(size)
    gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
    gen.setTitle("rbm-gui metrics")
    painter = QPainter(gen)
    try:
        item.scene().render(painter, QRectF(0, 0, size.width(), size.height()), source)
    finally:
        painter.end()
    buf.close()
    return bytes(data)


def _write_rendered(payload, path: str) -> Path:
    """Write a rendered QImage (PNG) or SVG bytes atomically (runs on the export thread)."""
    from rbm_gui.io.atomic import atomic_path
    target = Path(path)
    with atomic_path(target) as tmp:
        if isinstance(payload, (bytes, bytearray)):
            tmp.write_bytes(payload)
        elif not payload.save(str(tmp), "PNG"):
            raise OSError(f"could not write {target}")
    return target

"""The Export menu's work, Qt-free: what may be exported now, and the export jobs the runner drives.

Every export runs the same code as the command line (:func:`rbm_gui.io.export.export_animation`
with :func:`rbm_gui.engine.dream_frames.dream_frames`, :mod:`rbm_gui.viz.figures`). An export is a
function ``fn(progress, cancel)`` that writes one file (or one folder of frames) and returns its
path; :func:`export_job` turns it into a generator for the runner (``ui/runner.py``). The writers
are atomic, so a cancelled or failed export leaves no file.
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path

import numpy as np

from rbm_gui.app.view_state import DreamExportOptions, FigureOptions
from rbm_gui.io import export as io_export
from rbm_gui.io.export import ExportCancelled, Mp4Unavailable

FIGURE_KINDS = {
    "weights": "Weights mosaic (Figure 5)",
    "history": "Weight history (Figure 2)",
    "reconstruction": "Reconstruction sheet (Figure 3)",
    "averages": "Averaged reconstructions (Figures 4 and 6)",
    "metrics": "Metric plots",
}
ANIMATION_FORMATS = {"gif": "GIF animation", "mp4": "MP4 video", "png": "PNG frames (a folder)"}


def export_job(fn, control):
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


# ====================================================================================== dream
def mp4_problem() -> str:
    """'' when MP4 can be written, else one line saying why (ffmpeg missing or broken)."""
    try:
        io_export.require_mp4()     # looked up on the module: tests replace it there
    except Mp4Unavailable as exc:
        return " ".join(str(exc).split())
    return ""


def dream_export(rbm, starts: np.ndarray, seed: int, options: DreamExportOptions, path: str,
                 controls: dict | None = None):
    """The export of the dream chains from ``starts`` with ``seed`` to ``path`` (a ``.png`` path: a folder).

    ``controls``: the dream panel's steering (DreamChains keywords: label, clamp, temperature, tempering).

    An MP4 whose ffmpeg fails between the dialog and the write becomes a GIF next to it.
    """
    from rbm_gui.engine.dream_frames import dream_frames, n_dream_frames
    n_frames = n_dream_frames(options.steps, options.every)

    def write(target: str, progress, cancel):
        frames = dream_frames(rbm, starts, options.steps, seed=seed, every=options.every, show=options.show,
                              **(controls or {}))
        return io_export.export_animation(frames, n_frames, target, fps=options.fps, scale=options.scale,
                                          draw_step=options.draw_step, progress=progress, cancel=cancel)

    def fn(progress, cancel):
        try:
            return write(path, progress, cancel)
        except Mp4Unavailable:
            return write(str(Path(path).with_suffix(".gif")), progress, cancel)
    return fn


# ====================================================================================== figures
def figure_problem(kind: str, rbm, session) -> str:
    """'' when figure ``kind`` can be drawn of ``rbm`` and the session's data, else why not."""
    if kind not in FIGURE_KINDS:
        raise ValueError(f"unknown figure {kind!r}")
    if kind != "metrics" and rbm is None:
        return "There is no model to draw."
    data = session.data
    if kind in ("reconstruction", "averages") and (data is None or data.n_visible != rbm.n_visible):
        return "The figure needs digits of the model's size: open matching data."
    if kind == "history" and not session.weight_history:
        return "There is no weight history yet."
    return ""


def default_figure_options(kind: str) -> FigureOptions:
    return FigureOptions(kind, count=10 if kind == "reconstruction" else 16, scale=1 if kind == "metrics" else 4)


def figure_export(kind: str, rbm, session, options: FigureOptions, path: str, per_tile: bool = False):
    """The export of figure ``kind`` (not "metrics": the plots are Qt's) to ``path``.

    What the figure shows is copied now (GUI thread); it is drawn and written by the job.
    """
    from rbm_gui.viz import figures
    scale = int(options.scale)
    if kind == "weights":
        def build():
            return figures.weights_figure(rbm.W, rbm.image_shape, scale=scale, per_tile=per_tile)
    elif kind == "history":
        hist = np.stack(session.weight_history).astype(np.float32)
        units = np.asarray(session.history_units).reshape(-1)

        def build():
            return figures.tracked_history_figure(hist, units, rbm.image_shape, scale)
    else:
        digits = np.asarray(session.data.probes[:options.count])
        draw = figures.reconstruction_figure if kind == "reconstruction" else figures.averages_figure
        extra = {} if kind == "reconstruction" else {"n_samples": 100}

        def build():
            return draw(rbm, digits, rng=np.random.default_rng(0), scale=scale, **extra)

    def fn(progress, cancel):
        fig = build()
        if cancel.is_set():
            raise ExportCancelled("export cancelled")
        out = figures.save_figure(fig, path)
        progress(1, 1)
        return out
    return fn



"""``rbm-gui screenshot OUT.png``: a picture of the real main window, made without a screen.

Builds the window offscreen (``QT_QPA_PLATFORM=offscreen`` unless a platform is set), optionally
opens a model and/or trains some mini-batches through the real worker thread, waits until the
views have drawn, and saves the whole window as a PNG (atomically). It uses default settings and
a throw-away settings file, so the picture does not depend on the user's saved settings.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time

#: The built-in views; later features register more (rbm_gui.ui.registry), checked at run time.
BUILTIN_TABS = ("weights", "history", "metrics")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x800, got {text!r}") from None
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"size must be between 320x240 and 8000x8000, got {text}")
    return w, h


def add_parser(subparsers, name: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        name, help="save a PNG of the main window (works without a screen)",
        description="Build the real main window offscreen, optionally train some mini-batches, "
                    "and save a picture of the whole window.")
    p.add_argument("out", metavar="OUT.png", help="PNG file to write")
    p.add_argument("--tab", default="weights",
                   help=f"view to show: {', '.join(BUILTIN_TABS)} or another registered view (default weights)")
    p.add_argument("--model", metavar="MODEL.npz", help="open this model file first")
    p.add_argument("--hidden", type=int, metavar="N", help="hidden units of a new model (default from settings)")
    p.add_argument("--train-batches", type=int, default=0, metavar="N",
                   help="train N mini-batches through the window's worker before the picture")
    p.add_argument("--size", type=_size, default=(1280, 820), metavar="WxH", help="window size (default 1280x820)")
    return p


def run(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from rbm_gui.config import LIMITS, ConfigError, TrainingConfig
    if args.train_batches < 0:
        raise ValueError("--train-batches must be 0 or more")
    cfg = TrainingConfig()
    if args.hidden is not None:
        lo, hi = LIMITS["n_hidden"]
        if not lo <= args.hidden <= hi:
            raise ConfigError(f"--hidden must be between {lo:g} and {hi:g}, got {args.hidden}")
        cfg = cfg.replace(n_hidden=args.hidden)
    saved = None
    if args.model:
        from rbm_gui.io.model_file import load_model
        saved = load_model(args.model)       # ModelFileError: one line from the CLI

    from PySide6.QtCore import QSettings
    from rbm_gui.io.atomic import atomic_path
    from rbm_gui.ui import registry
    from rbm_gui.ui.app import make_app
    from rbm_gui.ui.main_window import MainWindow

    if args.tab not in registry.view_names():
        raise ValueError(f"unknown --tab {args.tab!r}; choose one of {', '.join(registry.view_names())}")
    app = make_app()
    with tempfile.TemporaryDirectory(prefix="rbm-gui-shot-") as tmp:
        settings = QSettings(os.path.join(tmp, "settings.ini"), QSettings.IniFormat)
        window = MainWindow(settings=settings, config=cfg)
        window.confirm = lambda title, text: True
        window.ask_save = lambda text: "discard"
        try:
            if window.last_error:
                raise ValueError(window.last_error)
            if saved is not None:
                window.files.show_saved(saved, args.model, "")
            window.resize(*args.size)
            window.show()
            window.show_tab(args.tab)
            if args.train_batches:
                _train(app, window, args.train_batches)
            prepare = getattr(window.views[args.tab], "prepare_screenshot", None)
            if prepare is not None:      # a view may set itself up for the picture (e.g. dream: some steps)
                _settle(app, 0.1)
                prepare()
            if window.session.message[1] != "error":
                window.session.say("")          # an information banner would cover the view's top
            _settle(app, 0.3)
            image = window.grab()
            with atomic_path(args.out, suffix=".png") as tmp_png:
                if not image.save(str(tmp_png), "PNG"):
                    raise OSError(f"{args.out}: could not write the PNG")
        finally:
            window.shutdown()
            window.close()
    print(f"{args.out}: {image.width()}x{image.height()} ({args.tab})")
    return 0


def _train(app, window, batches: int, timeout: float = 600.0) -> None:
    """Train ``batches`` mini-batches in the window (with its live views and default metrics)."""
    from rbm_gui.config import LIMITS
    s = window.session
    if s.data is None or not s.trainable:
        raise ValueError("the data set does not fit the model: nothing to train")
    n_batches = math.ceil(len(s.data.train) / min(s.config.batch_size, len(s.data.train)))
    # a whole number of epochs ends the run like `rbm-gui train` does (the final epoch's metrics)
    epochs = s.epochs_done + math.ceil(batches / n_batches)
    s.change_setting("epochs", int(min(epochs, LIMITS["epochs"][1])))
    window.max_steps = batches
    frames0, t0 = window.frames_drawn, time.perf_counter()
    if not window.train():
        raise ValueError(window.last_error or "training could not start")
    # like `rbm-gui train`, the run ends when its last metrics are measured
    trained = None
    while window.running or window.training.metrics_busy:
        app.processEvents()
        time.sleep(0.002)
        if trained is None and not window.running:
            trained, frames = time.perf_counter() - t0, window.frames_drawn - frames0
        if time.perf_counter() - t0 > timeout:
            window.shutdown()
            raise TimeoutError(f"training {batches} mini-batches took longer than {timeout:g} s")
    if trained is None:
        trained, frames = time.perf_counter() - t0, window.frames_drawn - frames0
    window.max_steps = None
    print(f"trained {batches} mini-batches in {trained:.2f} s ({time.perf_counter() - t0:.2f} s with the last "
          f"metrics); {frames} frames drawn while training ({frames / max(trained, 1e-9):.1f} per second)")


def _settle(app, seconds: float) -> None:
    """Let queued signals and paints run."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":      # pragma: no cover
    from rbm_gui.cli import main
    sys.exit(main(["screenshot", *sys.argv[1:]]))

"""What the live window costs: training speed with live views vs headless, GUI lateness, startup.

Run: ``python benchmarks/gui_overhead.py`` (offscreen unless QT_QPA_PLATFORM is set). Prints:

1. Throughput of the same training run (n_hidden=400, batch 100 unless --hidden/--batch-size; bundled MNIST sample, epoch
   metrics included in both) headless (``Trainer.step`` loop as the CLI does) and inside the
   window through the worker thread with the weights view updating live, interleaved
   (alternating which goes first). Target: window >= 90% of headless.
2. Lateness of a 10 ms QTimer on the GUI thread while the window trains. Target: p99 < 50 ms.
3. Time from starting ``python -m rbm_gui`` to the window shown (warm). Target: < 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402


def headless_run(config, data, batches: int) -> float:
    """Seconds for ``batches`` mini-batches plus epoch metrics, like the worker does."""
    from rbm_gui.engine.monitor import epoch_metrics
    from rbm_gui.engine.training import Trainer
    trainer = Trainer.create(data.train, config, data.image_shape)
    units = np.arange(min(100, config.n_hidden))
    t0 = time.perf_counter()
    for _ in range(batches):
        info = trainer.step()
        if info.epoch_ended:
            epoch_metrics(trainer.rbm, data.monitor_train, data.monitor_val)
            np.array(trainer.rbm.W[:, units])
    return time.perf_counter() - t0


def window_run(app, window, batches: int, lateness: list[float]) -> tuple[float, int]:
    """Seconds for the same run in the window (worker thread, live weights view); records timer lateness."""
    from PySide6.QtCore import QTimer
    window.reset()
    window.max_steps = batches
    frames0 = window.weights_view.updates
    timer = QTimer()
    timer.setInterval(10)
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - 0.010))
        last[0] = now

    timer.timeout.connect(tick)
    t0 = time.perf_counter()
    timer.start()
    window.train()
    while window.running:
        app.processEvents()
        time.sleep(0.001)       # the event loop's own idle wait, as app.exec() would do
    elapsed = time.perf_counter() - t0
    timer.stop()
    return elapsed, window.weights_view.updates - frames0


def startup_times(runs: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as cfg_home:
        env = dict(os.environ, RBM_GUI_EXIT_WHEN_SHOWN="1", XDG_CONFIG_HOME=cfg_home,
                   QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        for i in range(runs + 1):        # the first run warms the file cache and is dropped
            t0 = time.time()
            r = subprocess.run([sys.executable, "-m", "rbm_gui"], env=env, capture_output=True, text=True,
                               timeout=60)
            line = next((ln for ln in r.stdout.splitlines() if ln.startswith("rbm-gui-shown")), None)
            if r.returncode != 0 or line is None:
                raise RuntimeError(f"startup run failed ({r.returncode}): {r.stderr[-500:]}")
            if i:
                times.append(float(line.split()[1]) - t0)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=240, help="mini-batches per run (default 240 = 6 epochs)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved headless/window pairs")
    ap.add_argument("--startup-runs", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=400, help="hidden units (default 400)")
    ap.add_argument("--batch-size", type=int, default=100, help="mini-batch size (default 100)")
    args = ap.parse_args()

    from PySide6.QtCore import QSettings
    from rbm_gui.config import TrainingConfig
    from rbm_gui.ui.app import make_app
    from rbm_gui.ui.main_window import MainWindow
    from rbm_gui.app.data import DataOptions

    config = TrainingConfig(n_hidden=args.hidden, batch_size=args.batch_size, epochs=1000)
    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(settings=QSettings(os.path.join(tmp, "s.ini"), QSettings.IniFormat),
                            config=config, data_options=DataOptions())
        window.confirm = lambda *a: True
        window.ask_save = lambda *a: "discard"
        window.resize(1280, 820)
        window.show()
        window.show_tab("weights")
        data = window.session.data
        print(f"data: {len(data.train)} training digits, {len(data.val)} validation; n_hidden={args.hidden}, "
              f"batch {args.batch_size}, {args.batches} mini-batches per run "
              f"({args.batches * args.batch_size // len(data.train)} epochs, metrics at each)")
        head, win, lateness, frames = [], [], [], []
        for r in range(args.rounds):
            if r % 2 == 0:       # alternate which goes first, so order effects cancel
                head.append(headless_run(config, data, args.batches))
                t, f = window_run(app, window, args.batches, lateness)
            else:
                t, f = window_run(app, window, args.batches, lateness)
                head.append(headless_run(config, data, args.batches))
            win.append(t)
            frames.append(f / t)
            print(f"  round {r + 1}: headless {args.batches * 100 / head[-1]:8.0f} digits/s   "
                  f"window {args.batches * 100 / win[-1]:8.0f} digits/s   ratio {head[-1] / win[-1]:6.1%}   "
                  f"({f / t:.1f} mosaic redraws/s)")
        window.shutdown()
        window.close()
    h, w = statistics.median(head), statistics.median(win)
    ratio = statistics.median(a / b for a, b in zip(head, win))     # median of the paired ratios
    lat = np.array(lateness) * 1000
    try:
        load = " (load average %.1f on %d cores: other processes compete)" % (os.getloadavg()[0], os.cpu_count())
    except OSError:
        load = ""
    print(f"throughput in the window with live views: {100 * ratio:.1f}% of headless{load} "
          f"(median {args.batches * 100 / w:.0f} vs {args.batches * 100 / h:.0f} digits/s)  target >= 90%")
    print(f"10 ms QTimer lateness during training: median {np.median(lat):.2f} ms, p99 {np.percentile(lat, 99):.2f} ms, "
          f"max {lat.max():.2f} ms over {lat.size} ticks  target p99 < 50 ms")
    st = startup_times(args.startup_runs)
    print(f"start to window shown (python -m rbm_gui, warm): median {statistics.median(st):.3f} s, "
          f"max {max(st):.3f} s over {len(st)} runs  target < 1.5 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

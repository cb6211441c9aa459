"""What the window costs over the command line, as whole processes training the same mini-batches.

Run: ``python benchmarks/gui_overhead.py [--rounds 3] [--hidden 20 400]``. For each size it runs,
interleaved (the order rotates every round, so drifts of a shared machine cancel):

* window: ``python -m rbm_gui screenshot x.png --hidden N --train-batches B`` — the real window
  offscreen, with its live views and default metrics (time budget), until the final epoch's
  metrics are in; it prints how many mosaic frames were drawn while training;
* cli:    ``python -m rbm_gui train --hidden N --epochs E --quiet`` (metrics every epoch, in line);
* engine: a bare ``TrainingRun`` on the same prepared data, no metrics (a process of its own).

It prints the median seconds of each, the ratios window/cli and window/engine (target <= 1.25x
for window/cli), the CPU seconds of each process (on a shared machine wall time swings by 5x
between identical runs; CPU time much less) and the mosaic redraw rate while training (target
>= 10 per second).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: epochs per size: the issue's runs (20 epochs at 20 units, 8 at 400: 2,000 and 800 mini-batches of 50)
EPOCHS = {20: 20, 400: 8}
BATCHES_PER_EPOCH = 100          # 5,000 bundled training digits in mini-batches of 50 (the defaults)

ENGINE = """
import sys
from rbm_gui.app.data import DataOptions, prepare_data
from rbm_gui.config import TrainingConfig
from rbm_gui.engine.run import TrainingRun
from rbm_gui.engine.training import Trainer
cfg = TrainingConfig(n_hidden=int(sys.argv[1]), epochs=int(sys.argv[2]))
data = prepare_data(DataOptions(), seed=cfg.seed)
trainer = Trainer.create(data.trainer_data, cfg, data.image_shape)
for _ in TrainingRun(trainer):
    pass
"""


def run(cmd: list[str], cwd: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system, all threads) and stdout of one process."""
    env = dict(os.environ, PYTHONPATH=ROOT, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, r.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--hidden", type=int, nargs="+", default=[20, 400])
    args = ap.parse_args()
    py = sys.executable
    print(f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="rbm-gui-bench-") as tmp:
        for n in args.hidden:
            epochs = EPOCHS.get(n, 10)
            batches = epochs * BATCHES_PER_EPOCH
            cmds = {
                "window": [py, "-m", "rbm_gui", "screenshot", "x.png", "--hidden", str(n),
                           "--train-batches", str(batches)],
                "cli": [py, "-m", "rbm_gui", "train", "--hidden", str(n), "--epochs", str(epochs),
                        "--out", "x.npz", "--quiet"],
                "engine": [py, "-c", ENGINE, str(n), str(epochs)],
            }
            times: dict[str, list[float]] = {k: [] for k in cmds}
            cpus: dict[str, list[float]] = {k: [] for k in cmds}
            rates: list[float] = []
            trained: list[float] = []         # the window's training part (before its final metrics)
            order = list(cmds)
            for r in range(args.rounds):
                order = order[1:] + order[:1]          # rotate who goes first
                for name in order:
                    seconds, cpu, out = run(cmds[name], tmp)
                    times[name].append(seconds)
                    cpus[name].append(cpu)
                    m = re.search(r"\(([\d.]+) per second\)", out)
                    if name == "window" and m:
                        rates.append(float(m.group(1)))
                        trained.append(float(re.search(r"mini-batches in ([\d.]+) s", out).group(1)))
                print(f"  {n} units, round {r + 1}: "
                      + "  ".join(f"{k} {times[k][-1]:.2f} s ({cpus[k][-1]:.1f} s CPU)" for k in cmds)
                      + (f"  ({rates[-1]:.1f} mosaic redraws/s)" if rates else ""), flush=True)
            med = {k: statistics.median(v) for k, v in times.items()}
            w_cli = statistics.median(w / c for w, c in zip(times["window"], times["cli"]))
            w_eng = statistics.median(w / e for w, e in zip(times["window"], times["engine"]))
            print(f"{n} hidden units, {batches} mini-batches: window {med['window']:.2f} s, rbm-gui train "
                  f"{med['cli']:.2f} s, bare engine {med['engine']:.2f} s (medians of {args.rounds})")
            print(f"  window / rbm-gui train = {w_cli:.2f}x (target <= 1.25x)   window / bare engine = {w_eng:.2f}x")
            cpu = {k: statistics.median(v) for k, v in cpus.items()}
            print(f"  CPU seconds (all threads; less sensitive to other load): window {cpu['window']:.1f}, "
                  f"rbm-gui train {cpu['cli']:.1f}, bare engine {cpu['engine']:.1f}")
            if rates:
                print(f"  mosaic redraws while training: median {statistics.median(rates):.1f} per second "
                      f"(target >= 10); the window's training part took {statistics.median(trained):.2f} s "
                      f"(the rest of its time: start-up, the final epoch's metrics, the picture)")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

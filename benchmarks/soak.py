"""Soak test: train and dream alternately for a long time; resident memory must stay flat.

    python benchmarks/soak.py                 # 10 minutes, 400 hidden units, bundled digits
    python benchmarks/soak.py --minutes 3 --hidden 400 --limit-pct 5

Each round trains ``--chunk`` mini-batches on the bundled MNIST sample (the engine's Trainer,
looping epochs with a constant learning rate; at every epoch end a checkpoint is autosaved as the
window does, rbm_gui.io.checkpoint, in a temporary directory), then runs the dream chains
(DreamChains: 8 chains started from one digit per class, switched to the newest model,
``--dream-steps`` Gibbs steps, reading the images every step as the dream panel does). A monitor
thread prints the resident set size (from /proc/self/statm, or psutil) every minute and its growth
against the first minute's value.

Exit status 0 when the growth stayed within ``--limit-pct`` (default 5 %) at every minute, 1 when
it did not, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from rbm_gui.config import TrainingConfig  # noqa: E402
from rbm_gui.data import load_dataset  # noqa: E402
from rbm_gui.engine.dream import DreamChains, single_blas_thread, start_digits  # noqa: E402
from rbm_gui.engine.training import Trainer  # noqa: E402
from rbm_gui.io.checkpoint import CheckpointStore  # noqa: E402
from rbm_gui.app.data import DataOptions, prepare_data
from rbm_gui.session import to_saved  # noqa: E402


def rss_bytes() -> int:
    """Resident set size of this process."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import psutil   # not Linux: psutil (pip install psutil) is needed
        return psutil.Process().memory_info().rss


def mb(n: int) -> str:
    return f"{n / 2**20:7.1f} MB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    p.add_argument("--hidden", type=int, default=400, help="hidden units (default 400)")
    p.add_argument("--chunk", type=int, default=50, help="mini-batches trained per round (default 50)")
    p.add_argument("--dream-steps", type=int, default=50, help="Gibbs steps of the dream chains per round (default 50)")
    p.add_argument("--limit-pct", type=float, default=5.0, help="allowed growth over the first minute, %% (default 5)")
    p.add_argument("--interval", type=float, default=60.0, help="seconds between memory reports (default 60)")
    p.add_argument("--all-blas-threads", action="store_true",
                   help="let OpenBLAS use every core (default: one BLAS thread via threadpoolctl, which is "
                        "10x faster on a busy 2-core machine and what the dream export uses)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.chunk < 1 or args.dream_steps < 0 or args.interval <= 0 or args.minutes * 60 < 2 * args.interval:
        p.error("--minutes must cover at least two report intervals")

    data = prepare_data(DataOptions("mnist-sample"), seed=args.seed)
    test = load_dataset("mnist-sample", "test")
    config = TrainingConfig(n_hidden=args.hidden, epochs=100_000, lr_schedule="constant",
                            learning_rate=0.05, batch_size=20, seed=args.seed)
    trainer = Trainer.create(data.train, config, data.image_shape)
    rng = np.random.default_rng(args.seed)
    starts = start_digits(test.images.reshape(test.n, -1), test.labels, "per-class", n_chains=8, rng=rng)
    chains = DreamChains(trainer.rbm.snapshot(), starts, seed=args.seed)
    history: dict[str, list[float]] = {"epoch": [], "seconds": []}

    print(f"soak: {args.minutes:g} min, {args.hidden} hidden units, {data.train.shape[0]} digits, "
          f"{trainer.n_batches} batches/epoch; rounds of {args.chunk} batches + {args.dream_steps} dream steps; "
          f"limit +{args.limit_pct:g} % over minute 1", flush=True)
    print(f"start   RSS {mb(rss_bytes())}", flush=True)

    n_reports = max(2, round(args.minutes * 60 / args.interval))
    reports: list[int] = []
    done = threading.Event()
    counters = {"epochs": 0, "dream_steps": 0}
    t0 = time.monotonic()

    def monitor() -> None:
        # A thread, so reports come on time however long a training chunk takes (numpy's BLAS
        # releases the GIL). Reading /proc/self/statm allocates nothing that stays.
        for k in range(1, n_reports + 1):
            if done.wait(max(0.0, t0 + k * args.interval - time.monotonic())):
                return
            rss = rss_bytes()
            reports.append(rss)
            growth = 100.0 * (rss - reports[0]) / reports[0]
            tag = "(baseline)" if k == 1 else f"growth {growth:+6.2f} % vs minute 1"
            print(f"minute {k * args.interval / 60:5.2f}  RSS {mb(rss)}  {tag}  "
                  f"[{counters['epochs']} epochs, {counters['dream_steps']} dream steps]", flush=True)
        done.set()

    thread = threading.Thread(target=monitor, name="soak-monitor", daemon=True)
    thread.start()
    with contextlib.ExitStack() as stack:
        if not args.all_blas_threads:
            stack.enter_context(single_blas_thread())
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="rbm-gui-soak-"))
        store = CheckpointStore(Path(tmp) / "autosave")
        store.begin_session()
        t_epoch = time.monotonic()
        while not done.is_set():
            for _ in range(args.chunk):                 # train a chunk of mini-batches ...
                info = trainer.step()
                if info.epoch_ended:                    # ... autosaving at each epoch end
                    counters["epochs"] += 1
                    history["epoch"].append(float(trainer.epoch))
                    history["seconds"].append(time.monotonic() - t_epoch)
                    t_epoch = time.monotonic()
                    store.save(to_saved(trainer.rbm, config, history, data.spec, trainer.epoch))
            chains.set_model(trainer.rbm.snapshot())    # ... then dream with the newest model
            if chains.step_count > 5_000:
                chains.reset()
            for _ in range(args.dream_steps):
                chains.step()
                frame = chains.images("probs")          # what the panel draws each step
                assert frame.shape[0] == 8
            counters["dream_steps"] += args.dream_steps
        store.end_session()
    thread.join()

    growths = [100.0 * (r - reports[0]) / reports[0] for r in reports[1:]]
    worst = max(growths)
    ok = worst <= args.limit_pct
    print(f"soak: {'PASS' if ok else 'FAIL'}: largest growth {worst:+.2f} % (limit {args.limit_pct:g} %), "
          f"final {growths[-1]:+.2f} %; {counters['epochs']} epochs, {counters['dream_steps']} dream steps, "
          f"{(time.monotonic() - t0) / 60:.1f} min", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

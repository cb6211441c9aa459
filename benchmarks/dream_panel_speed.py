"""The dream panel's cost per Gibbs step with the steering controls on, against the bare engine step
in the same run: 16 chains, a labelled model of 500 hidden units (label clamped, half the pixels
clamped, T = 0.8, tempering with the K a clamped label switches on: 8, or --tempering-k), idle and while a training thread runs a model of the same size.

Three figures per case, in the same run:
* engine: DreamChains.step alone (one BLAS thread, as the panel runs it), ms per step;
* fixed: the panel forced to 2 steps per redraw (= 60 redraws/s at 120 steps/s): DreamView.step(2)
  (the state's steps, P(y|v) for the class timeline, the view's drawing) + the Qt event loop
  (painting), ms per step and the steps/s that would allow;
* played: the real panel playing at 120 steps/s for --seconds under its own QTimer (the state's
  clock-driven tick, the view's redraw pacing): steps/s reached, redraws/s, the share of the wall
  time its ticks and paints took (the view's own count) and the GUI thread's CPU time / wall time.

Usage: QT_QPA_PLATFORM=offscreen python benchmarks/dream_panel_speed.py [--hidden 500] [--steps 240] [--tempering-k K]
       [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import threading
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def labelled(n_hidden: int, rng) -> "RBM":
    from rbm_gui.engine.rbm import RBM
    return RBM(rng.normal(0, 0.05, (784, n_hidden)).astype(np.float32), np.full(784, -1.0, np.float32),
               np.zeros(n_hidden, np.float32), (28, 28), rng.normal(0, 0.5, (10, n_hidden)).astype(np.float32),
               np.zeros(10, np.float32)).snapshot()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=500)
    ap.add_argument("--steps", type=int, default=240)
    ap.add_argument("--tempering-k", type=int, default=None,
                    help="temperatures of the steered panel (default: the panel's, as a clamped label sets it)")
    # long enough that the steps due in the last, unfinished tick (up to 67 ms when redraws slow down)
    # do not show as a lower rate: 3 s read 117 steps/s where 10 s read 119.5 for the same panel
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds of play per measurement")
    args = ap.parse_args()
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from rbm_gui.app.data import DataOptions, prepare_data
    from rbm_gui.app.dream_state import DreamState
    from rbm_gui.app.session import Session
    from rbm_gui.config import TrainingConfig
    from rbm_gui.data import load_dataset
    from rbm_gui.engine.blas import single_blas_thread
    from rbm_gui.engine.rbm import RBM
    from rbm_gui.engine.training import Trainer
    from rbm_gui.ui.views.dream_view import DreamView

    rng = np.random.default_rng(0)
    data = prepare_data(DataOptions(max_train=300, n_val=100))

    def panel_for(rbm, steer: bool):
        session = Session(data=data)
        session.model = rbm
        session.model_replaced.emit(rbm)
        state = DreamState(session, n_chains=16)
        view = DreamView(state)
        view.resize(1280, 760)
        view.show()
        app.processEvents()
        if steer:
            state.controls.update(label=3, temperature=0.8)       # a clamped label switches tempering on
            if args.tempering_k:
                state.controls.update(tempering=True, tempering_k=args.tempering_k)
            state.controls.preset("top")
        return state, view

    lab = labelled(args.hidden, rng)
    plain_rbm = RBM(lab.W, lab.b, lab.c, (28, 28)).snapshot()
    panels = {"plain": panel_for(plain_rbm, False), "steered": panel_for(lab, True)}
    print(f"{args.hidden} hidden units, 16 chains, {args.steps} steps. plain = unlabelled model, no control "
          f"(the panel before steering); steered = labelled, label 3, top half clamped, T 0.8, tempering K "
          f"{panels['steered'][0].controls.tempering_k} (not applied: {sorted(panels['steered'][0].unsteered) or 'none'})")

    def engine(state) -> float:
        chains = state.chains
        t0 = time.perf_counter()
        with single_blas_thread():
            chains.step(args.steps)
        return (time.perf_counter() - t0) / args.steps

    def panel(view) -> float:
        view.show()
        t0 = time.perf_counter()
        for _ in range(args.steps // 2):     # 120 steps/s at 60 redraws/s: 2 steps per redraw
            view.step(2)
            app.processEvents()
        view.hide()
        return (time.perf_counter() - t0) / (args.steps // 2 * 2)

    def played(state, view) -> tuple[float, float, float]:
        view.show()
        state.update(speed=120, stop_after=100_000)
        state.reset()
        busy = lambda: getattr(view, "busy_seconds", float("nan"))    # noqa: E731 (older panels: none)
        s0, f0, b0 = state.step_count, view.frames_drawn, busy()
        loop = QEventLoop()
        QTimer.singleShot(int(args.seconds * 1000), loop.quit)
        t0, c0 = time.perf_counter(), time.thread_time()
        view.play()
        loop.exec()
        wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
        view.pause()
        view.hide()
        return ((state.step_count - s0) / wall, (view.frames_drawn - f0) / wall, (busy() - b0) / wall, cpu / wall)

    def report(tag: str) -> None:
        for name, (state, view) in panels.items():
            e, p = engine(state), panel(view)
            rate, fps, busy, cpu = played(state, view)
            print(f"{tag:>8} {name:>7}: engine step {e * 1e3:5.2f} ms | fixed 2 steps/redraw {p * 1e3:5.2f} ms/step"
                  f" -> {1 / p:4.0f} steps/s | played at 120: {rate:5.1f} steps/s, {fps:4.1f} redraws/s, GUI thread"
                  f" busy {busy:4.0%} of the time, CPU {cpu:4.0%} (target 120 steps/s)", flush=True)

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    report("idle")
    stop = threading.Event()
    trainer = Trainer.create(load_dataset("mnist-sample", "train").binarize(),
                             TrainingConfig(n_hidden=args.hidden, epochs=10_000))

    def train():
        with trainer:
            while not stop.is_set():
                trainer.step()
    t = threading.Thread(target=train, daemon=True)
    t.start()
    time.sleep(0.5)
    try:
        report("training")
    finally:
        stop.set()
        t.join()
    for _state, view in panels.values():
        view.shutdown()


if __name__ == "__main__":
    main()

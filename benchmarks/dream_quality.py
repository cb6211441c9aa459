"""Dream quality: an independent digit classifier judges steered dreams (issue 13, item 5).

The judge is scikit-learn's MLPClassifier trained on the 5,000 bundled training digits (grey levels
/ 255; its test accuracy is printed); it never sees the models under test. The models are trained
here with the default settings of ``rbm-gui train`` (``TrainingConfig()``, 20 epochs on the
bundled digits), only the hidden-unit count changed; nothing is cached.

Printed:

1. label-clamped dreams (labelled model, 16 chains per digit started from noise, --label-steps steps):
   the share of frames after step 50 judged to be the asked digit (and digit-like, see 2.), per digit
   (every setting starts from the same noise; a "before" row: the old default, strength 4 with the label
   tempered in the hot replicas too);
2. free dreams of a 400-unit model, 16 chains x 1,000 steps all started from ONE test digit (a 3):
   normalised entropy of the judged classes (1.0 = all ten equally often), the share of frames
   judged to be that start digit, and the share that look like a digit at all (P(some digit)
   >= 0.8 by a judge that also learnt an eleventh class of non-digits; for scale the same share is printed for test digits and for random noise);
   2b (part balance). the same model's own class balance: tempered chains from noise, long run;
3. top-half inpainting of test digits (top 14 rows clamped, 4 chains per digit): judged accuracy of
   the completions (one chain's last frame; its completion, the mean of P(v|h) after step 50 that
   ``rbm-gui dream --clamp`` shows; the mean over the 4 chains) beside that of the half-blank inputs;
4. steps/s of DreamChains with 16 chains at 500 units, plain and with tempering.

Each part is run plain (Gibbs at T=1) and with the steering settings (the CLI's defaults for --label
and --clamp: tempering with 8 temperatures; label strengths --strengths, the CLI's default 3 among
them; free dreams: tempering or --wander 1), so the gain is measured in the same run. The labelled model is the one of ``rbm-gui train --labels
--hidden 500`` (the labelled trainer's defaults, ``TrainingConfig(labels=True)``), trained here or read
from --labelled-model; part 3 is also run on it with the label units sampled freely
(inpaint-labelled): the label group can carry the digit's identity from the clamped half.

Usage: OPENBLAS_NUM_THREADS=1 python benchmarks/dream_quality.py [--parts label,free,balance,inpaint,inpaint-labelled,speed]
       [--seed 0] [--strengths 2,3,4] [--labelled-model FILE]
(one BLAS thread: on the shared 2-core machine two threads per process spun against the other jobs and
the judge's training took minutes instead of seconds)
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset
from rbm_gui.engine.dream import DreamChains
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.steer import clamp_mask
from rbm_gui.engine.training import Trainer

CONFIDENT = 0.8


NONE = 10       # the judge's eleventh class: "not a digit"


def not_digits(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Images that are no digit: pixel-shuffled digits (same ink, no strokes), random noise of
    random density, two different digits drawn over each other, and broken digits (strokes cut
    into fragments: 4x4 blocks erased at random, 30-60% of them)."""
    n = x.shape[0] // 4
    shuffled = np.stack([rng.permutation(row) for row in x[:n]])
    noise = (rng.random((n, x.shape[1])) < rng.uniform(0.02, 0.5, (n, 1))).astype(x.dtype)
    a, b = rng.integers(0, x.shape[0], (2, n))
    overlaid = np.maximum(x[a], np.roll(x[b], rng.integers(-4, 5), axis=1))
    side = int(round(np.sqrt(x.shape[1])))
    keep = rng.random((n, side // 4, side // 4)) > rng.uniform(0.3, 0.6, (n, 1, 1))
    blocks = np.kron(keep, np.ones((4, 4)))[:, :side, :side].reshape(n, -1)
    broken = x[rng.integers(0, x.shape[0], n)] * blocks
    return np.concatenate([shuffled, noise, overlaid, broken])


def judge_model(train) -> object:
    """MLP on the bundled training digits plus an eleventh class of images that are no digit."""
    from sklearn.neural_network import MLPClassifier
    x = train.images.reshape(train.n, -1) / 255.0
    junk = not_digits(x, np.random.default_rng(0))
    clf = MLPClassifier(hidden_layer_sizes=(256,), max_iter=60, random_state=0)
    clf.fit(np.concatenate([x, junk]), np.concatenate([train.labels, np.full(len(junk), NONE)]))
    return clf


def trained_rbm(data: np.ndarray, n_hidden: int, seed: int) -> RBM:
    trainer = Trainer.create(data, TrainingConfig(n_hidden=n_hidden, seed=seed))
    while not trainer.finished:
        trainer.step()
    trainer.close()
    return trainer.rbm


def labelled_rbm(train, n_hidden: int, seed: int, path: str | None = None) -> RBM:
    """The labelled model of ``rbm-gui train --labels --hidden n_hidden`` on the bundled digits (the
    labelled trainer's defaults), or the one saved in ``path`` (a model file of that command)."""
    if path:
        from rbm_gui.io.model_file import load_model
        m = load_model(path)
        return RBM(m.W, m.b, m.c, train.image_shape, U=m.U, d=m.d)
    trainer = Trainer.create(train.binarize(128), TrainingConfig(n_hidden=n_hidden, seed=seed, labels=True),
                             train.image_shape, labels=train.labels)
    while not trainer.finished:
        trainer.step()
    trainer.close()
    return trainer.rbm


def run(chains: DreamChains, steps: int, every: int = 1) -> np.ndarray:
    """(frames, n_chains, n_visible) probabilities of steps every, 2*every, ..."""
    out = []
    while chains.step_count < steps:
        chains.step(every)
        out.append(chains.probs.copy())
    return np.stack(out)


def judged(clf, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the most likely DIGIT of each frame, whether the frame looks like a digit at all: the judge gives
    its digit classes together at least CONFIDENT)."""
    p = clf.predict_proba(frames.reshape(-1, frames.shape[-1]))
    digit = p[:, :NONE].argmax(1).reshape(frames.shape[:-1])
    return digit, (p[:, :NONE].sum(1) >= CONFIDENT).reshape(frames.shape[:-1])


def entropy(classes: np.ndarray) -> float:
    f = np.bincount(classes.reshape(-1), minlength=10)[:10] / classes.size
    f = f[f > 0]
    return float(-(f * np.log(f)).sum() / np.log(10))


def part_label(clf, model: RBM, settings: dict[str, dict], steps: int, seed: int) -> None:
    print(f"\n1. label-clamped dreams from noise, 16 chains x {steps} steps, share of frames after step 50 "
          "judged to be the asked digit")
    print(f"   {'settings':<40}" + "".join(f"{d:>6}" for d in range(10)) + "   min")
    for name, kw in settings.items():
        shares = []
        rng = np.random.default_rng(seed)          # every setting starts from the same noise
        for digit in range(10):
            noise = (rng.random((16, model.n_visible)) < 0.5).astype(np.float32)
            frames = run(DreamChains(model, noise, seed + digit, label=digit, **kw), steps)
            cls, digit_like = judged(clf, frames[50:])
            shares.append(float(((cls == digit) & digit_like).mean()))
        print(f"   {name:<40}" + "".join(f"{s:6.2f}" for s in shares) + f"{min(shares):6.2f}", flush=True)


def part_free(clf, model: RBM, test, settings: dict[str, dict], steps: int, seed: int) -> None:
    idx = int(np.flatnonzero(test.labels == 3)[0])
    start = np.repeat(test.binarize(128)[idx:idx + 1].astype(np.float32), 16, axis=0)
    digits = test.images.reshape(test.n, -1)[:2000] / 255.0
    noise = np.random.default_rng(seed).random((2000, model.n_visible))
    print(f"\n2. free dreams, {model.n_hidden} hidden units, 16 chains x {steps} steps from test digit #{idx} (a 3)")
    junk = not_digits(digits, np.random.default_rng(seed + 1))
    print(f"   (judged digit-like: {np.mean(judged(clf, digits[None])[1]):.2f} of test digits, "
          f"{np.mean(judged(clf, noise[None])[1]):.2f} of uniform noise, {np.mean(judged(clf, junk[None])[1]):.2f} "
          "of shuffled / noisy / overlaid test digits)")
    print(f"   {'settings':<28}{'entropy':>9}{'stay a 3':>10}{'digit-like':>12}   swap rates")
    for name, kw in settings.items():
        chains = DreamChains(model, start, seed, **kw)
        cls, conf = judged(clf, run(chains, steps))
        rates = "" if chains.swap_rates is None else " ".join(f"{r:.2f}" for r in chains.swap_rates)
        print(f"   {name:<28}{entropy(cls):9.2f}{np.mean(cls == 3):10.2f}{np.mean(conf):12.2f}   {rates}",
              flush=True)


def part_balance(clf, model: RBM, steps: int, seed: int) -> None:
    """The model's own class balance: 16 chains from noise, parallel tempering with 16 temperatures up
    to T=4 (mixes better than the dreams' 8 up to 2), frames after step 500 judged. An exact sampler
    of the model shows at best this entropy, whatever its start."""
    noise = (np.random.default_rng(seed).random((16, model.n_visible)) < 0.5).astype(np.float32)
    chains = DreamChains(model, noise, seed, tempering=16, hottest=4.0)
    cls, conf = judged(clf, run(chains, steps, every=5)[500 // 5:])
    share = np.bincount(cls.reshape(-1), minlength=10)[:10] / cls.size
    print(f"\n2b. the model's own class balance: 16 chains from noise, tempering 16 up to T=4, frames 500-{steps}:"
          f"\n   entropy {entropy(cls):.2f}, digit-like {np.mean(conf):.2f}; share per digit "
          + " ".join(f"{d}:{f:.2f}" for d, f in enumerate(share)), flush=True)


def part_inpaint(clf, model: RBM, test, settings: dict[str, dict], steps: int, n: int, seed: int) -> None:
    """4 chains per test digit; completions: one chain's last frame, its ``DreamChains.completion``
    (the mean of P(v|h) after step MEAN_FROM: what ``rbm-gui dream --clamp`` shows and writes), and
    the mean of the 4 chains' completions."""
    mask = clamp_mask("top", test.image_shape)
    x = test.binarize(128)[:n].astype(np.float32)
    y = test.labels[:n]
    half = x.copy()
    half[:, ~mask] = 0
    kind = f"labelled, {model.n_hidden}" if model.n_labels else str(model.n_hidden)
    print(f"\n3. top-half inpainting of the first {n} test digits ({kind} hidden units, {steps} steps, "
          "4 chains per digit)")
    print(f"   half-blank inputs judged right: {np.mean(judged(clf, half[None])[0][0] == y):.3f}; "
          f"whole digits: {np.mean(judged(clf, x[None])[0][0] == y):.3f}")
    print(f"   {'settings':<28}{'last frame':>11}{'completion':>11}{'4 chains':>10}")
    for name, kw in settings.items():
        last, mean, mean4 = [], [], []
        for a in range(0, n, 4):
            chains = DreamChains(model, np.repeat(half[a:a + 4], 4, axis=0), seed + a, clamp=mask, **kw)
            chains.step(steps)
            per_digit = chains.completion.reshape(-1, 4, model.n_visible)       # (digit, chain, pixels)
            last.append(chains.probs.reshape(-1, 4, model.n_visible)[:, 0])
            mean.append(per_digit[:, 0])
            mean4.append(per_digit.mean(axis=1))
        right = [np.mean(judged(clf, np.concatenate(f)[None])[0][0] == y) for f in (last, mean, mean4)]
        print(f"   {name:<28}{right[0]:11.3f}{right[1]:11.3f}{right[2]:10.3f}", flush=True)


def _steps_per_second(model: RBM, kw: dict, seconds: float) -> float:
    start = (np.random.default_rng(0).random((16, model.n_visible)) < 0.2).astype(np.float32)
    chains = DreamChains(model, start, 0, **kw)
    chains.step(10)
    t, n = time.perf_counter(), 0
    while time.perf_counter() - t < seconds:
        chains.step(10)
        n += 10
    return n / (time.perf_counter() - t)


def part_speed(model: RBM, train_data: np.ndarray, settings: dict[str, dict], seconds: float = 3.0) -> None:
    """Steps/s alone, then while a 500-unit model trains on another thread (as in the window)."""
    import threading
    from rbm_gui.engine.dream import single_blas_thread
    print(f"\n4. dream steps/s, 16 chains, {model.n_hidden} hidden units, one BLAS thread as the panel's worker "
          f"(load average {os.getloadavg()[0]:.1f}; the panel needs 120)")
    stop = threading.Event()

    def train() -> None:
        trainer = Trainer.create(train_data, TrainingConfig(n_hidden=500, epochs=1000))
        with trainer:
            while not stop.is_set():
                trainer.step()
    print(f"   {'settings':<28}{'alone':>8}{'training':>10}")
    alone = {}
    with single_blas_thread():
        for name, kw in settings.items():
            alone[name] = _steps_per_second(model, kw, seconds)
    worker = threading.Thread(target=train, daemon=True)
    worker.start()
    time.sleep(1.0)
    try:
        with single_blas_thread():
            for name, kw in settings.items():
                print(f"   {name:<28}{alone[name]:8.0f}{_steps_per_second(model, kw, seconds):10.0f}", flush=True)
    finally:
        stop.set()
        worker.join()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", default="label,free,balance,inpaint,inpaint-labelled,speed")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=1000, help="steps of the free dreams")
    ap.add_argument("--label-steps", type=int, default=300)
    ap.add_argument("--balance-steps", type=int, default=3000, help="steps of the class-balance run (part balance)")
    ap.add_argument("--inpaint", type=int, default=480, help="test digits to inpaint (a multiple of 4)")
    ap.add_argument("--inpaint-steps", type=int, default=100)
    ap.add_argument("--strengths", default="2,3,4", help="label strengths tried with tempering 8")
    ap.add_argument("--labelled-model", default=None, metavar="FILE",
                    help="a model file of `rbm-gui train --labels --hidden 500` instead of training one here")
    args = ap.parse_args()
    parts = args.parts.split(",")
    t0 = time.perf_counter()
    train, test = load_dataset("mnist-sample", "train"), load_dataset("mnist-sample", "test")
    clf = judge_model(train)
    print(f"judge: MLP (256 hidden) on {train.n} bundled training digits, test accuracy "
          f"{clf.score(test.images.reshape(test.n, -1) / 255.0, test.labels):.3f} ({time.perf_counter() - t0:.0f} s)")
    plain = {"plain Gibbs": {}}
    labelled = None
    if "label" in parts or "inpaint-labelled" in parts:
        t1 = time.perf_counter()
        labelled = labelled_rbm(train, 500, args.seed, args.labelled_model)
        print(f"labelled model: {labelled.n_hidden} hidden units, {labelled.n_labels} labels, "
              f"{'from ' + args.labelled_model if args.labelled_model else 'trained here'} "
              f"({time.perf_counter() - t1:.0f} s)", flush=True)
    if "label" in parts:
        steered = {f"tempering 8, strength {a:g}": {"tempering": 8, "label_strength": a}
                   for a in (float(x) for x in args.strengths.split(","))}
        # before the label was kept at T in the hot replicas: strength 4, label tempered with the rest
        before = {"before: strength 4, label tempered too": {"tempering": 8, "label_strength": 4.0,
                                                             "temper_label": True}}
        part_label(clf, labelled, {**plain, **before, **steered}, args.label_steps, args.seed)
    if "free" in parts or "inpaint" in parts or "balance" in parts:
        m400 = trained_rbm(train.binarize(128), 400, args.seed)
    if "free" in parts:
        part_free(clf, m400, test, {**plain, "tempering 8": {"tempering": 8}, "wander 0.5": {"wander": 0.5},
                                    "wander 1 (--wander 1)": {"wander": 1.0}, "wander 2": {"wander": 2.0}},
                  args.steps, args.seed)
    if "balance" in parts:
        part_balance(clf, m400, args.balance_steps, args.seed)
    if "inpaint" in parts:
        part_inpaint(clf, m400, test, {**plain, "tempering 8": {"tempering": 8}}, args.inpaint_steps,
                     args.inpaint, args.seed)
    if "inpaint-labelled" in parts:
        part_inpaint(clf, labelled, test, {"plain Gibbs, free label": {}, "tempering 8, free label": {"tempering": 8}},
                     args.inpaint_steps, args.inpaint, args.seed)
    if "speed" in parts:
        m500 = trained_rbm(train.binarize(128)[:500], 500, args.seed)
        part_speed(m500, train.binarize(128), {**plain, "tempering 4": {"tempering": 4}, "tempering 8": {"tempering": 8},
                                               "wander 1": {"wander": 1.0}})
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

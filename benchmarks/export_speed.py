"""Time and size of the dream export: 1,000 Gibbs steps of 8 chains at n_hidden=400, GIF and MP4.

Targets: under 10 s each (issue 5); the GIF under 15 MB (issue 11). Printed separately:

* generation — running the chains (``dream_frames``: 1,000 Gibbs steps of 8 chains, as images);
* encoding — composing the frames (mosaic, ink greys, x8 upscaling, step number) and writing the
  file, from frames already in memory;
* end to end — the streamed export as ``rbm-gui dream`` runs it (generation + encoding together);
* file sizes: the compact GIF (the default), the exact GIF (``--exact-gif``), the MP4, and the GIF as
  the first release wrote it (every frame whole, 256 greys: the baseline, re-created here).

The model: by default a random-but-realistic one (W ~ N(0, 0.05^2), visible biases = the data's
log-odds, hidden biases 0), whose chains wander through grey, noisy states — harder to compress
than a trained model's crisp digits, so a pessimistic case. ``--model FILE.npz`` uses a real model.
The machine is shared; each measurement is repeated and the best time printed.

Usage: python benchmarks/export_speed.py [--steps 1000] [--scale 8] [--repeats 2] [--model M.npz]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from rbm_gui.data import load_dataset
from rbm_gui.engine.dream import start_digits
from rbm_gui.engine.dream_frames import dream_frames, n_dream_frames
from rbm_gui.engine.rbm import RBM
from rbm_gui.io.export import compose_frame, export_animation, mp4_available


def first_release_gif(frames, path: Path, fps: float, scale: int) -> None:
    """The baseline: every frame written whole with the 256 greys (the first release's GIF writer)."""
    from PIL import GifImagePlugin, Image
    palette = bytes(np.repeat(np.arange(256, dtype=np.uint8), 3))
    duration = max(20, int(round(100.0 / fps)) * 10)
    with open(path, "wb") as fh:
        for k, (step, images) in enumerate(frames):
            frame = compose_frame(images, scale=scale, step=step)
            im = Image.frombytes("P", (frame.shape[1], frame.shape[0]), frame.tobytes())
            im.putpalette(palette)
            if k == 0:
                for chunk in GifImagePlugin.getheader(im, None, {"loop": 0, "duration": duration})[0]:
                    fh.write(chunk)
            for chunk in GifImagePlugin.getdata(im, duration=duration, disposal=1):
                fh.write(chunk)
        fh.write(b";")


def random_model(n_hidden: int, data: np.ndarray, seed: int = 0) -> RBM:
    rng = np.random.default_rng(seed)
    p = np.clip(data.mean(axis=0), 1e-3, 1 - 1e-3)
    return RBM(rng.normal(0, 0.05, (data.shape[1], n_hidden)), np.log(p / (1 - p)), np.zeros(n_hidden), (28, 28))


def best(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--hidden", type=int, default=400)
    ap.add_argument("--scale", type=int, default=8)
    ap.add_argument("--fps", type=float, default=25)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--model", default=None, help="a model file instead of the random model")
    args = ap.parse_args()

    test = load_dataset("mnist-sample", "test")
    v = test.binarize()
    if args.model:
        from rbm_gui.io.model_file import load_model
        from rbm_gui.session import from_saved
        rbm = from_saved(load_model(args.model))
        what = f"model {args.model}"
    else:
        rbm = random_model(args.hidden, load_dataset("mnist-sample", "train").binarize())
        what = "random model W ~ N(0, 0.05^2)"
    starts = start_digits(v, test.labels, "given", [6, 4, 4, 0, 5, 4, 9, 2], rng=np.random.default_rng(0))
    n = n_dream_frames(args.steps)
    print(f"{args.steps} Gibbs steps of 8 chains, {rbm.n_hidden} hidden units ({what}); {n} frames at scale "
          f"{args.scale}, {args.fps:g} fps, best of {args.repeats}")

    t_gen, frames = best(lambda: list(dream_frames(rbm, starts, args.steps, seed=1)), args.repeats)
    print(f"  generation (chains -> images): {t_gen:6.2f} s  ({1000 * t_gen / n:.2f} ms/frame)")

    formats = [("GIF", "dream.gif", False), ("GIF exact", "exact.gif", True)]
    formats += [("MP4", "dream.mp4", False)] if mp4_available() else []
    if not mp4_available():
        print("  MP4: imageio-ffmpeg not installed, skipped")
    with tempfile.TemporaryDirectory() as tmp:
        for name, fname, exact in formats:
            out = Path(tmp) / fname

            def export(frames_iter):
                return export_animation(frames_iter, n, out, fps=args.fps, scale=args.scale, exact_gif=exact)
            t_enc, _ = best(lambda: export(iter(frames)), args.repeats)
            t_all, _ = best(lambda: export(dream_frames(rbm, starts, args.steps, seed=1)), args.repeats)
            size = os.path.getsize(out) / 1e6
            verdict = "OK" if t_all < 10 else "OVER the 10 s target"
            if name == "GIF":
                verdict += ", under 15 MB" if size < 15 else ", OVER 15 MB"
            print(f"  {name}: encoding {t_enc:6.2f} s ({1000 * t_enc / n:.2f} ms/frame), end to end "
                  f"{t_all:6.2f} s, {size:.1f} MB  [{verdict}]")
        base = Path(tmp) / "first-release.gif"
        t_base, _ = best(lambda: first_release_gif(iter(frames), base, args.fps, args.scale), 1)
        print(f"  GIF as the first release wrote it (baseline): encoding {t_base:6.2f} s, "
              f"{os.path.getsize(base) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

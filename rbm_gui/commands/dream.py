"""``rbm-gui dream``: export the "daydreaming" animation of a model as GIF, MP4 or PNG frames."""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from rbm_gui.commands.progress import ProgressBar

BLOG_DIGITS = "6,4,4,0,5,4,9,2"
#: mixed into --seed for picking the start digits, so picking and the chains use separate streams
PICK_STREAM = 0xD1617


def _label_list(text: str) -> list[int]:
    try:
        labels = [int(x) for x in text.replace(" ", "").split(",") if x != ""]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--digits wants comma-separated labels like {BLOG_DIGITS}, got {text!r}") from None
    if not labels:
        raise argparse.ArgumentTypeError("--digits needs at least one label")
    return labels


def add_parser(sub, name):
    from rbm_gui.commands.train import add_data_arguments
    p = sub.add_parser(
        name, help="export the dream animation (Gibbs chains) as GIF, MP4 or PNG frames",
        description="Give digits to a trained RBM and export the visible layer during alternating Gibbs "
                    "sampling (the blog's 'daydreaming' video): 8 chains in a 2 x 4 grid by default, one "
                    "frame per step, step 0 = the start digits. The same --seed gives the same frames.",
        epilog="Start digits: --digits lists LABELS (classes), not positions: for each label a digit of "
               "that class is taken from the TEST split of --data, chosen by --seed (the blog's video: "
               f"--digits {BLOG_DIGITS}). --per-class takes one random digit per class (0, 1, 2, ...), "
               "cycling to --chains chains; --noise starts from random pixels. Default: --per-class. "
               "Only the file named by --out is written: if it cannot be, the command fails with one line. "
               "GIFs are compact (about 4x smaller): 32 greys, and a pixel is redrawn at once when it "
               "shows more than 6/255 too much ink but only when it lacks more than 24/255, so only the faint "
               "halo around the strokes differs; --exact-gif keeps every grey and every change.")
    p.add_argument("model", metavar="MODEL.npz")
    start = p.add_mutually_exclusive_group()
    start.add_argument("--digits", type=_label_list, metavar="6,4,4,0,...",
                       help="labels of the start digits, one chain each (digits of those classes from the "
                            "test split, picked by --seed)")
    start.add_argument("--per-class", action="store_true", help="one random digit per class (the default)")
    start.add_argument("--noise", action="store_true", help="start from random noise (each pixel on with p=1/2)")
    p.add_argument("--chains", type=int, default=None, metavar="N",
                   help="number of chains, 1-16 (default 8; with --digits: the number of labels)")
    p.add_argument("--steps", type=int, default=1000,
                   help="Gibbs steps, 0-100,000 (default 1000); frames = steps/every + 1")
    p.add_argument("--every", type=int, default=1, metavar="K", help="one frame every K steps, 1-1000 (default 1)")
    p.add_argument("--fps", type=float, default=25, help="frames per second, 1-120 (default 25; GIF: at most 50)")
    p.add_argument("--scale", type=int, default=8, help="pixel upscaling factor, nearest-neighbour, 1-32 (default 8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the digit choice and of the chains (default 0)")
    add_data_arguments(p)
    p.add_argument("--show", choices=("probs", "samples"), default="probs",
                   help="draw P(v=1|h) (default) or the binary samples")
    p.add_argument("--no-step-number", action="store_true", help="do not draw the step number above the chains")
    p.add_argument("--exact-gif", action="store_true",
                   help="GIF: all 256 greys and every change (larger files; the default GIF is compact)")
    p.add_argument("--out", required=True, metavar="FILE.gif|FILE.mp4|DIR/",
                   help="output: .gif, .mp4, or a folder (ending in '/') for frame_00000.png ...")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    return p


def dream_starts(args, n_visible: int) -> np.ndarray:
    """The start states chosen by the arguments (see the command's help)."""
    from rbm_gui.data import load_dataset
    from rbm_gui.engine.dream import start_digits
    rng = np.random.default_rng([args.seed, PICK_STREAM])
    if args.digits is not None:
        if args.chains is not None and args.chains != len(args.digits):
            raise ValueError(f"--chains {args.chains} does not match the {len(args.digits)} labels given with --digits")
        mode, chains = "given", len(args.digits)
    else:
        mode, chains = ("random-noise" if args.noise else "per-class"), (8 if args.chains is None else args.chains)
    if mode == "random-noise":
        return start_digits(np.zeros((1, n_visible), np.uint8), None, mode, n_chains=chains, rng=rng)
    ds = load_dataset(args.data, "test")
    if ds.n_visible != n_visible:
        raise ValueError(f"the model has {n_visible} visible units but {args.data} images have {ds.n_visible} "
                         f"pixels ({ds.image_shape[0]}x{ds.image_shape[1]})")
    if ds.labels is None:
        raise ValueError(f"{args.data} has no labels: use --noise, or give a labelled data set")
    flat = ds.binarize(args.threshold)
    return start_digits(flat, ds.labels, mode, args.digits, n_chains=chains, rng=rng)


def run(args) -> int:
    from rbm_gui.engine.dream import dream_frames, n_dream_frames
    from rbm_gui.io.export import chain_columns
    from rbm_gui.commands.figure import check_limit, check_pixels
    from rbm_gui.io.export import ExportError, animation_format, export_animation, step_band_height
    from rbm_gui.io.model_file import load_model
    from rbm_gui.session import from_saved
    from rbm_gui.viz.mosaic import MosaicLayout

    check_limit(args.steps, "dream_steps", "--steps")
    check_limit(args.every, "dream_every", "--every")
    check_limit(args.scale, "dream_scale", "--scale")
    check_limit(args.fps, "dream_fps", "--fps")
    if args.chains is not None:
        check_limit(args.chains, "dream_chains", "--chains")
    if args.digits is not None:
        check_limit(len(args.digits), "dream_chains", "the number of --digits labels")
    out = args.out
    try:
        fmt = animation_format(out)
    except ExportError as exc:
        raise ValueError(str(exc)) from None

    rbm = from_saved(load_model(args.model))
    n_chains = len(args.digits) if args.digits is not None else (8 if args.chains is None else args.chains)
    grid = MosaicLayout(n_chains, chain_columns(n_chains), rbm.image_shape, 1).shape
    band = 0 if args.no_step_number else step_band_height(args.scale)
    check_pixels(grid[0] * args.scale + band, grid[1] * args.scale, "a frame", "lower --scale")
    starts = dream_starts(args, rbm.n_visible)
    n_frames = n_dream_frames(args.steps, args.every)
    frames = dream_frames(rbm, starts, args.steps, seed=args.seed, every=args.every, show=args.show)

    bar = ProgressBar(n_frames, "dream", stream=sys.stderr)
    if args.quiet:
        bar.enabled = False
    t0 = time.perf_counter()

    def export(path):
        return export_animation(frames, n_frames, path, fps=args.fps, scale=args.scale,
                                draw_step=not args.no_step_number, exact_gif=args.exact_gif,
                                progress=lambda d, t: bar.update(d, f"frame {d}/{t}", force=d == t))
    try:
        written = export(out)       # never another file: a failed MP4 is an error, not a GIF
    except ExportError as exc:
        bar.clear()
        print(f"rbm-gui: error: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.clear()
    if not args.quiet:
        kind = "PNG frames in" if fmt == "png" else os.path.splitext(str(written))[1][1:].upper()
        print(f"wrote {kind} {written}: {n_frames} frames of {starts.shape[0]} chains, "
              f"{args.steps} steps, seed {args.seed} ({time.perf_counter() - t0:.1f} s)")
    return 0

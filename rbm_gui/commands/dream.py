"""``rbm-gui dream``: export the "daydreaming" animation of a model as GIF, MP4 or PNG frames, or its
data as .npz (options of the steered dreams: ``dream_options.py``)."""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from rbm_gui.commands.progress import ProgressBar

from rbm_gui.commands import dream_options
from rbm_gui.commands.dream_options import PICK_STREAM, dream_starts  # noqa: F401  (tests and callers use them)

BLOG_DIGITS = "6,4,4,0,5,4,9,2"


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
        name, help="export the dream animation (Gibbs chains) as GIF, MP4 or PNG frames, or its data as .npz",
        description="Give digits to a trained RBM and export the visible layer during alternating Gibbs "
                    "sampling (the blog's 'daydreaming' video): 8 chains in a 2 x 4 grid by default, one "
                    "frame per step, step 0 = the start digits. The same --seed gives the same frames. "
                    "--label, --clamp, --temperature, --tempering and --wander steer the dream; --out FILE.npz writes "
                    "its data: 'probabilities' float32 and 'samples' uint8 (frames, chains, pixels), and for "
                    "labelled models 'label_probs' float32 (frames, chains, labels); 'completion' float32 (chains, "
                    "pixels) is each chain's mean of P(v=1|h) after step 50 (with --clamp: the inpainting).",
        epilog="Start digits: --digits lists LABELS (classes), not positions: for each label a digit of "
               "that class is taken from the --split (default test) of --data, chosen by --seed (the blog's video: "
               f"--digits {BLOG_DIGITS}); --index picks digits by position. --per-class takes one random digit "
               "per class (0, 1, 2, ...), cycling to --chains chains; --noise starts from random pixels. "
               "Default: --per-class (with --label: --noise). Chains: 1-16 in pictures, up to 10,000 in .npz. "
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
                   help="number of chains, 1-16, up to 10,000 for .npz (default 8; with --digits or --index: "
                        "the number of labels or positions)")
    p.add_argument("--steps", type=int, default=1000,
                   help="Gibbs steps, 0-100,000 (default 1000); frames = steps/every + 1")
    p.add_argument("--every", type=int, default=1, metavar="K", help="one frame every K steps, 1-1000 (default 1)")
    p.add_argument("--fps", type=float, default=25, help="frames per second, 1-120 (default 25; GIF: at most 50)")
    p.add_argument("--scale", type=int, default=8, help="pixel upscaling factor, nearest-neighbour, 1-32 (default 8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the digit choice and of the chains (default 0)")
    add_data_arguments(p)
    p.add_argument("--show", choices=("probs", "samples", "mean"), default=None,
                   help="draw P(v=1|h), the binary samples, or each chain's mean of P(v=1|h) after step 50 "
                        "(its completion: with --clamp, the model's best guess of the free pixels). Default: "
                        "mean with --clamp, probs otherwise")
    p.add_argument("--no-step-number", action="store_true", help="do not draw the step number above the chains")
    p.add_argument("--exact-gif", action="store_true",
                   help="GIF: all 256 greys and every change (larger files; the default GIF is compact)")
    dream_options.add_arguments(p, start)
    p.add_argument("--out", required=True, metavar="FILE.gif|FILE.mp4|DIR/|FILE.npz",
                   help="output: .gif, .mp4, a folder (ending in '/') for frame_00000.png ..., or .npz for the "
                        "dream's data")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    return p


def run(args) -> int:
    from rbm_gui.commands.figure import check_limit
    from rbm_gui.engine.dream import MAX_CHAINS, MAX_DATA_CHAINS
    from rbm_gui.engine.dream_frames import n_dream_frames
    from rbm_gui.io.model_file import load_model
    from rbm_gui.session import from_saved

    check_limit(args.steps, "dream_steps", "--steps")
    check_limit(args.every, "dream_every", "--every")
    check_limit(args.scale, "dream_scale", "--scale")
    check_limit(args.fps, "dream_fps", "--fps")
    dream_options.check_counts(args)
    data = dream_options.is_data_output(args.out)
    fmt = "npz" if data else _picture_format(args.out)

    rbm = from_saved(load_model(args.model))
    n_chains = dream_options.n_start_chains(args)
    n_frames = n_dream_frames(args.steps, args.every)
    if data:
        check_limit(n_frames * n_chains * rbm.n_visible, "dream_data_values", "frames x chains x pixels of the .npz")
    else:
        _check_frame_size(args, rbm, n_chains)
    controls = dream_options.controls(args, rbm)
    if args.show is None:
        args.show = "mean" if args.clamp is not None else "probs"
    starts = dream_starts(args, rbm.n_visible, MAX_DATA_CHAINS if data else MAX_CHAINS)

    bar = ProgressBar(n_frames, "dream", stream=sys.stderr)
    if args.quiet:
        bar.enabled = False
    t0 = time.perf_counter()
    try:
        if data:
            written = _write_data(args, rbm, starts, controls, bar)
        else:
            written = _write_pictures(args, rbm, starts, controls, n_frames, bar)
    except _ExportFailed as exc:
        bar.clear()
        print(f"rbm-gui: error: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.clear()
    if not args.quiet:
        kind = {"png": "PNG frames in", "npz": "dream data"}.get(fmt, os.path.splitext(str(written))[1][1:].upper())
        steer = ", ".join(f"{k} {v}" for k, v in (("label", args.label), ("clamp", args.clamp),
                                                  ("temperature", args.temperature if args.temperature != 1 else None),
                                                  ("tempering", controls["tempering"]),
                                                  ("wander", args.wander or None)) if v is not None)
        print(f"wrote {kind} {written}: {n_frames} frames of {starts.shape[0]} chains, "
              f"{args.steps} steps, seed {args.seed}{', ' + steer if steer else ''} ({time.perf_counter() - t0:.1f} s)")
    return 0


class _ExportFailed(Exception):
    pass


def _picture_format(out) -> str:
    from rbm_gui.io.export import ExportError, animation_format
    try:
        return animation_format(out)
    except ExportError as exc:
        raise ValueError(f"{exc} (or .npz for the dream's data)") from None


def _check_frame_size(args, rbm, n_chains: int) -> None:
    from rbm_gui.commands.figure import check_pixels
    from rbm_gui.io.export import chain_columns, step_band_height
    from rbm_gui.viz.mosaic import MosaicLayout
    grid = MosaicLayout(n_chains, chain_columns(n_chains), rbm.image_shape, 1).shape
    band = 0 if args.no_step_number else step_band_height(args.scale)
    check_pixels(grid[0] * args.scale + band, grid[1] * args.scale, "a frame", "lower --scale")


def _write_pictures(args, rbm, starts, controls, n_frames, bar):
    from rbm_gui.engine.dream_frames import dream_frames
    from rbm_gui.io.export import ExportError, export_animation
    frames = dream_frames(rbm, starts, args.steps, seed=args.seed, every=args.every, show=args.show, **controls)
    try:        # never another file: a failed MP4 is an error, not a GIF
        return export_animation(frames, n_frames, args.out, fps=args.fps, scale=args.scale,
                                draw_step=not args.no_step_number, exact_gif=args.exact_gif,
                                progress=lambda d, t: bar.update(d, f"frame {d}/{t}", force=d == t))
    except ExportError as exc:
        raise _ExportFailed(str(exc)) from None


def _write_data(args, rbm, starts, controls, bar):
    from rbm_gui.io.atomic import check_writable
    from rbm_gui.io.dream_data import write_dream_npz
    check_writable(args.out)

    def progress(done, total):
        bar.total = total
        bar.update(done, f"frame {done}/{total}", force=done == total)
    return write_dream_npz(args.out, rbm, starts, args.steps, seed=args.seed, every=args.every,
                           progress=progress, **controls)

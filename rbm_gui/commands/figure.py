"""``rbm-gui figure``: the blog's figures of a saved model as PNG or SVG (clean images, no window)."""

from __future__ import annotations

import numpy as np

KINDS = ("weights", "history", "reconstruction", "averages")


def check_limit(value, key: str, what: str) -> None:
    """ValueError (one line for the user) unless ``value`` lies in ``config.LIMITS[key]``."""
    from rbm_gui.config import LIMITS
    lo, hi = LIMITS[key]
    if not lo <= value <= hi:        # also refuses NaN
        got = f"{value:,}" if isinstance(value, int) else f"{value:g}"
        raise ValueError(f"{what} must be between {lo:,g} and {hi:,g}, got {got}")


def check_pixels(height: int, width: int, what: str, hint: str) -> None:
    """Refuse pictures beyond ``config.LIMITS["picture_pixels"]`` before any of them is drawn."""
    from rbm_gui.config import LIMITS
    hi = LIMITS["picture_pixels"][1]
    if height * width > hi:
        raise ValueError(f"{what} would be {width:,} x {height:,} pixels, more than the {hi:,.0f} allowed: {hint}")


def add_parser(sub, name):
    from rbm_gui.commands.train import add_data_arguments
    p = sub.add_parser(
        name, help="save a figure of a model (weights, history, reconstruction, averages) as PNG or SVG",
        description="Save one of the blog's figures of a saved model. weights: every hidden unit's weights "
                    "(Figure 5). history: the weights of the tracked units after each epoch, rows = epochs "
                    "(Figure 2; needs a model saved with its weight history). reconstruction: for each input "
                    "digit, a one-step reconstruction and the hidden units' weights with P(h=1|v) above and "
                    "a red border when it is >= --p-threshold (Figure 3). averages: inputs over their "
                    "averaged reconstructions (Figures 4 and 6). The digits are the first --count digits of "
                    "--split of --data.")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("model", metavar="MODEL.npz")
    add_data_arguments(p)
    p.add_argument("--split", choices=("train", "test"), default="test", help="split the digits come from (default test)")
    p.add_argument("--count", type=int, default=None, metavar="N",
                   help="number of digits, 1-200 (default 10 for reconstruction, 16 for averages)")
    p.add_argument("--scale", type=int, default=4, help="pixels per image pixel, 1-32 (default 4)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampled reconstructions (default 0)")
    p.add_argument("--cols", type=int, default=None, help="weights: tiles per row, 1-1000 (default: a square grid)")
    p.add_argument("--per-tile", action="store_true", help="weights: each tile its own grey range")
    p.add_argument("--p-threshold", type=float, default=0.5, metavar="P",
                   help="reconstruction: red border when P(h=1|v) >= P (default 0.5)")
    p.add_argument("--top-k", type=int, default=None, metavar="K",
                   help="reconstruction: show each row's K most probable units (default: all units up to "
                        "20 hidden units, else 10)")
    p.add_argument("--samples", type=int, default=100,
                   help="averages: reconstructions averaged, 1-10,000 (default 100)")
    p.add_argument("--out", required=True, metavar="FILE.png|FILE.svg")
    p.add_argument("--quiet", action="store_true", help="do not print the written path")
    return p


def build_figure(args):
    """The :class:`rbm_gui.viz.figures.Figure` the arguments ask for."""
    from rbm_gui.io.model_file import load_model
    from rbm_gui.session import from_saved
    from rbm_gui.viz import figures

    check_limit(args.scale, "figure_scale", "--scale")
    if args.cols is not None:
        check_limit(args.cols, "figure_cols", "--cols")
    if args.count is not None:
        check_limit(args.count, "figure_count", "--count")
    check_limit(args.samples, "figure_samples", "--samples")
    if args.top_k is not None:
        check_limit(args.top_k, "figure_top_k", "--top-k")
    saved = load_model(args.model)
    rbm = from_saved(saved)
    if args.kind == "weights":
        return figures.weights_figure(rbm.W, rbm.image_shape, cols=args.cols, scale=args.scale, per_tile=args.per_tile)
    if args.kind == "history":
        hist = saved.arrays.get("weight_history")
        if hist is None or np.asarray(hist).ndim != 3 or len(hist) == 0:
            raise ValueError(f"{args.model} has no weight history (it is saved by the window's training; "
                             f"try the 'weights' figure)")
        epochs = saved.meta.get("epochs_done")
        word = "epoch" if epochs is None or int(epochs) + 1 == len(hist) else "snapshot"
        fig = figures.tracked_history_figure(hist, saved.arrays.get("history_units"), rbm.image_shape,
                                             scale=args.scale, row_word=word)
        return fig

    from rbm_gui.data import load_dataset
    count = args.count if args.count is not None else (10 if args.kind == "reconstruction" else 16)
    ds = load_dataset(args.data, args.split)
    if ds.n == 0:
        raise ValueError(f"the {args.split} split of {args.data} holds no images: the {args.kind} figure "
                         f"needs at least one digit")
    if ds.n_visible != rbm.n_visible:
        raise ValueError(f"the model has {rbm.n_visible} visible units but {args.data} images have "
                         f"{ds.n_visible} pixels ({ds.image_shape[0]}x{ds.image_shape[1]})")
    digits = ds.subset(np.arange(min(count, ds.n))).binarize(args.threshold)
    rng = np.random.default_rng(args.seed)
    if args.kind == "reconstruction":
        if not 0 <= args.p_threshold <= 1:
            raise ValueError(f"--p-threshold must be between 0 and 1, got {args.p_threshold}")
        return figures.reconstruction_figure(rbm, digits, rng, threshold=args.p_threshold, top_k=args.top_k,
                                             scale=args.scale)
    check_limit(args.samples * len(digits), "figure_reconstructions",
                f"--samples x the {len(digits)} digits (reconstructions to average)")
    return figures.averages_figure(rbm, digits, n_samples=args.samples, rng=rng, scale=args.scale)


def run(args) -> int:
    from rbm_gui.viz.figures import save_figure
    if not str(args.out).lower().endswith((".png", ".svg")):
        raise ValueError(f"--out must end in .png or .svg, got {args.out!r}")
    fig = build_figure(args)
    check_pixels(fig.height, fig.width, f"the {args.kind} figure", "lower --scale" +
                 (" or --cols" if args.kind == "weights" else ""))
    path = save_figure(fig, args.out)
    if not args.quiet:
        print(f"wrote {path} ({fig.width}x{fig.height} pixels)")
    return 0

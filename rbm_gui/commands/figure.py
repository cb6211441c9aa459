"""``rbm-gui figure``: the blog's figures of a saved model as PNG or SVG (clean images, no window)."""

from __future__ import annotations

import numpy as np

KINDS = ("weights", "history", "reconstruction", "averages")


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
                   help="number of digits (default 10 for reconstruction, 16 for averages)")
    p.add_argument("--scale", type=int, default=4, help="pixels per image pixel (default 4)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampled reconstructions (default 0)")
    p.add_argument("--cols", type=int, default=None, help="weights: tiles per row (default: a square grid)")
    p.add_argument("--per-tile", action="store_true", help="weights: each tile its own grey range")
    p.add_argument("--p-threshold", type=float, default=0.5, metavar="P",
                   help="reconstruction: red border when P(h=1|v) >= P (default 0.5)")
    p.add_argument("--top-k", type=int, default=None, metavar="K",
                   help="reconstruction: show each row's K most probable units (default: all units up to "
                        "20 hidden units, else 10)")
    p.add_argument("--samples", type=int, default=100, help="averages: reconstructions averaged (default 100)")
    p.add_argument("--out", required=True, metavar="FILE.png|FILE.svg")
    p.add_argument("--quiet", action="store_true", help="do not print the written path")
    return p


def build_figure(args):
    """The :class:`rbm_gui.viz.figures.Figure` the arguments ask for."""
    from rbm_gui.io.model_file import load_model
    from rbm_gui.session import from_saved
    from rbm_gui.viz import figures

    if not 1 <= args.scale <= 64:
        raise ValueError(f"--scale must be between 1 and 64, got {args.scale}")
    saved = load_model(args.model)
    rbm = from_saved(saved)
    if args.kind == "weights":
        if args.cols is not None and args.cols < 1:
            raise ValueError("--cols must be at least 1")
        return figures.weights_figure(rbm.W, rbm.image_shape, cols=args.cols, scale=args.scale, per_tile=args.per_tile)
    if args.kind == "history":
        hist = saved.arrays.get("weight_history")
        if hist is None or np.asarray(hist).ndim != 3 or len(hist) == 0:
            raise ValueError(f"{args.model} has no weight history (it is saved by the window's training; "
                             f"try the 'weights' figure)")
        units = saved.arrays.get("history_units")
        units = np.arange(hist.shape[2]) if units is None else np.asarray(units).reshape(-1)
        if len(units) != hist.shape[2]:
            units = np.arange(hist.shape[2])
        epochs = saved.meta.get("epochs_done")
        word = "epoch" if epochs is None or int(epochs) + 1 == len(hist) else "snapshot"
        # weight_history holds the tracked units only: column i of each snapshot is unit units[i]
        fig = figures.history_figure(hist, rbm.image_shape, scale=args.scale,
                                     units=np.arange(min(hist.shape[2], 16)),
                                     row_labels=[f"{word} {i}" for i in range(len(hist))])
        for t in fig.tiles:
            t.unit = int(units[t.unit])
        return fig

    from rbm_gui.data import load_dataset
    count = args.count if args.count is not None else (10 if args.kind == "reconstruction" else 16)
    if not 1 <= count <= 200:
        raise ValueError(f"--count must be between 1 and 200, got {count}")
    ds = load_dataset(args.data, args.split)
    if ds.n_visible != rbm.n_visible:
        raise ValueError(f"the model has {rbm.n_visible} visible units but {args.data} images have "
                         f"{ds.n_visible} pixels ({ds.image_shape[0]}x{ds.image_shape[1]})")
    digits = ds.subset(np.arange(min(count, ds.n))).binarize(args.threshold)
    rng = np.random.default_rng(args.seed)
    if args.kind == "reconstruction":
        if not 0 <= args.p_threshold <= 1:
            raise ValueError(f"--p-threshold must be between 0 and 1, got {args.p_threshold}")
        if args.top_k is not None and args.top_k < 1:
            raise ValueError("--top-k must be at least 1")
        return figures.reconstruction_figure(rbm, digits, rng, threshold=args.p_threshold, top_k=args.top_k,
                                             scale=args.scale)
    if args.samples < 1:
        raise ValueError("--samples must be at least 1")
    return figures.averages_figure(rbm, digits, n_samples=args.samples, rng=rng, scale=args.scale)


def run(args) -> int:
    from rbm_gui.viz.figures import save_figure
    if not str(args.out).lower().endswith((".png", ".svg")):
        raise ValueError(f"--out must end in .png or .svg, got {args.out!r}")
    fig = build_figure(args)
    path = save_figure(fig, args.out)
    if not args.quiet:
        print(f"wrote {path} ({fig.width}x{fig.height} pixels)")
    return 0

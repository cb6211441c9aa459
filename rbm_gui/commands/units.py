"""``rbm-gui units``: each hidden unit's bias, mean activation, the digits that drive it most and,
with labels, its mean activation per class (the unit inspector's numbers, headless)."""

from __future__ import annotations

import json
import math

from rbm_gui.app.unit_stats import unit_statistics
from rbm_gui.commands.train import add_data_arguments
from rbm_gui.config import LIMITS, ConfigError
from rbm_gui.data import load_dataset
from rbm_gui.io.model_file import load_model
from rbm_gui.session import from_saved

TOP_LIMITS = (1, 100)
SPLITS = ("train", "test")


def add_parser(sub, name):
    p = sub.add_parser(name, help="per-unit statistics of a saved model",
                       description="For each hidden unit: its bias, its mean P(h=1|v) over a data split, "
                                   "the digits with the highest P(h=1|v) (indices into the split, highest "
                                   "first) and, when the split has labels, its mean P(h=1|v) per class.")
    p.add_argument("model", metavar="MODEL.npz")
    add_data_arguments(p)
    p.add_argument("--top", type=int, default=9, metavar="K",
                   help=f"digits listed per unit, {TOP_LIMITS[0]}-{TOP_LIMITS[1]} (default 9)")
    p.add_argument("--split", default="test", metavar="train|test", help="which split (default test)")
    p.add_argument("--json", action="store_true", help='print {"units": [...]} as JSON instead of a table')
    return p


def _finite(x: float):
    return float(x) if math.isfinite(x) else None


def unit_table(model_path, data="mnist-sample", split="test", top=9, threshold=128) -> dict:
    """{"units": [{"unit", "bias", "mean_activation", "top_digits", "top_probs", ["class_means"]}],
    plus what was measured on}. Raises ConfigError / ValueError / ModelFileError for bad input."""
    if not TOP_LIMITS[0] <= top <= TOP_LIMITS[1]:
        raise ConfigError(f"--top must be between {TOP_LIMITS[0]} and {TOP_LIMITS[1]}, got {top}")
    if split not in SPLITS:
        raise ConfigError(f"--split must be train or test, got {split!r}")
    lo, hi = LIMITS["threshold"]
    if not lo <= threshold <= hi:
        raise ConfigError(f"--threshold must be between {lo} and {hi}, got {threshold}")
    rbm = from_saved(load_model(model_path))
    ds = load_dataset(data, split)
    if ds.n_visible != rbm.n_visible:
        raise ValueError(f"the model has {rbm.n_visible} visible units but {data} images have "
                         f"{ds.n_visible} pixels ({ds.image_shape[0]}x{ds.image_shape[1]})")
    st = unit_statistics(rbm, ds.binarize(threshold), ds.labels, top_k=top)
    units = []
    for j in range(rbm.n_hidden):
        u = {"unit": j, "bias": float(rbm.c[j]), "mean_activation": float(st.mean[j]),
             "top_digits": [int(i) for i in st.top[j]], "top_probs": [float(p) for p in st.top_probs[j]],
             "weight_norm": float(st.weight_norm[j])}
        if st.class_means is not None:
            u["class_means"] = [_finite(x) for x in st.class_means[:, j]]
            u["selectivity"] = _finite(st.selectivity[j])
        units.append(u)
    return {"model": str(model_path), "data": str(data), "split": split, "n_digits": int(ds.n),
            "threshold": threshold, "units": units}


def run(args) -> int:
    out = unit_table(args.model, args.data, args.split, args.top, args.threshold)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{out['model']}: {len(out['units'])} hidden units, {out['n_digits']} digits of "
          f"{out['data']} ({out['split']})")
    has_classes = bool(out["units"]) and "class_means" in out["units"][0]
    head = f"{'unit':>5} {'bias':>8} {'mean P':>7} {'|w|':>7}"
    print(head + (f" {'best class':>10} {'select.':>7}" if has_classes else "") + "  top digits")
    for u in out["units"]:
        line = f"{u['unit']:>5} {u['bias']:>+8.3f} {u['mean_activation']:>7.4f} {u['weight_norm']:>7.3f}"
        if has_classes:
            cm = [(-1.0 if x is None else x) for x in u["class_means"]]
            best = max(range(len(cm)), key=cm.__getitem__)
            sel = u["selectivity"]
            line += f" {best:>4} ({cm[best]:.2f}) {'n/a' if sel is None else f'{sel:.3f}':>7}"
        print(line + "  " + " ".join(str(i) for i in u["top_digits"]))
    return 0

"""``rbm-gui dream``: the start digits and the dream controls (--index, --split, --label, --clamp,
--temperature, --tempering, --wander) read from the arguments, each bad combination refused with one line."""

from __future__ import annotations

import argparse

import numpy as np

#: parallel tempering used when --label or --clamp is given and --tempering is not (measured by
#: benchmarks/dream_quality.py: see docs/engine-notes.md)
STEERED_TEMPERING = 8
from rbm_gui.engine.steer import DEFAULT_LABEL_STRENGTH as LABEL_STRENGTH  # one source for CLI and panel

#: mixed into --seed for picking the start digits, so picking and the chains use separate streams
PICK_STREAM = 0xD1617


def index_list(text: str) -> list[int]:
    """``A:B`` (positions A..B-1) or ``i,j,k`` -> list of positions."""
    t = text.replace(" ", "")
    try:
        if ":" in t:
            a, b = (int(x) for x in t.split(":"))
            if not 0 <= a < b:
                raise ValueError
            if b - a > 10_000:
                raise argparse.ArgumentTypeError(f"--index {text}: at most 10,000 positions")
            return list(range(a, b))
        idx = [int(x) for x in t.split(",") if x != ""]
        if not idx or min(idx) < 0:
            raise ValueError
        return idx
    except ValueError:
        raise argparse.ArgumentTypeError(f"--index wants A:B (0 <= A < B) or positions like 3,17,42, got {text!r}") from None


def add_arguments(p: argparse.ArgumentParser, start: argparse._MutuallyExclusiveGroup) -> None:
    start.add_argument("--index", type=index_list, metavar="A:B|i,j,k",
                       help="start digits by position in --split (A:B = positions A to B-1); one position "
                            "with --chains N starts all N chains from that digit")
    p.add_argument("--split", choices=("train", "test"), default="test",
                   help="split of --data the start digits come from (default test)")
    p.add_argument("--label", type=int, metavar="K",
                   help="clamp the label units to K (labelled models): the chains dream of digit K, from "
                        "noise unless start digits are given")
    p.add_argument("--label-strength", type=float, default=None, metavar="A",
                   help="weight of the clamped label: 1 samples P(digit image | label) exactly; A > 1 sharpens "
                        "it, so the dreams are no longer exact samples of P(image | label) but more clearly "
                        f"the asked digit (default {LABEL_STRENGTH:g}: with tempering, the strength whose worst digit "
                        "was judged right most often in benchmarks/dream_quality.py, 75-95%% of frames over three "
                        "models; stronger labels pull the chains into a few odd shapes of the digit)")
    p.add_argument("--clamp", metavar="top|bottom|left|right|MASK.png",
                   help="pixels that keep the start digit's values at every step (inpainting): a half of the "
                        "image, or a PNG of the image's size whose light pixels (grey >= 128) are clamped")
    p.add_argument("--temperature", type=float, default=1.0, metavar="T",
                   help="T > 0 divides the energy: above 1 wilder dreams, below 1 stiffer ones (default 1)")
    p.add_argument("--tempering", type=int, default=None, metavar="K",
                   help="parallel tempering with K temperatures from T to --hottest (0 or 1 = plain Gibbs); "
                        "it lets free dreams wander between digits. Default: plain Gibbs, or "
                        f"{STEERED_TEMPERING} temperatures with --label or --clamp (the best measured in "
                        "benchmarks/dream_quality.py for label-clamped dreams and inpainting)")
    p.add_argument("--wander", type=float, default=0.0, metavar="S",
                   help="0-10: each chain's hidden units get fast biases of strength S that push it on from the "
                        "digits it has just drawn, so free dreams from one digit visit the others (at 1, judged "
                        "0.90 class entropy with 85-89%% of the frames digit-like in benchmarks/dream_quality.py); "
                        "the frames then no longer sample the model. Not with --tempering (default 0 = off)")
    p.add_argument("--hottest", type=float, default=None, metavar="T",
                   help="hottest temperature of --tempering (default 2 x --temperature)")


def is_data_output(out) -> bool:
    return str(out).lower().endswith(".npz")


def check_counts(args) -> None:
    """Chain counts within the limits of the output kind (pictures 1-16, .npz up to 10,000)."""
    from rbm_gui.commands.figure import check_limit
    key = "dream_data_chains" if is_data_output(args.out) else "dream_chains"
    hint = "" if key == "dream_data_chains" else " (up to 10,000 with --out FILE.npz)"
    try:
        if args.chains is not None:
            check_limit(args.chains, key, "--chains")
        if args.digits is not None:
            check_limit(len(args.digits), key, "the number of --digits labels")
        if args.index is not None:
            check_limit(len(args.index), key, "the number of --index positions")
    except ValueError as exc:
        raise ValueError(f"{exc}{hint}") from None
    check_limit(args.temperature, "dream_temperature", "--temperature")
    check_limit(args.wander, "dream_wander", "--wander")
    if args.tempering is not None:
        check_limit(args.tempering, "dream_tempering", "--tempering")


def n_start_chains(args) -> int:
    if args.digits is not None:
        if args.chains is not None and args.chains != len(args.digits):
            raise ValueError(f"--chains {args.chains} does not match the {len(args.digits)} labels given with --digits")
        return len(args.digits)
    if args.index is not None:
        if args.chains is not None and len(args.index) > 1 and args.chains != len(args.index):
            raise ValueError(f"--chains {args.chains} does not match the {len(args.index)} positions given with "
                             "--index (one position with --chains N starts N chains from it)")
        return args.chains if args.chains is not None else len(args.index)
    return 8 if args.chains is None else args.chains


def start_mode(args) -> str:
    if args.digits is not None:
        return "given"
    if args.index is not None:
        return "indices"
    if args.noise or (args.label is not None and not args.per_class):
        return "random-noise"            # a clamped label dreams from noise unless start digits are given
    return "per-class"


def dream_starts(args, n_visible: int, max_chains: int) -> np.ndarray:
    """The start states chosen by the arguments (see the command's help)."""
    from rbm_gui.data import load_dataset
    from rbm_gui.engine.dream import start_digits
    rng = np.random.default_rng([args.seed, PICK_STREAM])
    mode, chains = start_mode(args), n_start_chains(args)
    if mode == "random-noise":
        return start_digits(np.zeros((1, n_visible), np.uint8), None, mode, n_chains=chains, rng=rng,
                            max_chains=max_chains)
    ds = load_dataset(args.data, args.split)
    if ds.n_visible != n_visible:
        raise ValueError(f"the model has {n_visible} visible units but {args.data} images have {ds.n_visible} "
                         f"pixels ({ds.image_shape[0]}x{ds.image_shape[1]})")
    flat = ds.binarize(args.threshold)
    if mode == "indices":
        bad = [i for i in args.index if i >= ds.n]
        if bad:
            raise ValueError(f"--index {bad[0]} is out of range: the {args.split} split of {args.data} has {ds.n:,} digits")
        picked = flat[np.asarray(args.index)]
        if len(args.index) == 1:
            picked = np.repeat(picked, chains, axis=0)
        return start_digits(picked, None, "indices", list(range(len(picked))), max_chains=max_chains)
    if ds.labels is None:
        raise ValueError(f"{args.data} has no labels: use --noise or --index, or give a labelled data set")
    return start_digits(flat, ds.labels, mode, args.digits, n_chains=chains, rng=rng, max_chains=max_chains)


def controls(args, rbm) -> dict:
    """The DreamChains keyword arguments chosen by the arguments."""
    from rbm_gui.commands.figure import check_limit
    from rbm_gui.engine.steer import CLAMP_SIDES, clamp_mask
    if args.label is not None and rbm.n_labels == 0:
        raise ValueError(f"--label needs a labelled model: {args.model} has no label units")
    if args.label is not None and not 0 <= args.label < rbm.n_labels:
        raise ValueError(f"--label must be 0..{rbm.n_labels - 1} for this model, got {args.label}")
    if args.label_strength is not None and args.label is None:
        raise ValueError("--label-strength weighs the clamped label: give --label K too")
    strength = LABEL_STRENGTH if args.label_strength is None else args.label_strength
    check_limit(strength, "dream_label_strength", "--label-strength")
    mask = None
    if args.clamp is not None:
        if start_mode(args) == "random-noise":
            raise ValueError("--clamp keeps pixels of the start digits: give start digits (--digits, --index or "
                             "--per-class), not noise")
        if args.clamp in CLAMP_SIDES:
            mask = clamp_mask(args.clamp, rbm.image_shape)
        else:
            from rbm_gui.io.dream_data import read_mask
            mask = read_mask(args.clamp, rbm.image_shape)
    k = args.tempering
    if k is None:
        k = STEERED_TEMPERING if (args.label is not None or args.clamp is not None) and not args.wander else 0
    if args.wander and k > 1:
        raise ValueError("--wander and --tempering do not combine: tempering samples the model, wandering leaves it")
    if args.hottest is not None and k <= 1:
        raise ValueError("--hottest is the top of the --tempering ladder: give --tempering K (K >= 2) too")
    out = {"label": args.label, "label_strength": strength, "clamp": mask, "temperature": args.temperature, "tempering": k or None,
           "wander": args.wander}
    if args.hottest is not None:
        out["hottest"] = args.hottest
    return out

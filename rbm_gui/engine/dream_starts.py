"""Start states of dream chains: given labels, one digit per class, dataset indices or noise (numpy only)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["START_MODES", "SHOW_MODES", "MAX_CHAINS", "MAX_DATA_CHAINS", "as_unit_interval", "checked_starts", "start_digits"]

START_MODES = ("given", "per-class", "indices", "random-noise")
SHOW_MODES = ("probs", "samples", "mean")
MAX_CHAINS = 16
#: chains of a data export (``rbm-gui dream --out FILE.npz``); pictures show at most MAX_CHAINS
MAX_DATA_CHAINS = 10_000


def as_unit_interval(images: np.ndarray) -> np.ndarray:
    """Images as float32 values in [0, 1], one row per image.

    bool and float inputs are taken as they are (floats must lie in [0, 1]); integer inputs are
    0..255 grey levels and are binarised at 128, as :meth:`Dataset.binarize` does for training.
    """
    a = np.asarray(images)
    a = a.reshape(a.shape[0], -1) if a.ndim != 1 else a[None, :]
    if a.dtype == bool:
        return a.astype(np.float32)
    if np.issubdtype(a.dtype, np.integer):
        return (a >= 128).astype(np.float32)
    a = a.astype(np.float32)
    if a.size and (not np.isfinite(a).all() or a.min() < 0 or a.max() > 1):
        raise ValueError("start images must have values in [0, 1]")
    return a


def start_digits(dataset_images_flat: np.ndarray, labels: np.ndarray | None, mode: str = "given",
                 digits: Sequence[int] | None = None, n_chains: int = 8,
                 rng: np.random.Generator | None = None, max_chains: int = MAX_CHAINS) -> np.ndarray:
    """Start states of the dream chains: (n_chains, n_visible) float32 in [0, 1].

    Parameters
    ----------
    dataset_images_flat : (N, n_visible) images (uint8 0..255 are binarised at 128; bool/float as is)
    labels : (N,) labels, needed by ``"given"`` and ``"per-class"``
    mode :
        ``"given"``: ``digits`` are LABELS (the blog's "6,4,4,0,5,4,9,2"); for each one a random
        image of that class is taken (distinct images when a label repeats, if the class has enough).
        ``n_chains`` is ignored: one chain per listed label.
        ``"per-class"``: one random image per class present in ``labels`` (classes in increasing
        order), cycling through the classes until there are ``n_chains`` chains.
        ``"indices"``: ``digits`` are row indices into the images (the panel's gallery selection).
        ``"random-noise"``: each pixel on with probability 1/2, independently.
    rng : numpy Generator (a fresh unseeded one by default)

    Raises
    ------
    ValueError
        Unknown mode, missing digits/labels, a label absent from the data, index out of range,
        a chain count outside 1..max_chains (16 by default).
    """
    if mode not in START_MODES:
        raise ValueError(f"unknown start mode {mode!r}; choose one of {', '.join(START_MODES)}")
    rng = np.random.default_rng() if rng is None else rng
    images = np.asarray(dataset_images_flat)
    images = images.reshape(images.shape[0], -1)
    if mode in ("given", "indices"):
        if digits is None or len(digits) == 0:
            raise ValueError(f"start mode {mode!r} needs a list of digits")
        n_chains = len(digits)
    _check_chains(n_chains, max_chains)

    if mode == "random-noise":
        return (rng.random((n_chains, images.shape[1])) < 0.5).astype(np.float32)
    if mode == "indices":
        idx = np.asarray([int(d) for d in digits])
        bad = idx[(idx < 0) | (idx >= images.shape[0])]
        if bad.size:
            raise ValueError(f"digit index {int(bad[0])} is out of range: the data set has {images.shape[0]} images")
        return as_unit_interval(images[idx])

    if labels is None:
        raise ValueError(f"start mode {mode!r} needs a labelled data set")
    labels = np.asarray(labels).reshape(-1)
    if labels.shape[0] != images.shape[0]:
        raise ValueError(f"{labels.shape[0]} labels for {images.shape[0]} images")
    if mode == "per-class":
        classes = np.unique(labels)
        if classes.size == 0:
            raise ValueError("the data set is empty")
        wanted = [int(classes[i % classes.size]) for i in range(n_chains)]
    else:
        wanted = [int(d) for d in digits]
    chosen = []
    by_class: dict[int, np.ndarray] = {}
    for lab in wanted:
        if lab not in by_class:
            members = np.flatnonzero(labels == lab)
            if members.size == 0:
                present = ", ".join(str(int(c)) for c in np.unique(labels))
                raise ValueError(f"no digit with label {lab} in the data set (labels present: {present})")
            by_class[lab] = rng.permutation(members)
        members = by_class[lab]
        k = sum(1 for x in chosen if labels[x] == lab)   # distinct images for repeated labels
        chosen.append(int(members[k % members.size]))
    return as_unit_interval(images[np.asarray(chosen)])


def checked_starts(starts, n_visible: int, max_chains: int = MAX_CHAINS) -> np.ndarray:
    """``starts`` as a read-only float32 copy in [0, 1], checked against the model's width and the chain limit."""
    starts = as_unit_interval(starts)
    if starts.shape[1] != n_visible:
        raise ValueError(f"start images have {starts.shape[1]} pixels, the model has {n_visible} visible units")
    _check_chains(starts.shape[0], max_chains)
    starts = starts.copy()
    starts.flags.writeable = False
    return starts


def _check_chains(n: int, limit: int = MAX_CHAINS) -> None:
    if not 1 <= int(n) <= limit:
        raise ValueError(f"number of chains must be 1..{limit}, got {n}")


def _check_show(show: str) -> None:
    if show not in SHOW_MODES:
        raise ValueError(f"show must be one of {', '.join(SHOW_MODES)}, got {show!r}")

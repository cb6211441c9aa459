"""Daydreaming: alternating Gibbs chains started from digits, one frame per step (numpy only).

The blog's video gives eight test digits to a trained RBM and shows the visible layer during 1,000
alternating Gibbs steps. This module is the engine side of the dream panel and the ``rbm-gui dream``
command:

* :func:`start_digits` picks the start states (given labels, one digit per class, dataset indices,
  or random noise);
* :class:`DreamChains` advances the chains step by step (Play / Step / Reset in the panel) and can
  switch to a newer snapshot of a model being trained;
* :func:`dream_frames` yields the frames of an export.

All three use :meth:`RBM.gibbs_step` with one ``numpy.random.default_rng(seed)``, so for the same
seed they give exactly the states of ``rbm.gibbs_chain(starts, steps, default_rng(seed))``.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from rbm_gui.engine.blas import single_blas_thread

from rbm_gui.engine.rbm import RBM

__all__ = ["START_MODES", "SHOW_MODES", "DreamChains", "dream_frames", "n_dream_frames", "start_digits",
           "as_unit_interval", "single_blas_thread"]

START_MODES = ("given", "per-class", "indices", "random-noise")
SHOW_MODES = ("probs", "samples")
MAX_CHAINS = 16


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
                 rng: np.random.Generator | None = None) -> np.ndarray:
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
        a chain count outside 1..16.
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
    _check_chains(n_chains)

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


def _check_chains(n: int) -> None:
    if not 1 <= int(n) <= MAX_CHAINS:
        raise ValueError(f"number of chains must be 1..{MAX_CHAINS}, got {n}")


def _check_show(show: str) -> None:
    if show not in SHOW_MODES:
        raise ValueError(f"show must be one of {', '.join(SHOW_MODES)}, got {show!r}")


class DreamChains:
    """Gibbs chains advanced step by step, for the dream panel.

    ``probs`` is P(v=1|h) of the latest step (for step 0: the start itself) and ``samples`` the
    sampled visibles (step 0: start >= 0.5); both (n_chains, n_visible). With the same seed the
    states after k steps equal ``rbm.gibbs_chain(starts, k, default_rng(seed))`` at index k.

    Not thread-safe: one thread steps it (the panel's worker); hand the GUI copies of ``images()``.
    """

    def __init__(self, rbm: RBM, starts: np.ndarray, seed: int | None = None):
        starts = as_unit_interval(starts)
        if starts.shape[1] != rbm.n_visible:
            raise ValueError(f"start images have {starts.shape[1]} pixels, the model has {rbm.n_visible} visible units")
        _check_chains(starts.shape[0])
        self._rbm = rbm
        self._starts = starts.copy()
        self._starts.flags.writeable = False
        self._seed = seed
        self.reset()

    # ---------------------------------------------------------------- state
    @property
    def rbm(self) -> RBM:
        return self._rbm

    @property
    def starts(self) -> np.ndarray:
        return self._starts

    @property
    def n_chains(self) -> int:
        return self._starts.shape[0]

    @property
    def image_shape(self) -> tuple[int, int]:
        return self._rbm.image_shape

    @property
    def step_count(self) -> int:
        """Gibbs steps taken since the start (or the last reset)."""
        return self._step

    @property
    def probs(self) -> np.ndarray:
        """(n_chains, n_visible) float32: P(v=1|h) of the current step (the start at step 0)."""
        return self._probs

    @property
    def samples(self) -> np.ndarray:
        """(n_chains, n_visible) bool: the current visible samples."""
        return self._samples

    def images(self, show: str = "probs") -> np.ndarray:
        """Current states as (n_chains, h, w) float32 images in [0, 1] (a new array)."""
        _check_show(show)
        src = self._probs if show == "probs" else self._samples
        return src.astype(np.float32).reshape(self.n_chains, *self.image_shape)

    # ---------------------------------------------------------------- actions
    def reset(self, starts: np.ndarray | None = None, seed: int | None = None) -> None:
        """Back to step 0 with the same generator seed (so the same frames again).

        New ``starts`` (same model width, 1..16 chains) or a new ``seed`` may be given.
        """
        if starts is not None:
            starts = as_unit_interval(starts)
            if starts.shape[1] != self._rbm.n_visible:
                raise ValueError(f"start images have {starts.shape[1]} pixels, the model has {self._rbm.n_visible}")
            _check_chains(starts.shape[0])
            self._starts = starts.copy()
            self._starts.flags.writeable = False
        if seed is not None:
            self._seed = seed
        self._rng = np.random.default_rng(self._seed)
        self._probs = self._starts.copy()
        self._samples = self._starts >= 0.5
        self._v = self._starts           # first step uses the (possibly grey) start as it is
        self._step = 0

    def step(self, n: int = 1) -> int:
        """Advance every chain by ``n`` Gibbs steps; returns the new step count."""
        if n < 0:
            raise ValueError("cannot step backwards")
        for _ in range(int(n)):
            self._probs, self._samples = self._rbm.gibbs_step(self._v, self._rng)
            self._v = self._samples
            self._step += 1
        return self._step

    def set_model(self, rbm: RBM) -> None:
        """Continue the chains with another model of the same size (e.g. the trainer's newest snapshot).

        The current states, generator and step count are kept.
        """
        if rbm.n_visible != self._rbm.n_visible:
            raise ValueError(f"the new model has {rbm.n_visible} visible units, the chains have {self._rbm.n_visible}")
        self._rbm = rbm


def n_dream_frames(steps: int, every: int = 1) -> int:
    """Number of frames :func:`dream_frames` yields: steps 0, every, 2*every, ... <= steps."""
    if steps < 0 or every < 1:
        raise ValueError("steps must be >= 0 and every >= 1")
    return steps // every + 1


def dream_frames(rbm: RBM, starts: np.ndarray, steps: int, seed: int | None = None, every: int = 1,
                 show: str = "probs", chunk: int = 32) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(step, images)`` for steps 0, every, 2*every, ... up to ``steps``.

    ``images`` is (n_chains, h, w) float32 in [0, 1]: P(v=1|h) (``show="probs"``) or the binary
    samples (``show="samples"``); step 0 is the start. It yields ``n_dream_frames(steps, every)``
    frames, lazily (an export can stop early), computing ``chunk`` frames at a time under
    :func:`single_blas_thread` (see there: 5x faster exports on the 2-core test machine).
    """
    _check_show(show)
    n_dream_frames(steps, every)
    chunk = max(1, int(chunk))
    chains = DreamChains(rbm, starts, seed)
    yield 0, chains.images(show)
    buf: list[tuple[int, np.ndarray]] = []
    while chains.step_count + every <= steps:
        with single_blas_thread():       # not held across the yields: only while computing a chunk
            while chains.step_count + every <= steps and len(buf) < chunk:
                chains.step(every)
                buf.append((chains.step_count, chains.images(show)))
        yield from buf
        buf = []

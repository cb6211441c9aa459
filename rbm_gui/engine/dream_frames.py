"""The frames of a dream export: Gibbs chains (with any dream controls) stepped in chunks on one
BLAS thread, yielded lazily so an export can stop early."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from rbm_gui.engine.blas import single_blas_thread
from rbm_gui.engine.dream import DreamChains
from rbm_gui.engine.dream_starts import _check_show
from rbm_gui.engine.rbm import RBM


def n_dream_frames(steps: int, every: int = 1) -> int:
    """Number of frames :func:`dream_frames` yields: steps 0, every, 2*every, ... <= steps."""
    if steps < 0 or every < 1:
        raise ValueError("steps must be >= 0 and every >= 1")
    return steps // every + 1


def dream_frames(rbm: RBM, starts: np.ndarray, steps: int, seed: int | None = None, every: int = 1,
                 show: str = "probs", chunk: int = 32, **controls) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(step, images)`` for steps 0, every, 2*every, ... up to ``steps``.

    ``images`` is (n_chains, h, w) float32 in [0, 1]: P(v=1|h) (``show="probs"``) or the binary
    samples (``show="samples"``); step 0 is the start. It yields ``n_dream_frames(steps, every)``
    frames, lazily (an export can stop early), computing ``chunk`` frames at a time under
    :func:`single_blas_thread` (see there: 5x faster exports on the 2-core test machine).
    ``controls``: the keyword arguments of :class:`DreamChains` (label, clamp, temperature, tempering...).
    """
    _check_show(show)
    n_dream_frames(steps, every)
    chunk = max(1, int(chunk))
    chains = DreamChains(rbm, starts, seed, **controls)
    yield 0, chains.images(show)
    buf: list[tuple[int, np.ndarray]] = []
    while chains.step_count + every <= steps:
        with single_blas_thread():       # not held across the yields: only while computing a chunk
            while chains.step_count + every <= steps and len(buf) < chunk:
                chains.step(every)
                buf.append((chains.step_count, chains.images(show)))
        yield from buf
        buf = []

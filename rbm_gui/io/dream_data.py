"""Dream data files (``rbm-gui dream ... --out FILE.npz``) and clamp masks read from PNG files.

The .npz holds ``probabilities`` float32 and ``samples`` uint8, both (frames, chains, n_visible),
and for labelled models ``label_probs`` float32 (frames, chains, n_labels); frame 0 is the start;
``completion`` float32 (chains, n_visible) is each chain's mean of P(v=1|h) after the burn-in
(``DreamChains.completion``: with --clamp, the inpainting's answer).
Up to 10,000 chains: they are run in groups of at most ``GROUP_ROWS`` replica rows (memory stays
bounded whatever the chain count); each member is spooled to an unnamed temporary file beside the
target (so groups can fill their columns of every frame) and then copied into an uncompressed
zip member, which ``numpy.load`` reads as usual. The file is written atomically.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from rbm_gui.engine.dream import MAX_DATA_CHAINS, DreamChains
from rbm_gui.engine.rbm import RBM
from rbm_gui.io.atomic import atomic_open

__all__ = ["GROUP_ROWS", "MASK_FILE_BYTES", "read_mask", "write_dream_npz"]

#: replica rows (chains x temperatures) stepped together; 4,096 rows of 784 pixels and 500 hidden
#: units take ~60 MB of working arrays
GROUP_ROWS = 4096
MASK_FILE_BYTES = 16 << 20
_COPY_BYTES = 16 << 20


def _group_seed(seed: int | None, g: int):
    """Group 0 uses ``seed`` itself, so up to a group's worth of chains gives the pictures' frames."""
    return seed if g == 0 or seed is None else [seed, g]


def write_dream_npz(path: str | os.PathLike, rbm: RBM, starts: np.ndarray, steps: int, *, seed: int | None,
                    every: int = 1, progress: Callable[[int, int], None] | None = None, **controls) -> Path:
    """Run the dream and write its frames to ``path``; returns the path.

    ``controls``: keyword arguments of :class:`DreamChains` (label, clamp, temperature, tempering...).
    ``progress(done, total)`` is called after each frame of each group of chains.
    """
    path = Path(path)
    n_chains, nv = starts.shape
    n_frames = steps // every + 1
    k = max(1, int(controls.get("tempering") or 1))
    group = max(1, min(n_chains, GROUP_ROWS // k))
    groups = [(a, min(a + group, n_chains)) for a in range(0, n_chains, group)]
    nl = rbm.n_labels
    members = [("probabilities", np.float32, nv), ("samples", np.uint8, nv)] + ([("label_probs", np.float32, nl)] if nl else [])
    total, done = n_frames * len(groups), 0
    completion = np.empty((n_chains, nv), np.float32)
    with atomic_open(path) as out:
        spools = {name: tempfile.TemporaryFile(dir=path.parent) for name, _, _ in members}
        try:
            arrays = {name: np.memmap(spools[name], dtype=dt, mode="w+", shape=(n_frames, n_chains, width))
                      for name, dt, width in members}
            for g, (a, b) in enumerate(groups):
                chains = DreamChains(rbm, starts[a:b], _group_seed(seed, g), max_chains=MAX_DATA_CHAINS, **controls)
                for f in range(n_frames):
                    if f:
                        chains.step(every)
                    arrays["probabilities"][f, a:b] = chains.probs
                    arrays["samples"][f, a:b] = chains.samples
                    if nl:
                        arrays["label_probs"][f, a:b] = chains.label_probs
                    done += 1
                    if progress is not None:
                        progress(done, total)
                completion[a:b] = chains.completion
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                for name, dt, width in members:
                    arr = arrays[name]
                    arr.flush()
                    with zf.open(name + ".npy", "w", force_zip64=True) as m:
                        np.lib.format.write_array_header_1_0(m, {"descr": np.lib.format.dtype_to_descr(np.dtype(dt)),
                                                                 "fortran_order": False, "shape": arr.shape})
                        rows = max(1, _COPY_BYTES // max(1, arr[0].nbytes))
                        for f in range(0, n_frames, rows):
                            m.write(np.ascontiguousarray(arr[f:f + rows]).tobytes())
                with zf.open("completion.npy", "w", force_zip64=True) as m:
                    np.lib.format.write_array(m, completion, allow_pickle=False)
            del arrays
        finally:
            for fh in spools.values():
                fh.close()
    return path


def read_mask(path: str | os.PathLike, image_shape: tuple[int, int]) -> np.ndarray:
    """A clamp mask from an image file: (h*w,) bool, True where the picture is light (grey >= 128).

    The picture must have the model's image size exactly; ValueError (one line) otherwise.
    """
    from PIL import Image, UnidentifiedImageError

    from rbm_gui.io.safe_read import open_regular
    h, w = image_shape
    with open_regular(path, MASK_FILE_BYTES) as fh:
        try:
            with Image.open(fh) as img:
                if img.size != (w, h):        # checked before the pixels are decoded
                    raise ValueError(f"{path}: the mask is {img.size[0]}x{img.size[1]} pixels, the model's "
                                     f"images are {w}x{h}")
                grey = np.asarray(img.convert("L"))
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise ValueError(f"{path}: cannot read the mask image ({exc.__class__.__name__})") from None
    return (grey >= 128).reshape(-1)

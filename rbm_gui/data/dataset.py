"""The in-memory data set handed to the engine: uint8 images, optional labels, provenance.

Pixels stay uint8 and the binary views are bool: a float64 copy of the full MNIST train set
would be 376 MB, so nothing here ever makes one.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace
from typing import Iterable

import numpy as np

__all__ = ["Dataset"]


@dataclass(eq=False, repr=False)
class Dataset:
    """Images with optional labels and a human-readable origin.

    Parameters
    ----------
    name : str
        Short name shown in the UI, e.g. ``"mnist-sample/train"``.
    images : numpy.ndarray
        uint8 (N, H, W), pixel values 0..255 (0 = background). Stored C-contiguous, so
        :meth:`flat` is a view; may be read-only (the bundled sets are shared).
    labels : numpy.ndarray or None
        uint8 (N,), or None when the data set has no labels.
    origin : str
        Where the data came from, as text for the user: ``"bundled MNIST sample"``, a path, a URL.

    Raises
    ------
    ValueError
        ``images`` is not uint8 3-D, or ``labels`` is not uint8 (N,).
    """

    name: str
    images: np.ndarray
    labels: np.ndarray | None = None
    origin: str = ""

    def __post_init__(self) -> None:
        images = np.asarray(self.images)
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(
                f"images must be uint8 (N, H, W), got {images.dtype} with shape {images.shape}"
            )
        self.images = np.ascontiguousarray(images)  # no copy when already contiguous
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.dtype != np.uint8 or labels.shape != (images.shape[0],):
                raise ValueError(
                    f"labels must be uint8 ({images.shape[0]},), "
                    f"got {labels.dtype} with shape {labels.shape}"
                )
            self.labels = labels

    def __repr__(self) -> str:
        labelled = "labelled" if self.labels is not None else "unlabelled"
        return (
            f"Dataset(name={self.name!r}, n={self.n}, image_shape={self.image_shape}, "
            f"{labelled}, origin={self.origin!r})"
        )

    @property
    def n(self) -> int:
        """Number of images N."""
        return int(self.images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int]:
        """Image size ``(H, W)``."""
        return (int(self.images.shape[1]), int(self.images.shape[2]))

    @property
    def n_visible(self) -> int:
        """Pixels per image, H * W: the number of visible units of an RBM on this data."""
        return self.image_shape[0] * self.image_shape[1]

    def flat(self) -> np.ndarray:
        """Images as rows: uint8 (N, H*W), a view of :attr:`images` (no copy)."""
        return self.images.reshape(self.n, self.n_visible)

    def binarize(self, threshold: int = 128) -> np.ndarray:
        """Deterministic binary images: ``pixel >= threshold``.

        Parameters
        ----------
        threshold : int
            1..255. 128 splits the 0..255 range in half; 1 turns on every non-zero pixel.

        Returns
        -------
        numpy.ndarray
            bool (N, H*W), a new array.

        Raises
        ------
        TypeError, ValueError
            ``threshold`` is not an integer in 1..255 (0 would turn every pixel on).
        """
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral):
            raise TypeError(f"threshold must be an integer, got {threshold!r}")
        if not 1 <= threshold <= 255:
            raise ValueError(f"threshold must be in 1..255, got {threshold}")
        return self.flat() >= np.uint8(threshold)

    def stochastic_binarize(self, rng: np.random.Generator) -> np.ndarray:
        """Random binary images, each pixel on with probability ``pixel / 255``.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness (seed it for reproducible draws).

        Returns
        -------
        numpy.ndarray
            bool (N, H*W), a new array. Pixel 0 is never on, pixel 255 always.
        """
        # u uniform on 0..254, so P(u < pixel) = pixel/255 exactly, and the draws stay uint8:
        # no float array the size of the data set.
        u = rng.integers(0, 255, size=(self.n, self.n_visible), dtype=np.uint8)
        return u < self.flat()

    def subset(self, indices: np.ndarray | Iterable[int]) -> "Dataset":
        """A new data set with the selected images (and labels), in the order given.

        Parameters
        ----------
        indices : array_like of int, or bool mask of shape (N,)
            Rows to keep. Out-of-range indices raise :class:`IndexError`.

        Returns
        -------
        Dataset
            Same name and origin; images and labels are copies.
        """
        idx = np.asarray(indices)
        if idx.size == 0:
            idx = idx.astype(np.intp)  # np.asarray([]) is float64, which cannot index
        if idx.ndim != 1 or not (idx.dtype == bool or np.issubdtype(idx.dtype, np.integer)):
            raise TypeError(
                f"indices must be a 1-D integer array or bool mask, got {idx.dtype} {idx.shape}"
            )
        labels = None if self.labels is None else self.labels[idx]
        return replace(self, images=self.images[idx], labels=labels)

    def split_validation(self, n_val: int, rng: np.random.Generator) -> tuple["Dataset", "Dataset"]:
        """Randomly partition into ``(train, val)`` with ``n_val`` images in ``val``.

        Every image lands in exactly one part; each part keeps the original order (the bundled
        sample is sorted by label, so the split must be random, and the trainer shuffles).

        Parameters
        ----------
        n_val : int
            0 <= n_val < N.
        rng : numpy.random.Generator
            Chooses the validation images.

        Returns
        -------
        train, val : Dataset
            N - n_val and n_val images; names get ``"/train"`` and ``"/val"`` appended.
        """
        if isinstance(n_val, bool) or not isinstance(n_val, numbers.Integral):
            raise TypeError(f"n_val must be an integer, got {n_val!r}")
        if not 0 <= n_val < self.n:
            raise ValueError(f"n_val must be in 0..{self.n - 1} for {self.n} images, got {n_val}")
        perm = rng.permutation(self.n)
        val_idx, train_idx = np.sort(perm[:n_val]), np.sort(perm[n_val:])
        train, val = self.subset(train_idx), self.subset(val_idx)
        train.name, val.name = f"{self.name}/train", f"{self.name}/val"
        return train, val

    def select_labels(self, labels: Iterable[int]) -> "Dataset":
        """Keep only the images whose label is one of ``labels`` (original order).

        Parameters
        ----------
        labels : iterable of int
            Labels to keep, e.g. ``[0, 1]``.

        Returns
        -------
        Dataset
            Name gets e.g. ``"[0,1]"`` appended.

        Raises
        ------
        ValueError
            The data set has no labels, or no image has any of the labels.
        """
        if self.labels is None:
            raise ValueError(f"{self.name}: has no labels to select by")
        wanted = sorted({int(v) for v in labels})
        mask = np.isin(self.labels, np.asarray(wanted, dtype=np.int64))
        if not mask.any():
            asked = " or ".join(map(str, wanted)) or "(none given)"
            raise ValueError(f"{self.name}: no image has label {asked}")
        result = self.subset(mask)
        result.name = f"{self.name}[{','.join(map(str, wanted))}]"
        return result

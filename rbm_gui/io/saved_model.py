"""A trained RBM in memory as a model file holds it (:class:`SavedModel`), the one error type for
bad model files (:class:`ModelFileError`), and the checks on W, b, c shared by save and load.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rbm_gui.io.safe_read import FileTooLargeError, NotRegularFileError

__all__ = ["ModelFileError", "SavedModel", "default_image_shape", "read_error"]


class ModelFileError(ValueError):
    """A model file cannot be read or written because of what is (or would be) in it.

    The message is one plain line, ``"<file name>: <what is wrong>"``, fit to show a user as is.
    It is raised for every kind of bad file (missing, not an archive, truncated, wrong shapes,
    non-finite values, unknown format) so callers need to catch this one type only.

    Parameters
    ----------
    path : str or os.PathLike
        The file concerned.
    problem : str
        What is wrong, in plain words.

    Attributes
    ----------
    path : pathlib.Path
        The file concerned.
    problem : str
        What is wrong, without the file name.
    """

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = Path(path)
        # One line whatever the underlying library put in its message.
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.path.name or self.path}: {self.problem}")


def read_error(path: Path, exc: OSError, error: type = None) -> "ModelFileError":
    """The one-line error (``error``, default ModelFileError) for a model file that cannot be read."""
    error = error or ModelFileError
    if isinstance(exc, (NotRegularFileError, FileTooLargeError)):
        return error(path, exc.strerror)
    if isinstance(exc, FileNotFoundError):
        return error(path, "file not found")
    if isinstance(exc, IsADirectoryError):
        return error(path, "is a directory, not a model file")
    return error(path, f"cannot be read ({exc.strerror or exc})")


def default_image_shape(n_visible: int) -> tuple[int, int]:
    """Return the image shape assumed when a model does not record one.

    Parameters
    ----------
    n_visible : int
        Number of visible units.

    Returns
    -------
    tuple of int
        ``(s, s)`` if ``n_visible == s * s``, otherwise ``(1, n_visible)`` (a one-row image).
    """
    side = math.isqrt(n_visible)
    if side * side == n_visible:
        return (side, side)
    return (1, n_visible)


@dataclass
class SavedModel:
    """A trained RBM as stored in a model file.

    On construction ``W``, ``b`` and ``c`` are converted to float32 C-contiguous arrays (no copy
    if they already are) and their shapes are checked against each other.

    Parameters
    ----------
    W : numpy.ndarray
        float32, shape (n_visible, n_hidden): visible-hidden weights.
    b : numpy.ndarray
        float32, shape (n_visible,): visible biases.
    c : numpy.ndarray
        float32, shape (n_hidden,): hidden biases.
    meta : dict
        JSON-able metadata (see :func:`rbm_gui.io.model_file.save_model` for the keys a file carries).
    arrays : dict of str to numpy.ndarray
        Extra named arrays stored beside W/b/c, e.g. ``"weight_history"`` float32
        (n_snapshots, n_visible, n_hidden_subset), ``"offsets_v"`` float32 (n_visible,) and
        ``"offsets_h"`` float32 (n_hidden,) for centred training.

    Raises
    ------
    ValueError
        If W is not 2-D or b/c do not match its shape.
    """

    W: np.ndarray
    b: np.ndarray
    c: np.ndarray
    meta: dict = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    U: np.ndarray | None = None
    d: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.W = np.ascontiguousarray(self.W, dtype=np.float32)
        self.b = np.ascontiguousarray(self.b, dtype=np.float32)
        self.c = np.ascontiguousarray(self.c, dtype=np.float32)
        if self.U is not None:
            self.U = np.ascontiguousarray(self.U, dtype=np.float32)
        if self.d is not None:
            self.d = np.ascontiguousarray(self.d, dtype=np.float32)
        problem = shape_problem(self.W, self.b, self.c) or label_shape_problem(self.U, self.d, self.W.shape[1])
        if problem is not None:
            raise ValueError(problem)

    @property
    def n_visible(self) -> int:
        """int: Number of visible units (rows of W)."""
        return int(self.W.shape[0])

    @property
    def n_hidden(self) -> int:
        """int: Number of hidden units (columns of W)."""
        return int(self.W.shape[1])

    @property
    def image_shape(self) -> tuple[int, ...]:
        """tuple of int: (height, width) of one visible vector shown as an image.

        Taken from ``meta["image_shape"]``; without it, :func:`default_image_shape`.
        """
        shape = self.meta.get("image_shape")
        if shape is None:
            return default_image_shape(self.n_visible)
        return tuple(int(n) for n in shape)


# --------------------------------------------------------------------------------------------
# Checks shared by the constructor, save_model and load_model.


def shape_problem(W: np.ndarray, b: np.ndarray, c: np.ndarray) -> str | None:
    """Describe what is wrong with the shapes of W, b, c, or return None if they fit."""
    if W.ndim != 2:
        return f"W must be 2-D (n_visible, n_hidden), got {W.ndim}-D shape {W.shape}"
    if W.shape[0] == 0 or W.shape[1] == 0:
        return f"W has no units, shape {W.shape}"
    if b.ndim != 1:
        return f"b must be 1-D (n_visible,), got shape {b.shape}"
    if c.ndim != 1:
        return f"c must be 1-D (n_hidden,), got shape {c.shape}"
    if b.shape[0] != W.shape[0]:
        return f"b has {b.shape[0]} entries but W has {W.shape[0]} visible units"
    if c.shape[0] != W.shape[1]:
        return f"c has {c.shape[0]} entries but W has {W.shape[1]} hidden units"
    return None


#: Label units a labelled model may have (a softmax group of 2 to 100 classes).
MIN_LABELS, MAX_LABELS = 2, 100


def label_shape_problem(U: np.ndarray | None, d: np.ndarray | None, n_hidden: int) -> str | None:
    """Describe what is wrong with a labelled model's U (n_labels, n_hidden) and d (n_labels,)."""
    if U is None and d is None:
        return None
    if U is None or d is None:
        return "label weights U and label biases d must come together"
    if U.ndim != 2 or U.shape[1] != n_hidden or not MIN_LABELS <= U.shape[0] <= MAX_LABELS:
        return (f"U must be (n_labels, {n_hidden}) with {MIN_LABELS} to {MAX_LABELS} labels, "
                f"got shape {U.shape}")
    if d.shape != (U.shape[0],):
        return f"d must have shape ({U.shape[0]},) like U's labels, got {d.shape}"
    return None


def nonfinite_problem(**named: np.ndarray) -> str | None:
    """Name the first array holding NaN or infinity, or return None if all are finite."""
    for name, array in named.items():
        if not np.isfinite(array).all():
            return f"{name} contains NaN or infinite values"
    return None


def image_shape_problem(shape: Any, n_visible: int) -> str | None:
    """Describe what is wrong with an ``image_shape`` value, or return None if it fits."""
    if (
        not isinstance(shape, (list, tuple))
        or len(shape) != 2
        or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape)
        or not all(n > 0 for n in shape)
    ):
        return f"image_shape must be two positive integers, got {shape!r}"
    if int(shape[0]) * int(shape[1]) != n_visible:
        return (
            f"image_shape {tuple(int(n) for n in shape)} holds {int(shape[0]) * int(shape[1])} "
            f"pixels but the model has {n_visible} visible units"
        )
    return None

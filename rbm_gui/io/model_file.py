"""The rbm-gui model file: an ``.npz`` archive holding a trained RBM and its metadata.

Layout of a file written by :func:`save_model` (format ``"rbm-gui-model"``, version 1):

``W``
    float32, shape (n_visible, n_hidden): visible-hidden weights.
``b``
    float32, shape (n_visible,): visible biases.
``c``
    float32, shape (n_hidden,): hidden biases.
``U``, ``d`` (labelled models only)
    float32, shapes (n_labels, n_hidden) and (n_labels,): the softmax label units' weights and
    biases (2 to 100 labels). Files without them load as unlabelled models, as before.
``meta``
    0-d numpy unicode string array holding a JSON object (see :func:`save_model` for its keys).
any other member
    an extra array passed in ``arrays`` (e.g. ``weight_history``, ``offsets_v``, ``offsets_h``),
    stored with its own dtype and shape.

The in-memory model and its error type are in :mod:`rbm_gui.io.saved_model`, the ``meta``
member's encoding in :mod:`rbm_gui.io.model_meta`; both are importable from here too.

Nothing in the file is pickled: :func:`load_model` reads it with ``allow_pickle=False``, so opening
a model file someone sent you cannot run code.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from rbm_gui.config import FILE_LIMITS
from rbm_gui.io.atomic import atomic_open
from rbm_gui.io.model_meta import FORMAT_NAME, FORMAT_VERSION, meta_to_json, parse_meta
from rbm_gui.io.model_rules import check_headers, history_units_problem, meta_problem
from rbm_gui.io.npz_read import NpzRefused, read_npz
from rbm_gui.io.safe_read import NotRegularFileError, open_regular
# Re-exported: callers import the model, its error and these helpers from here.
from rbm_gui.io.saved_model import (
    ModelFileError,
    SavedModel,
    default_image_shape,
    image_shape_problem,
    label_shape_problem,
    nonfinite_problem,
    read_error,
    shape_problem,
)

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "ModelFileError",
    "SavedModel",
    "default_image_shape",
    "load_model",
    "save_model",
]

# Archive members that are not free for extra arrays. "file" and "allow_pickle" are keyword
# parameters of np.savez, so an array by that name would collide with them.
_RESERVED_NAMES = frozenset({"W", "b", "c", "U", "d", "meta", "file", "allow_pickle"})
# Extra-array names become zip member names ("<name>.npy"); keep them to identifiers so a name
# can never smuggle a path separator or clash after numpy's ".npy" handling.
_ARRAY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def save_model(path: str | os.PathLike, model: SavedModel, *, atomic: bool = True) -> None:
    """Write ``model`` to ``path`` as an rbm-gui model file, atomically.

    The file is written to a temporary file beside ``path`` and renamed onto it only when
    complete, so a failed save leaves any previous file at ``path`` intact and no temporary file
    behind. The file is written at exactly ``path``; no ``.npz`` suffix is added.

    ``meta`` in the file is ``model.meta`` (every key the caller put there is kept) with these
    keys set:

    ``format`` : str
        ``"rbm-gui-model"`` (always set here).
    ``format_version`` : int
        ``1`` (always set here).
    ``image_shape`` : list of int
        ``model.image_shape``; its product must equal n_visible.
    ``hyperparameters`` : dict
        From ``meta``, default ``{}``.
    ``dataset`` : str
        From ``meta``, default ``""``.
    ``epochs_done`` : int
        Epochs trained in rbm-gui, from ``meta``, default ``0``.
    ``history`` : dict of str to list of float
        Per-epoch metrics from ``meta``, default ``{}``; NaN and +-inf are kept.
    ``package_version`` : str
        ``rbm_gui.__version__`` of the writer (always set here).
    ``created`` : str
        ISO 8601 UTC time of this save (always set here).

    Parameters
    ----------
    path : str or os.PathLike
        Target file.
    model : SavedModel
        The model. ``model.arrays`` are stored as extra members; names must be identifiers
        other than ``W``, ``b``, ``c``, ``meta``, ``file``, ``allow_pickle``, and dtypes must not
        be object.
    atomic : bool
        Write through a temporary file renamed onto ``path`` (default). False writes ``path``
        directly: for a path that is itself a temporary file, as when a model and its side files
        are written together with :func:`rbm_gui.io.atomic.atomic_group`.

    Raises
    ------
    ModelFileError
        If W, b or c hold NaN or infinity (a broken model is never written), if ``meta`` is not
        JSON-able or its ``image_shape`` does not fit, or if an extra array is unsuitable.
        Nothing is written in these cases.
    OSError
        If the file cannot be written; any old file at ``path`` is left intact.
    """
    # The fields may have been reassigned since construction, so convert again (no copy if
    # already float32); checked after conversion so float64 values beyond float32's range count.
    with np.errstate(over="ignore"):
        W, b, c = (np.ascontiguousarray(x, dtype=np.float32) for x in (model.W, model.b, model.c))
    problem = shape_problem(W, b, c) or nonfinite_problem(W=W, b=b, c=c)
    labels = {}
    if problem is None and (model.U is not None or model.d is not None):
        with np.errstate(over="ignore"):
            labels = {name: np.ascontiguousarray(x, dtype=np.float32) if x is not None else None
                      for name, x in (("U", model.U), ("d", model.d))}
        problem = label_shape_problem(labels["U"], labels["d"], W.shape[1]) or nonfinite_problem(**labels)
    if problem is not None:
        raise ModelFileError(path, f"{problem}; refusing to save a broken model")

    # Read meta directly rather than via model.image_shape, which would raise a bare error on junk.
    image_shape = model.meta.get("image_shape")
    if image_shape is None:
        image_shape = default_image_shape(W.shape[0])
    problem = image_shape_problem(image_shape, W.shape[0])
    if problem is not None:
        raise ModelFileError(path, problem)

    try:
        meta_json = meta_to_json(model.meta, image_shape)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(path, f"meta cannot be saved: {exc}") from exc

    members: dict[str, np.ndarray] = {"W": W, "b": b, "c": c, **labels}
    for name, array in model.arrays.items():
        if not isinstance(name, str) or not _ARRAY_NAME.match(name) or name in _RESERVED_NAMES:
            raise ModelFileError(
                path, f"extra array name {name!r} is not allowed (reserved or not an identifier)"
            )
        array = np.asarray(array)
        if array.dtype.hasobject:
            # np.savez would pickle an object array, and load_model refuses pickles.
            raise ModelFileError(path, f"extra array {name!r} has object dtype, which cannot be saved")
        members[name] = np.ascontiguousarray(array)
    members["meta"] = np.array(meta_json, dtype=np.str_)

    # np.savez appends ".npz" to a file *name* lacking it, which would make it write beside the
    # temporary file rather than into it. Handing it the open temporary file avoids that: the
    # bytes land exactly in the file that atomic_open renames onto ``path``.
    if not atomic:      # the caller's own temporary file, e.g. inside io.atomic.atomic_group
        with open(path, "wb") as fh:
            np.savez(fh, **members)
        return
    with atomic_open(path, "wb") as fh:
        np.savez(fh, **members)


# --------------------------------------------------------------------------------------------
# Load.

# Zip local-file-header and (empty archive) end-of-central-directory signatures.
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def load_model(path: str | os.PathLike) -> SavedModel:
    """Read an rbm-gui model file written by :func:`save_model`.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` model file.

    Returns
    -------
    SavedModel
        ``W`` float32 (n_visible, n_hidden), ``b`` float32 (n_visible,), ``c`` float32
        (n_hidden,), all C-contiguous; ``meta`` the stored JSON object with non-finite floats
        restored (``history`` values are lists of float); ``arrays`` every other member,
        C-contiguous, with its stored dtype.

    Raises
    ------
    ModelFileError
        For any file that is not a valid model: missing, a directory, not a zip/.npz archive,
        truncated or corrupt, a member missing (W, b, c, meta), a pickled/object member, wrong
        ndim or mismatched shapes, non-numeric or non-finite weights, meta that is not a JSON
        object, an unknown ``format``, a ``format_version`` newer than supported, or an
        ``image_shape`` that does not match n_visible.
    """
    path = Path(path)
    try:
        with open_regular(path) as fh:
            magic = fh.read(4)
            if magic not in _ZIP_MAGICS:
                raise ModelFileError(path, "not an rbm-gui model file (not a .npz/zip archive)")
            members = read_npz(fh, check_headers, FILE_LIMITS["npz_total_bytes"], ("W", "b", "c", "meta"))
    except ModelFileError:
        raise
    except NpzRefused as exc:
        raise ModelFileError(path, str(exc)) from exc
    except MemoryError as exc:
        raise ModelFileError(path, "too large to load into memory") from exc
    except (FileNotFoundError, IsADirectoryError, NotRegularFileError, PermissionError) as exc:
        raise read_error(path, exc) from exc
    # A damaged archive surfaces as whichever error the layer that trips over it raises:
    # zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, struct.error, ValueError.
    # The contract is one error type for bad files, hence the broad catch.
    except Exception as exc:
        raise ModelFileError(path, f"corrupt or truncated archive ({type(exc).__name__}: {exc})") from exc

    meta = parse_meta(path, members.pop("meta"))

    params = {}
    for name in ("W", "b", "c"):
        array = members.pop(name)
        if array.dtype.kind not in "fiu":
            raise ModelFileError(path, f"{name} has non-numeric dtype {array.dtype}")
        # Values beyond float32's range become inf here and are refused just below.
        with np.errstate(over="ignore"):
            params[name] = np.ascontiguousarray(array, dtype=np.float32)
    labels = {}
    if "U" in members:      # check_headers saw U and d together, floating point, of fitting shapes
        with np.errstate(over="ignore"):
            labels = {name: np.ascontiguousarray(members.pop(name), dtype=np.float32) for name in ("U", "d")}
    problem = shape_problem(params["W"], params["b"], params["c"])
    problem = problem or (labels and label_shape_problem(labels["U"], labels["d"], params["W"].shape[1]))
    # Checked after the float32 conversion so a float64 value too large for float32 is caught.
    problem = problem or nonfinite_problem(**params, **labels)
    if problem is not None:
        raise ModelFileError(path, problem)

    if "image_shape" in meta:
        problem = image_shape_problem(meta["image_shape"], params["W"].shape[0])
        if problem is not None:
            raise ModelFileError(path, problem)

    arrays = {name: np.ascontiguousarray(array) for name, array in members.items()}
    problem = meta_problem(meta)
    if problem is None and "history_units" in arrays:
        problem = history_units_problem(arrays["history_units"], params["W"].shape[1])
    if problem is not None:
        raise ModelFileError(path, f"meta: {problem}" if "history_units" not in problem else problem)
    return SavedModel(W=params["W"], b=params["b"], c=params["c"], meta=meta, arrays=arrays,
                      U=labels.get("U"), d=labels.get("d"))

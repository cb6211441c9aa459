"""The rbm-gui model file: an ``.npz`` archive holding a trained RBM and its metadata.

Layout of a file written by :func:`save_model` (format ``"rbm-gui-model"``, version 1):

``W``
    float32, shape (n_visible, n_hidden): visible-hidden weights.
``b``
    float32, shape (n_visible,): visible biases.
``c``
    float32, shape (n_hidden,): hidden biases.
``meta``
    0-d numpy unicode string array holding a JSON object (see :func:`save_model` for its keys).
any other member
    an extra array passed in ``arrays`` (e.g. ``weight_history``, ``offsets_v``, ``offsets_h``),
    stored with its own dtype and shape.

Nothing in the file is pickled: :func:`load_model` reads it with ``allow_pickle=False``, so opening
a model file someone sent you cannot run code.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rbm_gui import __version__
from rbm_gui.config import FILE_LIMITS
from rbm_gui.io.atomic import atomic_open
from rbm_gui.io.model_rules import check_headers, history_units_problem, meta_problem
from rbm_gui.io.npz_read import NpzRefused, read_npz
from rbm_gui.io.safe_read import FileTooLargeError, NotRegularFileError, open_regular

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "ModelFileError",
    "SavedModel",
    "default_image_shape",
    "load_model",
    "save_model",
]

#: Value of ``meta["format"]`` in every file this module writes.
FORMAT_NAME = "rbm-gui-model"
#: Newest ``meta["format_version"]`` this module writes and reads.
FORMAT_VERSION = 1

# Archive members that are not free for extra arrays. "file" and "allow_pickle" are keyword
# parameters of np.savez, so an array by that name would collide with them.
_RESERVED_NAMES = frozenset({"W", "b", "c", "meta", "file", "allow_pickle"})
# Extra-array names become zip member names ("<name>.npy"); keep them to identifiers so a name
# can never smuggle a path separator or clash after numpy's ".npy" handling.
_ARRAY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Strict JSON has no literal for NaN or infinity, and training histories contain NaN (a metric not
# measured in some epoch) or inf (a diverged run). They are written as a one-key tagged object so
# decoding is exact and cannot be confused with a genuine string value.
_NONFINITE_TAG = "__float__"
_TEXT_TO_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


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
        JSON-able metadata (see :func:`save_model` for the keys a file carries).
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

    def __post_init__(self) -> None:
        self.W = np.ascontiguousarray(self.W, dtype=np.float32)
        self.b = np.ascontiguousarray(self.b, dtype=np.float32)
        self.c = np.ascontiguousarray(self.c, dtype=np.float32)
        problem = _shape_problem(self.W, self.b, self.c)
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
# Checks shared by save, load and the legacy importer.


def _shape_problem(W: np.ndarray, b: np.ndarray, c: np.ndarray) -> str | None:
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


def _nonfinite_problem(**named: np.ndarray) -> str | None:
    """Name the first array holding NaN or infinity, or return None if all are finite."""
    for name, array in named.items():
        if not np.isfinite(array).all():
            return f"{name} contains NaN or infinite values"
    return None


def _image_shape_problem(shape: Any, n_visible: int) -> str | None:
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


# --------------------------------------------------------------------------------------------
# JSON with non-finite floats.


def _to_json_value(value: Any, where: str) -> Any:
    """Convert ``value`` to plain JSON types, tagging non-finite floats; raise TypeError if not JSON-able."""
    if value is None or isinstance(value, (bool, np.bool_, str)):
        return value.item() if isinstance(value, np.bool_) else value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number):
            return number
        return {_NONFINITE_TAG: "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has a non-string key {key!r}")
            out[key] = _to_json_value(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_to_json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, np.ndarray):
        raise TypeError(f"{where} is a numpy array; pass arrays in the 'arrays' argument instead")
    raise TypeError(f"{where} is a {type(value).__name__}, which cannot be stored as JSON")


def _from_json_object(obj: dict) -> Any:
    """``json.loads`` object hook: turn the non-finite tag back into a float."""
    tag = obj.get(_NONFINITE_TAG) if len(obj) == 1 else None
    # isinstance first: a foreign file may tag a list or object, which cannot be a dict key.
    if isinstance(tag, str) and tag in _TEXT_TO_NONFINITE:
        return _TEXT_TO_NONFINITE[tag]
    return obj


def _history_as_floats(history: Any) -> dict[str, list[float]]:
    """Return ``history`` as {metric name: list of float}; raise TypeError if it is not one."""
    if not isinstance(history, dict):
        raise TypeError(
            f"history must be a dict of metric name -> list of floats, got {type(history).__name__}"
        )
    out = {}
    for name, values in history.items():
        if not isinstance(name, str):
            raise TypeError(f"history has a non-string metric name {name!r}")
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
            raise TypeError(f"history[{name!r}] must be a list of floats")
        floats = []
        for v in values:
            # None appears in hand-edited or foreign files for "no value"; read it as NaN.
            if v is None:
                floats.append(math.nan)
            elif isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise TypeError(f"history[{name!r}] holds a non-number {v!r}")
            else:
                floats.append(float(v))
        out[name] = floats
    return out


# --------------------------------------------------------------------------------------------
# Save.


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
    problem = _shape_problem(W, b, c) or _nonfinite_problem(W=W, b=b, c=c)
    if problem is not None:
        raise ModelFileError(path, f"{problem}; refusing to save a broken model")

    # Read meta directly rather than via model.image_shape, which would raise a bare error on junk.
    image_shape = model.meta.get("image_shape")
    if image_shape is None:
        image_shape = default_image_shape(W.shape[0])
    problem = _image_shape_problem(image_shape, W.shape[0])
    if problem is not None:
        raise ModelFileError(path, problem)

    meta = dict(model.meta)
    meta.update(
        format=FORMAT_NAME,
        format_version=FORMAT_VERSION,
        image_shape=[int(n) for n in image_shape],
        package_version=__version__,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    meta.setdefault("hyperparameters", {})
    meta.setdefault("dataset", "")
    meta.setdefault("epochs_done", 0)
    meta.setdefault("history", {})
    try:
        if not isinstance(meta["hyperparameters"], dict):
            raise TypeError("hyperparameters must be a dict")
        if not isinstance(meta["dataset"], str):
            raise TypeError("dataset must be a string")
        epochs = meta["epochs_done"]
        if isinstance(epochs, (bool, np.bool_)) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise TypeError(f"epochs_done must be a non-negative integer, got {epochs!r}")
        meta["history"] = _history_as_floats(meta["history"])
        meta_json = json.dumps(_to_json_value(meta, "meta"), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(path, f"meta cannot be saved: {exc}") from exc

    members: dict[str, np.ndarray] = {"W": W, "b": b, "c": c}
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

    meta = _parse_meta(path, members.pop("meta"))

    params = {}
    for name in ("W", "b", "c"):
        array = members.pop(name)
        if array.dtype.kind not in "fiu":
            raise ModelFileError(path, f"{name} has non-numeric dtype {array.dtype}")
        # Values beyond float32's range become inf here and are refused just below.
        with np.errstate(over="ignore"):
            params[name] = np.ascontiguousarray(array, dtype=np.float32)
    problem = _shape_problem(params["W"], params["b"], params["c"])
    # Checked after the float32 conversion so a float64 value too large for float32 is caught.
    problem = problem or _nonfinite_problem(**params)
    if problem is not None:
        raise ModelFileError(path, problem)

    if "image_shape" in meta:
        problem = _image_shape_problem(meta["image_shape"], params["W"].shape[0])
        if problem is not None:
            raise ModelFileError(path, problem)

    arrays = {name: np.ascontiguousarray(array) for name, array in members.items()}
    problem = meta_problem(meta)
    if problem is None and "history_units" in arrays:
        problem = history_units_problem(arrays["history_units"], params["W"].shape[1])
    if problem is not None:
        raise ModelFileError(path, f"meta: {problem}" if "history_units" not in problem else problem)
    return SavedModel(W=params["W"], b=params["b"], c=params["c"], meta=meta, arrays=arrays)


def _parse_meta(path: Path, array: np.ndarray) -> dict:
    """Decode and check the ``meta`` member; raise ModelFileError if it is not acceptable."""
    if array.ndim != 0 or array.dtype.kind not in "US":
        raise ModelFileError(
            path, f"meta must be a single string, got {array.dtype} array of shape {array.shape}"
        )
    text = array.item()
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        meta = json.loads(text, object_hook=_from_json_object)
    # ValueError covers JSONDecodeError and integers beyond Python's digit limit; RecursionError
    # comes from absurdly deep nesting. Found by tests/fuzz/test_fuzz_model_file.py.
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(path, f"meta is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise ModelFileError(path, f"meta must be a JSON object, got {type(meta).__name__}")

    fmt = meta.get("format")
    if fmt != FORMAT_NAME:
        raise ModelFileError(path, f"unknown format {fmt!r} (expected {FORMAT_NAME!r})")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(path, f"format_version must be a positive integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            path,
            f"format_version {version} is newer than this rbm-gui supports ({FORMAT_VERSION}); "
            "update rbm-gui to open it",
        )
    if "history" in meta:
        try:
            meta["history"] = _history_as_floats(meta["history"])
        except TypeError as exc:
            raise ModelFileError(path, f"meta {exc}") from exc
    return meta

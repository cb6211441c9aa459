"""What a model file may hold: member shapes checked from headers, metadata types checked after.

:func:`check_headers` runs on the ``.npy`` headers before any data is decompressed, so a member
declaring more than the model limits (``config.LIMITS``, ``config.FILE_LIMITS``) is refused
without reading it. :func:`meta_problem` checks the type of every metadata field the program
reads, so that a model that loads can always be shown and trained (the window applies it only
after loading succeeded).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np

from rbm_gui.config import FILE_LIMITS, LIMITS, TrainingConfig
from rbm_gui.io.npz_read import NpzRefused
from rbm_gui.io.saved_model import MAX_LABELS, MIN_LABELS

__all__ = ["check_headers", "meta_problem", "history_units_problem"]

_REQUIRED = ("W", "b", "c", "meta")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMERIC = "biuf"


def _n_bytes(dtype: np.dtype, shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=object)) * dtype.itemsize


def check_headers(headers: dict[str, tuple[np.dtype, tuple[int, ...]]]) -> None:
    """Refuse (NpzRefused) members that a model within the limits cannot have. No data is read.

    Shape mismatches between b, c and W are left to the checks after reading (their messages
    are more specific); only sizes that could exhaust memory are refused here.
    """
    missing = [name for name in _REQUIRED if name not in headers]
    if missing:
        raise NpzRefused(f"not an rbm-gui model file: missing {', '.join(missing)}")
    max_visible, max_hidden = int(LIMITS["n_visible"][1]), int(LIMITS["n_hidden"][1])
    for name, (dtype, shape) in headers.items():
        if not _IDENTIFIER.match(name):     # extra arrays are named by identifiers (save_model)
            raise NpzRefused(f"member {name!r} is not part of the model format")
        if name == "meta":
            continue
        if dtype.kind not in _NUMERIC:
            raise NpzRefused(f"{name} has non-numeric dtype {dtype}")
        if _n_bytes(dtype, shape) > FILE_LIMITS["npz_member_bytes"]:
            raise NpzRefused(f"{name} declares shape {shape} of {dtype} ({_n_bytes(dtype, shape):,} bytes), "
                             f"more than the {FILE_LIMITS['npz_member_bytes']:,} a model member may hold")
    w_dtype, w_shape = headers["W"]
    if len(w_shape) == 2 and (w_shape[0] > max_visible or w_shape[1] > max_hidden):
        raise NpzRefused(f"W has shape {w_shape}: more than the {max_visible:,} visible and "
                         f"{max_hidden:,} hidden units this program accepts")
    for name, limit in (("b", max_visible), ("c", max_hidden)):
        shape = headers[name][1]
        if len(shape) == 1 and shape[0] > limit:
            raise NpzRefused(f"{name} has {shape[0]:,} entries, more than the {limit:,} allowed")
    m_dtype, m_shape = headers["meta"]
    if m_shape != () or m_dtype.kind not in "US":
        raise NpzRefused(f"meta must be a single string, got {m_dtype} array of shape {m_shape}")
    if m_dtype.itemsize > FILE_LIMITS["npz_meta_bytes"]:
        raise NpzRefused(f"meta is {m_dtype.itemsize:,} bytes, more than the "
                         f"{FILE_LIMITS['npz_meta_bytes']:,} accepted")
    nv, nh = (w_shape + (0, 0))[:2] if len(w_shape) == 2 else (None, None)
    _check_known_extras(headers, nv, nh)


def _check_known_extras(headers, nv, nh) -> None:
    wh = headers.get("weight_history")
    if wh is not None:
        shape = wh[1]
        max_snapshots = int(LIMITS["epochs"][1]) + 1
        if (len(shape) != 3 or wh[0].kind != "f" or shape[1] != nv or shape[2] > (nh or 0)
                or shape[0] > max_snapshots):
            raise NpzRefused(f"weight_history must be float (snapshots <= {max_snapshots:,}, {nv}, "
                             f"units <= {nh}), got {wh[0]} {shape}")
    units = headers.get("history_units")
    if units is not None:
        dtype, shape = units
        n_units = wh[1][2] if wh is not None else None
        if dtype.kind not in "iu" or len(shape) != 1 or (n_units is not None and shape[0] != n_units):
            raise NpzRefused(f"history_units must be {n_units if n_units is not None else 'n'} integers, "
                             f"got {dtype} {shape}")
    for name, n in (("offsets_v", nv), ("offsets_h", nh)):
        if name in headers and headers[name][1] != (n,):
            raise NpzRefused(f"{name} must have shape ({n},), got {headers[name][1]}")
    _check_label_headers(headers, nh)


def _check_label_headers(headers, nh) -> None:
    """A labelled model's U (n_labels, n_hidden) and d (n_labels,), both floating point, or neither."""
    if "U" not in headers and "d" not in headers:
        return
    if "U" not in headers or "d" not in headers:
        raise NpzRefused("label weights U and label biases d must come together")
    (u_dtype, u_shape), (d_dtype, d_shape) = headers["U"], headers["d"]
    if u_dtype.kind != "f" or d_dtype.kind != "f":
        raise NpzRefused(f"U and d must be floating point, got {u_dtype} and {d_dtype}")
    if len(u_shape) != 2 or u_shape[1] != nh or not MIN_LABELS <= u_shape[0] <= MAX_LABELS:
        raise NpzRefused(f"U must be (n_labels, {nh}) with {MIN_LABELS} to {MAX_LABELS} labels, got {u_shape}")
    if d_shape != (u_shape[0],):
        raise NpzRefused(f"d must have shape ({u_shape[0]},) like U's labels, got {d_shape}")


def history_units_problem(units: np.ndarray, n_hidden: int) -> str | None:
    """The tracked units must be distinct hidden-unit indices."""
    if units.size and (units.min() < 0 or units.max() >= n_hidden):
        return f"history_units holds indices outside 0..{n_hidden - 1}"
    if np.unique(units).size != units.size:
        return "history_units holds the same unit twice"
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_CONFIG_TYPES = {f.name: f.type for f in dataclasses.fields(TrainingConfig)}


def _hyperparameter_problem(hp: Any) -> str | None:
    if not isinstance(hp, dict):
        return f"hyperparameters must be an object, got {type(hp).__name__}"
    for name, value in hp.items():
        kind = _CONFIG_TYPES.get(name)
        ok = {"int": _is_int(value) or (isinstance(value, float) and value.is_integer()),
              "float": _is_number(value),
              "bool": isinstance(value, bool),
              "str": isinstance(value, str),
              "dict": isinstance(value, dict)}.get(kind, True)
        if not ok:
            return f"hyperparameters[{name!r}] must be {kind}, got {value!r}"[:200]
    return None


def meta_problem(meta: dict) -> str | None:
    """Describe the first metadata field of the wrong type, or None.

    Fields (all optional): ``epochs_done`` int >= 0, ``dataset``/``dataset_name``/``source`` str,
    ``hyperparameters`` object whose TrainingConfig fields have their types, ``history`` metric
    lists of one length (already floats), ``threshold`` int 1..255, ``data_options`` object,
    ``stochastic_binarisation`` bool.
    """
    epochs = meta.get("epochs_done", 0)
    if not _is_int(epochs) or not 0 <= epochs < 2**53:
        return f"epochs_done must be a non-negative integer, got {epochs!r}"[:200]
    for name in ("dataset", "dataset_name", "source"):
        if name in meta and not isinstance(meta[name], str):
            return f"{name} must be a string, got {type(meta[name]).__name__}"
    if "hyperparameters" in meta:
        problem = _hyperparameter_problem(meta["hyperparameters"])
        if problem:
            return problem
    lengths = {len(v) for v in meta.get("history", {}).values()}
    if len(lengths) > 1:
        return f"history metrics have different lengths {sorted(lengths)}"
    threshold = meta.get("threshold", 128)
    if not _is_int(threshold) or not 1 <= threshold <= 255:
        return f"threshold must be an integer 1..255, got {threshold!r}"[:200]
    if "data_options" in meta and not isinstance(meta["data_options"], dict):
        return "data_options must be an object"
    if not isinstance(meta.get("stochastic_binarisation", False), bool):
        return "stochastic_binarisation must be true or false"
    return None

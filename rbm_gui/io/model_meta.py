"""The ``meta`` member of a model file: a JSON object, written by :func:`meta_to_json` and read
back and format-checked by :func:`parse_meta`.

Strict JSON has no literal for NaN or infinity, and training histories contain NaN (a metric not
measured in some epoch) or inf (a diverged run). They are written as a one-key tagged object,
``{"__float__": "nan"}``, so decoding is exact and cannot be confused with a genuine string.
The types of the fields the program reads are checked by :mod:`rbm_gui.io.model_rules`.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rbm_gui import __version__
from rbm_gui.io.saved_model import ModelFileError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "history_as_floats", "meta_to_json", "parse_meta"]

#: Value of ``meta["format"]`` in every model file rbm-gui writes.
FORMAT_NAME = "rbm-gui-model"
#: Newest ``meta["format_version"]`` rbm-gui writes and reads.
FORMAT_VERSION = 1

_NONFINITE_TAG = "__float__"
_TEXT_TO_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


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


def history_as_floats(history: Any) -> dict[str, list[float]]:
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


def meta_to_json(model_meta: dict, image_shape: Any) -> str:
    """The JSON text of the ``meta`` member: ``model_meta`` plus the keys every file carries.

    ``image_shape`` must already be checked. Sets ``format``, ``format_version``,
    ``image_shape``, ``package_version`` and ``created``; defaults ``hyperparameters``,
    ``dataset``, ``epochs_done`` and ``history`` (see :func:`rbm_gui.io.model_file.save_model`).
    Raises TypeError or ValueError naming the field that cannot be stored.
    """
    meta = dict(model_meta)
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
    if not isinstance(meta["hyperparameters"], dict):
        raise TypeError("hyperparameters must be a dict")
    if not isinstance(meta["dataset"], str):
        raise TypeError("dataset must be a string")
    epochs = meta["epochs_done"]
    if isinstance(epochs, (bool, np.bool_)) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise TypeError(f"epochs_done must be a non-negative integer, got {epochs!r}")
    meta["history"] = history_as_floats(meta["history"])
    return json.dumps(_to_json_value(meta, "meta"), allow_nan=False, ensure_ascii=False)


def parse_meta(path: Path, array: np.ndarray) -> dict:
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
    # ValueError: JSONDecodeError and integers beyond Python's digit limit; RecursionError: absurd
    # nesting (both found by tests/fuzz/test_fuzz_model_file.py).
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
            meta["history"] = history_as_floats(meta["history"])
        except TypeError as exc:
            raise ModelFileError(path, f"meta {exc}") from exc
    return meta

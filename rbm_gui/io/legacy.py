"""Import the pickled models of the original RBM blog post (github.com/mirkomiorelli/RBM).

Those files (``models/binv_nh10.pkl`` and friends) were written by ``RBM_lib.save_model``, a
plain ``pickle.dump`` of an ``RBM_lib.RBM`` instance. Loading a pickle normally imports and calls
whatever the file names, so a pickle from the internet can run any code. This module never does
that: the restricted unpickler of :mod:`rbm_gui.io.legacy_unpickler` resolves only the handful of
globals such a file needs, each to a harmless stand-in, and refuses every other global before
anything from the file runs. This module checks what it returns and converts it to a
:class:`~rbm_gui.io.saved_model.SavedModel`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from rbm_gui.config import FILE_LIMITS
from rbm_gui.io.legacy_unpickler import Refused, load_legacy_state
from rbm_gui.io.saved_model import ModelFileError, SavedModel, default_image_shape, read_error
from rbm_gui.io.safe_read import open_regular

__all__ = ["LEGACY_SOURCE", "LegacyModelError", "import_legacy"]

#: ``meta["source"]`` of an imported model.
LEGACY_SOURCE = "mirkomiorelli/RBM legacy pickle"


class LegacyModelError(ModelFileError):
    """A legacy pickle cannot be imported: unreadable, truncated, not an ``RBM_lib.RBM`` model,
    inconsistent or non-finite weights, or it refers to anything a legacy model does not need
    (which is refused before it can run).

    Same one-line ``"<file name>: <what is wrong>"`` message as :class:`ModelFileError`.
    """


def import_legacy(path: str | os.PathLike) -> SavedModel:
    """Import a pickled ``RBM_lib.RBM`` model from the original blog's repository.

    The file is read with a restricted unpickler (:mod:`rbm_gui.io.legacy_unpickler`): nothing it
    names is imported or called except harmless stand-ins, so a malicious file is refused, not run.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.pkl`` file, e.g. ``models/binv_nh10.pkl``.

    Returns
    -------
    SavedModel
        ``W`` float32 (nv, nh), ``b`` float32 (nv,), ``c`` float32 (nh,), converted from the
        pickled float64 arrays; ``arrays`` empty; ``meta`` with ``image_shape`` ([28, 28] for
        nv == 784, else :func:`~rbm_gui.io.saved_model.default_image_shape`), ``hyperparameters``
        (``learning_rate``, ``decay_rate``, ``gibbs_sampling_steps`` where present), ``dataset``
        ``"legacy import: <file name>"`` and ``source`` ``"mirkomiorelli/RBM legacy pickle"``.
        The number of epochs the model was trained for is not in the file, so ``epochs_done``
        and ``history`` are absent.

    Raises
    ------
    LegacyModelError
        If the file is missing, unreadable, truncated or not a pickle; if it refers to any global
        other than those a legacy model needs; if it is not an ``RBM_lib.RBM``; if W/b/c are
        missing, not numeric, of inconsistent shapes or not finite (also after the float32
        conversion).
    """
    path = Path(path)
    try:
        with open_regular(path, FILE_LIMITS["pickle_bytes"]) as fh:
            data = fh.read()
    except OSError as exc:
        raise read_error(path, exc, LegacyModelError) from exc

    try:
        state = load_legacy_state(data)
    except Refused as exc:
        raise LegacyModelError(path, str(exc)) from exc
    # A truncated or garbage pickle fails with whatever the opcode it stops at raises
    # (UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError, MemoryError...),
    # and the contract is one error type for bad files, hence the broad catch.
    except Exception as exc:
        problem = f"not a readable pickle, or truncated ({type(exc).__name__}: {exc})"
        raise LegacyModelError(path, problem) from exc

    if state is None:
        raise LegacyModelError(path, "does not contain an RBM_lib.RBM model")
    return _model_from_state(path, state)


def _model_from_state(path: Path, state: dict) -> SavedModel:
    """Check the unpickled ``RBM.__dict__`` and turn it into a SavedModel."""
    params = {}
    for name in ("W", "b", "c"):
        array = state.get(name)
        if array is None:
            raise LegacyModelError(path, f"RBM has no {name}")
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "fiu":
            raise LegacyModelError(path, f"RBM.{name} is not a numeric array")
        # Values beyond float32's range become inf here and are refused below.
        with np.errstate(over="ignore"):
            params[name] = np.ascontiguousarray(array, dtype=np.float32)
    W, b, c = params["W"], params["b"], params["c"]

    if W.ndim != 2 or W.shape[0] == 0 or W.shape[1] == 0:
        raise LegacyModelError(path, f"W must be a non-empty 2-D (nv, nh) array, got shape {W.shape}")
    nv, nh = W.shape
    if b.shape != (nv,):
        raise LegacyModelError(path, f"b has shape {b.shape} but W has {nv} visible units")
    if c.shape != (nh,):
        raise LegacyModelError(path, f"c has shape {c.shape} but W has {nh} hidden units")
    for name, declared, actual in (("nv", state.get("nv"), nv), ("nh", state.get("nh"), nh)):
        if isinstance(declared, int) and not isinstance(declared, bool) and declared != actual:
            raise LegacyModelError(path, f"RBM.{name} is {declared} but W has {actual}")
    # After the float32 conversion, so float64 values beyond float32's range are caught too.
    for name, array in params.items():
        if not np.isfinite(array).all():
            raise LegacyModelError(path, f"{name} contains NaN or infinite values")

    hyperparameters: dict[str, Any] = {}
    for key in ("learning_rate", "decay_rate"):
        value = state.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            hyperparameters[key] = float(value)
    steps = state.get("gibbs_sampling_steps")
    if isinstance(steps, int) and not isinstance(steps, bool):
        hyperparameters["gibbs_sampling_steps"] = steps

    meta = {
        "image_shape": [28, 28] if nv == 784 else list(default_image_shape(nv)),
        "hyperparameters": hyperparameters,
        "dataset": f"legacy import: {path.name}",
        "source": LEGACY_SOURCE,
    }
    return SavedModel(W=W, b=b, c=c, meta=meta)

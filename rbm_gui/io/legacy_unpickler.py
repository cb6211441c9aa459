"""The restricted unpickler that reads the original blog's ``RBM_lib.RBM`` pickles without running
anything they name: :func:`load_legacy_state` returns the pickled ``RBM.__dict__``, and every global
other than the few below is refused (:class:`Refused`) before anything from the file runs.

What the file holds (``RBM.__dict__``)
    ``W`` float64 (nv, nh), ``b`` float64 (nv,), ``c`` float64 (nh,), dicts ``h`` and ``v`` of
    float64 state vectors, ints ``nh``, ``nv``, ``gibbs_sampling_steps``, floats
    ``learning_rate``, ``decay_rate``, bools ``binary_h``, ``binary_v``, and ``prob_function``,
    the bound method ``self.sigmoid``, which pickle stores as ``getattr(<the instance>, "sigmoid")``.

Globals resolved, and to what
    ``RBM_lib.RBM``
        :class:`_LegacyRBM`, an empty class whose instances only record the state pickle gives them.
    ``builtins.getattr`` and ``__builtin__.getattr``
        :func:`_legacy_getattr`, which allows only ``getattr(<_LegacyRBM>, "sigmoid")`` and returns
        a placeholder. The ``__builtin__`` spelling is accepted because Python 3 writes it for
        protocol 0-2 pickles (``fix_imports`` maps ``builtins`` to its Python 2 name), and the
        unpickler hands the raw name to ``find_class`` before any mapping.
    ``numpy.core.multiarray._reconstruct`` and ``numpy._core.multiarray._reconstruct``
        :func:`_legacy_reconstruct`, which makes the empty plain ndarray that pickle then fills
        from raw bytes (numpy 1 wrote the first name, numpy 2 writes the second).
    ``numpy.ndarray``
        a token only :func:`_legacy_reconstruct` accepts (pickle never needs to call it).
    ``numpy.dtype``
        :func:`_legacy_dtype`, ``numpy.dtype`` refusing object dtypes.
    ``_codecs.encode``
        :func:`_legacy_latin1_encode`, only ``encode(<str>, "latin1")``: this is how Python 3
        writes ``bytes`` (here: the raw array data) at protocol 0-2.

Python 2 pickles store array data as ``str``; they are read with ``encoding="latin1"``, which
turns those strings back into the original bytes (numpy's ``ndarray.__setstate__`` accepts the
latin-1 string). Pickle protocol 5 (``numpy._core.numeric._frombuffer``) and protocol 0-1 object
reconstruction (``copy_reg._reconstructor``) are not accepted: the original code could not have
written them with its default ``pickle.dump``.
"""

from __future__ import annotations

import io
import pickle
import pickletools
from typing import Any

import numpy as np

__all__ = ["Refused", "load_legacy_state"]


class Refused(Exception):
    """Something a legacy model never needs was refused; the caller adds the file name."""


class _LegacyRBM:
    """Stand-in for ``RBM_lib.RBM``: records the state pickle sets and does nothing else."""

    # Pickle creates the instance with __new__ (NEWOBJ), so no __init__ runs: class default.
    legacy_state: dict | None = None

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise Refused(f"RBM_lib.RBM state is a {type(state).__name__}, expected a dict")
        self.legacy_state = state


class _Sealed:
    """Base of the shared stand-ins: no attributes, and pickle's BUILD on one is refused.

    Without this, a file could BUILD on a stand-in and so set attributes on module-level objects
    that outlive the load.
    """

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise Refused(f"refused setting state on {self!r}")


class _Placeholder(_Sealed):
    """A named inert object: the pickled bound method ``RBM.sigmoid`` and the ``numpy.ndarray`` token."""

    __slots__ = ("_label",)

    def __init__(self, label: str) -> None:
        self._label = label

    def __repr__(self) -> str:
        return f"<legacy {self._label} placeholder>"


class _Guarded(_Sealed):
    """A checking stand-in function for one allowed global."""

    __slots__ = ("_func", "_label")

    def __init__(self, func: Any, label: str) -> None:
        self._func = func
        self._label = label

    def __call__(self, *args: Any) -> Any:
        return self._func(*args)

    def __repr__(self) -> str:
        return f"<legacy stand-in for {self._label}>"


#: What the pickled bound method ``RBM.sigmoid`` becomes; never callable.
_SIGMOID_PLACEHOLDER = _Placeholder("RBM.sigmoid")
#: What ``numpy.ndarray`` resolves to: only accepted as _reconstruct's first argument.
_NDARRAY = _Placeholder("numpy.ndarray")


def _legacy_getattr(obj: Any, name: Any, *default: Any) -> _Placeholder:
    """Stand-in for ``getattr``: only the recursive ``getattr(<RBM>, "sigmoid")`` is allowed."""
    if default or not isinstance(obj, _LegacyRBM) or name != "sigmoid":
        raise Refused(f"refused getattr({type(obj).__name__}, {name!r}); only RBM.sigmoid is allowed")
    return _SIGMOID_PLACEHOLDER


def _legacy_reconstruct(subtype: Any, shape: Any, dtype_code: Any) -> np.ndarray:
    """Stand-in for numpy's ``_reconstruct``: an empty plain ndarray, which BUILD then fills."""
    # numpy's ndarray.__reduce__ always writes (ndarray, (0,), b"b"); anything else is not a
    # plain array and could ask for a huge allocation.
    if subtype is not _NDARRAY or shape != (0,) or dtype_code not in (b"b", "b"):
        raise Refused("refused an array reconstruction that numpy does not write")
    return np.ndarray((0,), dtype=np.int8)


def _legacy_dtype(*args: Any) -> np.dtype:
    """Stand-in for ``numpy.dtype``: any numpy dtype except ones holding Python objects."""
    dtype = np.dtype(*args)
    # Object arrays are filled with unpickled Python objects; a weight matrix never needs them.
    if dtype.hasobject:
        raise Refused(f"refused object dtype {dtype}")
    return dtype


def _legacy_latin1_encode(text: Any, encoding: Any) -> bytes:
    """Stand-in for ``_codecs.encode``: only ``encode(str, "latin1")``, as Python 3 writes bytes."""
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise Refused("refused _codecs.encode other than encode(str, 'latin1')")
    return text.encode("latin-1")


_GETATTR = _Guarded(_legacy_getattr, "getattr")
_RECONSTRUCT = _Guarded(_legacy_reconstruct, "numpy _reconstruct")

_ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("RBM_lib", "RBM"): _LegacyRBM,
    ("builtins", "getattr"): _GETATTR,
    ("__builtin__", "getattr"): _GETATTR,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _Guarded(_legacy_dtype, "numpy.dtype"),
    ("_codecs", "encode"): _Guarded(_legacy_latin1_encode, "_codecs.encode"),
}


class _LegacyUnpickler(pickle.Unpickler):
    """Unpickler that resolves only :data:`_ALLOWED_GLOBALS` and refuses everything else."""

    def find_class(self, module: str, name: str) -> Any:
        # Called for every GLOBAL/STACK_GLOBAL/EXT opcode before the object is used, so a refused
        # name stops the load before any call the file asks for can happen.
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise Refused(f"refused {module}.{name}: a legacy RBM model never refers to it") from None

    def persistent_load(self, pid: Any) -> Any:
        raise Refused("refused a persistent reference; legacy models have none")


#: A legacy model pickle has a few hundred opcodes (most of its bytes are array data); each
#: opcode can make a Python object, so a file of millions of one-byte opcodes is a memory bomb.
_MAX_OPCODES = 100_000


def _count_opcodes(data: bytes) -> None:
    """Walk the opcodes without running them; refuse a pickle with absurdly many."""
    for count, _ in enumerate(pickletools.genops(data), 1):
        if count > _MAX_OPCODES:
            raise Refused(f"refused: more than {_MAX_OPCODES:,} pickle opcodes, far beyond a legacy model")


def load_legacy_state(data: bytes) -> dict | None:
    """Unpickle ``data`` with the restricted unpickler; the ``RBM.__dict__`` it holds, or None if
    it holds no ``RBM_lib.RBM``.

    Raises :class:`Refused` for anything a legacy model does not need, and whatever the failing
    opcode raises for a truncated or garbage pickle.
    """
    _count_opcodes(data)
    obj = _LegacyUnpickler(io.BytesIO(data), encoding="latin1").load()
    if not isinstance(obj, _LegacyRBM):
        return None
    return obj.legacy_state

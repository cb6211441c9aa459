"""Writers for legacy-pickle test fixtures, without the original ``RBM_lib`` installed.

:func:`legacy_pickle_bytes` pickles with the real :mod:`pickle` module an instance of a class that
is registered as ``RBM_lib.RBM`` in ``sys.modules`` only while it pickles, so the stream has the
exact shape ``RBM_lib.save_model`` produced: ``NEWOBJ`` of ``RBM_lib.RBM``, a state dict of numpy
arrays, dicts, ints, floats and bools, and ``prob_function`` as the recursive
``getattr(<the instance>, 'sigmoid')``. numpy 2 names its array reconstructor
``numpy._core.multiarray._reconstruct``; for protocols <= 3 the ``GLOBAL`` opcode is rewritten to
the numpy 1 name ``numpy.core.multiarray._reconstruct`` that 2018-era files carry.

:func:`call_pickle` hand-writes protocol-0 pickles that call an arbitrary global, for the
malicious-file tests.
"""

from __future__ import annotations

import io
import pickle
import pickletools
import sys
import types
from pathlib import Path

import numpy as np

NUMPY1_RECONSTRUCT = "numpy.core.multiarray"
NUMPY2_RECONSTRUCT = "numpy._core.multiarray"


def legacy_state(nv: int = 784, nh: int = 10, seed: int = 0) -> dict:
    """Return an ``RBM_lib.RBM.__dict__`` (without ``prob_function``) as after training.

    Returns
    -------
    dict
        ``W`` float64 (nv, nh), ``b`` float64 (nv,), ``c`` float64 (nh,), ``h``/``v`` dicts of
        float64 vectors, ``nh``, ``nv``, ``gibbs_sampling_steps`` ints, ``learning_rate``,
        ``decay_rate`` floats, ``binary_h``, ``binary_v`` bools, in ``RBM.__init__``'s order.
    """
    rng = np.random.default_rng(seed)
    return {
        "nh": nh,
        "nv": nv,
        "W": rng.normal(0.0, 0.5, size=(nv, nh)),
        "b": rng.uniform(-1.0, 1.0, size=nv),
        "c": rng.normal(0.0, 0.3, size=nh),
        "h": {"d": rng.uniform(size=nh), "r": rng.uniform(size=nh)},
        "v": {"d": (rng.uniform(size=nv) > 0.5).astype(np.float64), "r": rng.uniform(size=nv)},
        "gibbs_sampling_steps": 4,
        "binary_h": True,
        "binary_v": True,
        "learning_rate": 0.04,
        "decay_rate": 0.95,
    }


def _temporary_rbm_lib() -> tuple[types.ModuleType, type]:
    module = types.ModuleType("RBM_lib")

    class RBM:
        def sigmoid(self, x):
            return 1.0 / (1.0 + np.exp(-x))

        def positive_activate(self, v):
            return self.sigmoid(self.c + v @ self.W)

    RBM.__module__ = "RBM_lib"
    RBM.__qualname__ = "RBM"
    module.RBM = RBM
    return module, RBM


def legacy_pickle_bytes(
    state: dict | None = None,
    *,
    protocol: int = 3,
    numpy_module: str = NUMPY1_RECONSTRUCT,
    method_name: str = "sigmoid",
) -> bytes:
    """Pickle an ``RBM_lib.RBM`` with ``state`` as its ``__dict__``, like ``RBM_lib.save_model``.

    Parameters
    ----------
    state : dict, optional
        Instance dict; default :func:`legacy_state`. Values may be anything picklable (tests put
        malicious objects here).
    protocol : int
        Pickle protocol, 2 to 4.
    numpy_module : str
        Module name written for numpy's ``_reconstruct``; anything but numpy 2's own name needs
        protocol <= 3.
    method_name : str
        ``prob_function`` is pickled as ``getattr(<instance>, method_name)``.
    """
    module, rbm_class = _temporary_rbm_lib()
    instance = rbm_class.__new__(rbm_class)
    instance.__dict__.update(legacy_state() if state is None else state)
    instance.prob_function = getattr(instance, method_name)

    previous = sys.modules.get("RBM_lib")
    sys.modules["RBM_lib"] = module
    try:
        data = pickle.dumps(instance, protocol=protocol)
    finally:
        if previous is None:
            del sys.modules["RBM_lib"]
        else:
            sys.modules["RBM_lib"] = previous

    if numpy_module != NUMPY2_RECONSTRUCT:
        data = rename_global(data, (NUMPY2_RECONSTRUCT, "_reconstruct"), (numpy_module, "_reconstruct"))
    return data


def write_legacy_pickle(path: str | Path, state: dict | None = None, **kwargs) -> Path:
    """Write :func:`legacy_pickle_bytes` to ``path`` and return it as a Path."""
    path = Path(path)
    path.write_bytes(legacy_pickle_bytes(state, **kwargs))
    return path


def rename_global(data: bytes, old: tuple[str, str], new: tuple[str, str]) -> bytes:
    """Rewrite every ``GLOBAL`` opcode naming ``old`` to name ``new``.

    Valid for protocols <= 3 only: there ``GLOBAL`` is a newline-terminated text opcode, there are
    no frames, and memo references are indices rather than byte offsets, so changing its length
    breaks nothing.
    """
    ops = list(pickletools.genops(data))
    if any(op.name in ("FRAME", "STACK_GLOBAL") for op, _, _ in ops):
        raise ValueError("rename_global needs a protocol <= 3 pickle")
    out = bytearray()
    # genops gives each opcode's start; the next opcode's start (or the end) is its end.
    ends = [pos for _, _, pos in ops[1:]] + [len(data)]
    for (op, arg, pos), end in zip(ops, ends):
        if op.name == "GLOBAL" and arg == f"{old[0]} {old[1]}":
            out += b"c" + f"{new[0]}\n{new[1]}\n".encode("ascii")
        else:
            out += data[pos:end]
    return bytes(out)


def dis_globals(data: bytes) -> list[str]:
    """Return the ``'module name'`` arguments of the ``GLOBAL`` lines of ``pickletools.dis``."""
    listing = io.StringIO()
    pickletools.dis(data, out=listing)
    found = []
    for line in listing.getvalue().splitlines():
        # An opcode line reads "<pos>: <code> <NAME> <arg>", with indentation after the code.
        _, sep, rest = line.partition(":")
        fields = rest.split(None, 2)
        if sep and len(fields) == 3 and fields[1] == "GLOBAL":
            found.append(fields[2].strip("'"))
    return found


def call_pickle(module: str, name: str, *args: str | list[str]) -> bytes:
    """Hand-write a protocol-0 pickle that calls ``module.name(*args)`` when loaded.

    Each argument is a string or a list of strings.
    """
    out = bytearray(b"c" + f"{module}\n{name}\n".encode("ascii") + b"(")
    for arg in args:
        items = arg if isinstance(arg, list) else [arg]
        if isinstance(arg, list):
            out += b"("
        for item in items:
            out += b"V" + item.encode("raw_unicode_escape") + b"\n"
        if isinstance(arg, list):
            out += b"l"
    out += b"tR."
    return bytes(out)

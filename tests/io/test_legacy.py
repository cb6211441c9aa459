"""Tests for rbm_gui.io.legacy: importing the original blog's pickled RBM models safely."""

from __future__ import annotations

import collections
import pickle
import pickletools
import sys

import numpy as np
import pytest

from legacy_fixture import (
    NUMPY1_RECONSTRUCT,
    NUMPY2_RECONSTRUCT,
    call_pickle,
    dis_globals,
    legacy_pickle_bytes,
    legacy_state,
    write_legacy_pickle,
)
from rbm_gui.io import LegacyModelError, ModelFileError, import_legacy, load_model, save_model

EXPECTED_GLOBALS_PROTOCOL_3 = {
    "RBM_lib RBM",
    "builtins getattr",
    "numpy.core.multiarray _reconstruct",
    "numpy ndarray",
    "numpy dtype",
}


def import_bytes(tmp_path, data: bytes, name: str = "model.pkl"):
    path = tmp_path / name
    path.write_bytes(data)
    return import_legacy(path)


def refused(tmp_path, data: bytes, *words: str) -> LegacyModelError:
    path = tmp_path / "bad.pkl"
    path.write_bytes(data)
    with pytest.raises(LegacyModelError) as info:
        import_legacy(path)
    message = str(info.value)
    assert message.startswith("bad.pkl: ") and "\n" not in message, message
    for word in words:
        assert word in message, message
    return info.value


# ---------------------------------------------------------------------------------------------
# The fixture is what it claims to be


def test_fixture_references_exactly_the_legacy_globals():
    data = legacy_pickle_bytes(protocol=3)
    assert set(dis_globals(data)) == EXPECTED_GLOBALS_PROTOCOL_3
    assert "RBM_lib" not in sys.modules  # the temporary module did not leak


def test_fixture_protocol_2_uses_python2_names():
    # Python 3 writes builtins as __builtin__ and bytes via _codecs.encode below protocol 3.
    assert set(dis_globals(legacy_pickle_bytes(protocol=2))) == {
        "RBM_lib RBM",
        "__builtin__ getattr",
        "numpy.core.multiarray _reconstruct",
        "numpy ndarray",
        "numpy dtype",
        "_codecs encode",
    }


def test_fixture_prob_function_is_the_recursive_bound_method():
    ops = list(pickletools.genops(legacy_pickle_bytes(protocol=3)))
    names = [op.name for op, _, _ in ops]
    # The instance is created by NEWOBJ and memoized straight after.
    newobj = names.index("NEWOBJ")
    assert ops[newobj + 1][0].name == "BINPUT"
    instance_memo = ops[newobj + 1][1]
    getattr_at = next(i for i, (op, arg, _) in enumerate(ops) if op.name == "GLOBAL" and arg == "builtins getattr")
    # getattr, memo put, the instance fetched from the memo, 'sigmoid', 2-tuple, call.
    after = [(op.name, arg) for op, arg, _ in ops[getattr_at + 2 : getattr_at + 6]]
    assert after[0] == ("BINGET", instance_memo)
    assert after[1] == ("BINUNICODE", "sigmoid")
    assert [name for name, _ in after[2:]] == ["BINPUT", "TUPLE2"]


# ---------------------------------------------------------------------------------------------
# Importing


@pytest.mark.parametrize(
    ("protocol", "numpy_module"),
    [(2, NUMPY1_RECONSTRUCT), (3, NUMPY1_RECONSTRUCT), (3, NUMPY2_RECONSTRUCT), (4, NUMPY2_RECONSTRUCT)],
)
def test_import_gives_float32_arrays_and_meta(tmp_path, protocol, numpy_module):
    state = legacy_state(nv=784, nh=10, seed=3)
    path = write_legacy_pickle(tmp_path / "binv_nh10.pkl", state, protocol=protocol, numpy_module=numpy_module)
    model = import_legacy(path)

    for name in ("W", "b", "c"):
        got = getattr(model, name)
        assert got.dtype == np.float32 and got.flags.c_contiguous
        np.testing.assert_array_equal(got, state[name].astype(np.float32))
    assert (model.n_visible, model.n_hidden) == (784, 10)
    assert model.image_shape == (28, 28)
    assert model.meta == {
        "image_shape": [28, 28],
        "hyperparameters": {"learning_rate": 0.04, "decay_rate": 0.95, "gibbs_sampling_steps": 4},
        "dataset": "legacy import: binv_nh10.pkl",
        "source": "mirkomiorelli/RBM legacy pickle",
    }
    assert model.arrays == {}


def test_import_non_mnist_size_uses_default_image_shape(tmp_path):
    model = import_bytes(tmp_path, legacy_pickle_bytes(legacy_state(nv=100, nh=3)))
    assert model.meta["image_shape"] == [10, 10]
    model = import_bytes(tmp_path, legacy_pickle_bytes(legacy_state(nv=30, nh=3)))
    assert model.image_shape == (1, 30)


def test_python2_style_pickle_with_str_array_data(tmp_path):
    # Python 2 wrote array bytes as a str (BINSTRING); encoding="latin1" restores the bytes.
    W = np.arange(6, dtype=np.float64).reshape(3, 2) / 7
    b, c = np.array([0.5, -1.0, 2.0]), np.array([0.25, -0.75])

    def array_ops(a: np.ndarray) -> bytes:
        raw = a.tobytes()
        return (
            b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R"
            + b"(K\x01" + b"".join(b"K" + bytes([n]) for n in a.shape) + (b"\x85" if a.ndim == 1 else b"\x86")
            + b"cnumpy\ndtype\nU\x02f8K\x00K\x01\x87R(K\x03U\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
            + b"\x89T" + len(raw).to_bytes(4, "little") + raw + b"tb"
        )

    data = (
        b"\x80\x02cRBM_lib\nRBM\nq\x00)\x81q\x01}q\x02("
        + b"U\x01W" + array_ops(W) + b"U\x01b" + array_ops(b) + b"U\x01c" + array_ops(c)
        + b"U\x02nvK\x03U\x02nhK\x02U\rlearning_rateG?\xa9\x99\x99\x99\x99\x99\x9a"
        + b"U\rprob_functionc__builtin__\ngetattr\nh\x01U\x07sigmoid\x86R"
        + b"ub."
    )
    model = import_bytes(tmp_path, data)
    np.testing.assert_array_equal(model.W, W.astype(np.float32))
    np.testing.assert_array_equal(model.b, b.astype(np.float32))
    np.testing.assert_array_equal(model.c, c.astype(np.float32))
    assert model.meta["hyperparameters"] == {"learning_rate": 0.05}


def test_imported_model_saves_and_loads(tmp_path):
    model = import_legacy(write_legacy_pickle(tmp_path / "binv_nh20.pkl", legacy_state(nh=20)))
    save_model(tmp_path / "converted.npz", model)
    loaded = load_model(tmp_path / "converted.npz")
    assert loaded.W.tobytes() == model.W.tobytes()
    assert loaded.meta["source"] == "mirkomiorelli/RBM legacy pickle"
    assert loaded.meta["dataset"] == "legacy import: binv_nh20.pkl"


# ---------------------------------------------------------------------------------------------
# Malicious and foreign pickles


def test_error_type():
    assert issubclass(LegacyModelError, ModelFileError)
    assert issubclass(LegacyModelError, ValueError)


def test_os_system_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = call_pickle("os", "system", f"touch {marker}")
    refused(tmp_path, payload, "refused os.system")
    assert not marker.exists()

    # Control: the same bytes given to plain pickle really do run the command, so the
    # assertion above could have failed.
    control = tmp_path / "control"
    pickle.loads(call_pickle("os", "system", f"touch {control}"))
    assert control.exists()


class _RunsCommand:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        import os

        return (os.system, (self.command,))


def test_payload_hidden_inside_a_valid_model_is_refused(tmp_path):
    # RBM_lib.RBM is allowed, but a state value that reduces to os.system (written by pickle as
    # "posix system") is not; the load stops at that global, before the call.
    marker = tmp_path / "pwned"
    state = legacy_state(nv=16, nh=2)
    state["learning_rate"] = _RunsCommand(f"touch {marker}")
    refused(tmp_path, legacy_pickle_bytes(state), "refused posix.system")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (call_pickle("builtins", "eval", "__import__('os').system('touch {marker}')"), ("refused builtins.eval",)),
        (call_pickle("__builtin__", "eval", "__import__('os').system('touch {marker}')"), ("__builtin__.eval",)),
        (call_pickle("subprocess", "Popen", ["touch", "{marker}"]), ("refused subprocess.Popen",)),
        (call_pickle("numpy", "load", "{marker}"), ("refused numpy.load",)),
        (call_pickle("numpy", "frombuffer", "x"), ("numpy.frombuffer",)),
        (call_pickle("copyreg", "_reconstructor", "x"), ("copyreg._reconstructor",)),
        (call_pickle("builtins", "getattr", "abc", "upper"), ("getattr(str, 'upper')",)),
        # getattr on the RBM class itself rather than an instance.
        (b"cbuiltins\ngetattr\n(cRBM_lib\nRBM\nVsigmoid\ntR.", ("getattr(type, 'sigmoid')",)),
        (b"cbuiltins\ngetattr\n(cRBM_lib\nRBM\nV__init__\ntR.", ("getattr(type, '__init__')",)),
        # Reaching os through an allowed stand-in's attributes is refused too.
        (b"cbuiltins\ngetattr\n(cnumpy\ndtype\nV__globals__\ntR.", ("getattr(_Guarded",)),
        # numpy.ndarray is only a token, not something a pickle can call.
        (b"cnumpy\nndarray\n(K\x05tR.", ("not a readable pickle",)),
        # Object arrays would be filled with arbitrary unpickled objects.
        (b"cnumpy\ndtype\n(VO8\nI00\nI01\ntR.", ("object dtype",)),
        # Setting attributes on a shared stand-in via BUILD.
        (b"cnumpy\nndarray\n}(Vx\nK\x01ub.", ("refused setting state",)),
    ],
    ids=[
        "builtins.eval",
        "__builtin__.eval",
        "subprocess.Popen",
        "numpy.load",
        "numpy.frombuffer",
        "copyreg._reconstructor",
        "getattr-on-str",
        "getattr-on-class-sigmoid",
        "getattr-on-class-init",
        "getattr-on-stand-in",
        "call-ndarray",
        "object-dtype",
        "build-on-stand-in",
    ],
)
def test_foreign_globals_are_refused_before_running(tmp_path, payload, words):
    marker = tmp_path / "pwned"
    payload = payload.replace(b"{marker}", str(marker).encode())
    refused(tmp_path, payload, *words)
    assert not marker.exists()


def test_getattr_of_another_method_is_refused(tmp_path):
    # prob_function pickled as getattr(<instance>, 'positive_activate') instead of 'sigmoid'.
    data = legacy_pickle_bytes(legacy_state(nv=16, nh=2), method_name="positive_activate")
    assert "positive_activate" in data.decode("latin1")
    refused(tmp_path, data, "getattr(_LegacyRBM, 'positive_activate')")


def test_pickle_of_another_class_is_refused(tmp_path):
    refused(tmp_path, pickle.dumps(collections.OrderedDict(W=1)), "refused collections.OrderedDict")
    refused(tmp_path, pickle.dumps(_RunsCommand("true")), "refused posix.system")


def test_pickle_without_an_rbm_is_refused(tmp_path):
    # Only allowed globals, but the top-level object is a dict, not an RBM_lib.RBM.
    state = legacy_state(nv=16, nh=2)
    refused(tmp_path, pickle.dumps({"W": state["W"], "b": state["b"], "c": state["c"]}), "does not contain")
    refused(tmp_path, pickle.dumps([1, 2, 3]), "does not contain")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"W": None}, ("no W",)),
        ({"c": "not an array"}, ("RBM.c is not a numeric array",)),
        ({"W": np.ones(16)}, ("2-D",)),
        ({"b": np.zeros(15)}, ("b has shape (15,)",)),
        ({"c": np.zeros(3)}, ("c has shape (3,)",)),
        ({"nv": 17}, ("RBM.nv is 17",)),
        ({"W": np.full((16, 2), np.nan)}, ("W contains NaN",)),
        ({"b": np.full(16, 1e300)}, ("b contains NaN or infinite",)),  # overflows float32
        ({"W": np.ones((16, 2), np.complex128)}, ("not a numeric array",)),
    ],
)
def test_inconsistent_model_is_refused(tmp_path, change, words):
    state = legacy_state(nv=16, nh=2)
    state.update(change)
    if state["W"] is None:
        del state["W"]
    refused(tmp_path, legacy_pickle_bytes(state), *words)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, -1])
def test_truncated_pickle(tmp_path, keep):
    data = legacy_pickle_bytes(legacy_state(nv=64, nh=4))
    cut = len(data) - 1 if keep == -1 else int(len(data) * keep)  # -1: all but the STOP opcode
    refused(tmp_path, data[:cut], "not a readable pickle")


def test_unreadable_inputs(tmp_path):
    refused(tmp_path, b"", "not a readable pickle")
    refused(tmp_path, np.random.default_rng(0).bytes(2000))
    with pytest.raises(LegacyModelError, match="file not found"):
        import_legacy(tmp_path / "missing.pkl")
    with pytest.raises(LegacyModelError, match="directory"):
        import_legacy(tmp_path)

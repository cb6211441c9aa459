"""Fuzz load_model: random, mutated and hand-built .npz files raise only ModelFileError, or load consistently."""

from __future__ import annotations

import io
import os
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbm_gui.io.model_file import ModelFileError, SavedModel, load_model, save_model

from fuzz_helpers import mutated, time_limit

# RBM_GUI_FUZZ_EXAMPLES=5000 for a longer hunt; 150 keeps the suite quick.
FUZZ = settings(max_examples=int(os.environ.get("RBM_GUI_FUZZ_EXAMPLES", 150)), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _valid_file() -> bytes:
    rng = np.random.default_rng(1)
    model = SavedModel(rng.normal(0, 0.1, (6, 3)), rng.normal(0, 1, 6), np.zeros(3),
                       {"image_shape": [2, 3], "dataset": "mnist-sample", "epochs_done": 2,
                        "history": {"epoch": [1.0, 2.0], "recon": [0.5, float("nan")]},
                        "hyperparameters": {"n_hidden": 3}},
                       {"weight_history": rng.random((2, 6, 3), dtype=np.float32)})
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.npz"
        save_model(path, model)
        return path.read_bytes()


VALID = _valid_file()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "fuzz.npz"


def check(path: Path, content: bytes) -> None:
    """load_model on ``content``: ModelFileError or a consistent model, nothing else, quickly."""
    path.write_bytes(content)
    with time_limit(10):
        try:
            model = load_model(path)
        except ModelFileError as exc:
            assert str(exc).startswith(path.name + ": ") and "\n" not in str(exc), str(exc)
            return
    nv, nh = model.W.shape
    assert model.W.dtype == model.b.dtype == model.c.dtype == np.float32
    assert model.b.shape == (nv,) and model.c.shape == (nh,) and nv > 0 and nh > 0
    assert all(np.isfinite(a).all() for a in (model.W, model.b, model.c))
    h, w = model.image_shape
    assert h * w == nv
    assert isinstance(model.meta, dict) and model.meta["format"] == "rbm-gui-model"
    for values in model.meta.get("history", {}).values():
        assert all(isinstance(v, float) for v in values)
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in model.arrays.values())


def test_valid_file_loads(scratch):
    check(scratch, VALID)
    assert load_model(scratch).meta["epochs_done"] == 2


@FUZZ
@given(content=st.binary(max_size=300))
def test_random_bytes(scratch, content):
    check(scratch, content)


@FUZZ
@given(content=st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b))
def test_random_bytes_after_zip_magic(scratch, content):
    check(scratch, content)


@FUZZ
@given(content=mutated(VALID, max_ops=3))
def test_mutated_model_file(scratch, content):
    check(scratch, content)


# ---------------------------------------------------------------- structurally valid archives

def _npz(members: dict[str, object]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, value in members.items():
            if isinstance(value, bytes):
                zf.writestr(name, value)
            else:
                member = io.BytesIO()
                np.lib.format.write_array(member, np.asarray(value), allow_pickle=False)
                zf.writestr(name + ".npy", member.getvalue())
    return buf.getvalue()


META_HEAD = '{"format": "rbm-gui-model", "format_version": 1, "x": '

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["__float__", "image_shape", "history", "format", "x"]) | st.text(max_size=5),
                      children, max_size=4),
    max_leaves=12,
)

meta_objects = st.fixed_dictionaries(
    {"format": st.sampled_from(["rbm-gui-model", "other"]),
     "format_version": st.sampled_from([1, 2, 0, True, 1.0, "1"])},
    optional={"image_shape": json_values | st.lists(st.integers(-2, 8), max_size=3),
              "history": json_values | st.dictionaries(st.text(max_size=4), st.lists(json_values, max_size=3), max_size=3),
              "epochs_done": json_values, "hyperparameters": json_values, "dataset": json_values,
              "extra": json_values},
)

meta_texts = st.one_of(
    meta_objects.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=40),
    st.sampled_from([META_HEAD + '{"__float__": []}}', META_HEAD + '{"__float__": {"a": 1}}}',
                     META_HEAD + '{"__float__": "nan"}}', META_HEAD + 'NaN}', META_HEAD + '"\\ud800"}']),
)

dtypes = st.sampled_from([np.float32, np.float64, np.float16, np.int8, np.uint16, np.int64, bool,
                          np.complex64, "U3", "S2", "M8[s]", [("a", "f4")]])


@st.composite
def arrays(draw, shape_hint):
    shape = draw(st.one_of(st.just(shape_hint), st.lists(st.integers(0, 4), max_size=3).map(tuple)))
    dtype = np.dtype(draw(dtypes))
    data = np.zeros(shape, dtype=dtype)
    if dtype.kind in "fiu" and data.size:
        fill = draw(st.sampled_from([0, 1, -1, 3.5e38, 1e300, float("nan"), float("inf")]))
        with np.errstate(all="ignore"):
            data.flat[draw(st.integers(0, data.size - 1))] = np.asarray(fill).astype(dtype) if dtype.kind == "f" else 1
    return data


@st.composite
def archives(draw):
    nv, nh = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    members: dict[str, object] = {}
    for name, hint in (("W", (nv, nh)), ("b", (nv,)), ("c", (nh,))):
        if draw(st.integers(0, 9)):
            members[name] = draw(arrays(hint))
    choice = draw(st.integers(0, 9))
    if choice > 1:
        members["meta"] = np.array(draw(meta_texts), dtype=np.str_)
    elif choice == 1:
        members["meta"] = draw(arrays(()))
    if draw(st.booleans()):
        members[draw(st.sampled_from(["extra", "weight_history", "W2"]))] = draw(arrays((2, 2)))
    if draw(st.integers(0, 9)) == 0:
        members["raw"] = draw(st.binary(max_size=20))            # a member that is not a .npy
    return _npz(members)


@FUZZ
@given(content=archives())
def test_hand_built_archives(scratch, content):
    check(scratch, content)


# ---------------------------------------------------------------- regressions found by the fuzzer


def _with_meta(text: str) -> bytes:
    return _npz({"W": np.zeros((4, 2), np.float32), "b": np.zeros(4, np.float32),
                 "c": np.zeros(2, np.float32), "meta": np.array(text, dtype=np.str_)})


@pytest.mark.parametrize("text, problem", [
    # json.loads' object hook looked a list up in a dict: TypeError (unhashable type: 'list')
    (META_HEAD + '{"__float__": []}}', None),
    # an integer beyond Python's 4,300-digit limit: a bare ValueError from json.loads
    (META_HEAD + "1" * 5000 + "}", "meta is not valid JSON"),
    # nesting deeper than the recursion limit: RecursionError from json.loads
    (META_HEAD + "[" * 100_000 + "]" * 100_000 + "}", "meta is not valid JSON"),
], ids=["float-tag-holding-a-list", "5000-digit-integer", "deep-nesting"])
def test_meta_regressions(scratch, text, problem):
    scratch.write_bytes(_with_meta(text))
    if problem is None:       # a harmless odd value: loads, kept as it is
        assert load_model(scratch).meta["x"] == {"__float__": []}
    else:
        with pytest.raises(ModelFileError, match=problem):
            load_model(scratch)

"""Tests for rbm_gui.io.model_file: the .npz model file."""

from __future__ import annotations

import json
import math
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import rbm_gui
from rbm_gui.io import (
    FORMAT_NAME,
    FORMAT_VERSION,
    ModelFileError,
    SavedModel,
    default_image_shape,
    load_model,
    save_model,
)


def make_model(nv: int = 784, nh: int = 12, seed: int = 1, **meta) -> SavedModel:
    rng = np.random.default_rng(seed)
    return SavedModel(
        W=rng.normal(0, 0.1, size=(nv, nh)).astype(np.float32),
        b=rng.normal(0, 1, size=nv).astype(np.float32),
        c=rng.normal(0, 1, size=nh).astype(np.float32),
        meta=dict(meta),
    )


def good_members(nv: int = 20, nh: int = 3, **meta_overrides) -> dict:
    """Members of a valid model file, for tests that write malformed variants with np.savez."""
    meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "image_shape": [4, 5]}
    meta.update(meta_overrides)
    return {
        "W": np.ones((nv, nh), np.float32),
        "b": np.zeros(nv, np.float32),
        "c": np.zeros(nh, np.float32),
        "meta": np.array(json.dumps(meta)),
    }


def write_npz(path: Path, members: dict) -> Path:
    with open(path, "wb") as fh:  # a handle, so np.savez writes exactly this name
        np.savez(fh, **members)
    return path


def assert_refused(path: Path, *words: str) -> ModelFileError:
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    assert message.startswith(f"{path.name}: "), message
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return info.value


# ---------------------------------------------------------------------------------------------
# Round trip


def test_round_trip_is_bit_exact_and_keeps_meta(tmp_path):
    history = {
        "reconstruction_error": [0.31, math.nan, 0.12],
        "free_energy_gap": [math.inf, -math.inf, 1.5],
    }
    model = make_model(
        hyperparameters={"learning_rate": 0.05, "n_hidden": 12, "centred": True},
        dataset="MNIST 5k sample",
        epochs_done=3,
        history=history,
        note={"nested": [1, 2, None], "label": "NaN"},  # an extra key, and a string that looks like NaN
    )
    path = tmp_path / "model.npz"
    save_model(path, model)
    loaded = load_model(path)

    for name in ("W", "b", "c"):
        got, want = getattr(loaded, name), getattr(model, name)
        assert got.dtype == np.float32 and got.flags.c_contiguous
        assert got.tobytes() == want.tobytes()  # bit-exact, not just allclose

    meta = loaded.meta
    assert meta["format"] == FORMAT_NAME and meta["format_version"] == FORMAT_VERSION
    assert meta["image_shape"] == [28, 28]
    assert meta["hyperparameters"] == {"learning_rate": 0.05, "n_hidden": 12, "centred": True}
    assert meta["dataset"] == "MNIST 5k sample"
    assert meta["epochs_done"] == 3
    assert meta["package_version"] == rbm_gui.__version__
    assert datetime.fromisoformat(meta["created"]).tzinfo is not None
    assert meta["note"] == {"nested": [1, 2, None], "label": "NaN"}
    assert meta["history"]["reconstruction_error"][0] == 0.31
    assert math.isnan(meta["history"]["reconstruction_error"][1])
    assert meta["history"]["free_energy_gap"][:2] == [math.inf, -math.inf]
    assert loaded.arrays == {}


def test_meta_is_strict_json_in_the_file(tmp_path):
    path = tmp_path / "m.npz"
    save_model(path, make_model(history={"loss": [math.nan, math.inf]}))
    with np.load(path, allow_pickle=False) as npz:
        meta_array = npz["meta"]
    assert meta_array.shape == () and meta_array.dtype.kind == "U"

    def no_constants(name):
        raise AssertionError(f"bare {name} in meta JSON")

    # parse_constant fires on the non-standard NaN/Infinity literals only.
    meta = json.loads(meta_array.item(), parse_constant=no_constants)
    assert meta["history"]["loss"] == [{"__float__": "nan"}, {"__float__": "inf"}]


def test_extra_arrays_round_trip(tmp_path):
    model = make_model(nv=784, nh=12)
    rng = np.random.default_rng(5)
    model.arrays = {
        "weight_history": rng.normal(size=(4, 784, 6)).astype(np.float32),
        "offsets_v": rng.uniform(size=784).astype(np.float32),
        "offsets_h": rng.uniform(size=12).astype(np.float32),
        "snapshot_epochs": np.array([0, 1, 2, 3], dtype=np.int64),
    }
    path = tmp_path / "m.npz"
    save_model(path, model)
    loaded = load_model(path)
    assert set(loaded.arrays) == set(model.arrays)
    for name, want in model.arrays.items():
        got = loaded.arrays[name]
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert "weight_history" not in loaded.meta


def test_non_square_image_shape_round_trips(tmp_path):
    model = make_model(nv=320, nh=7, image_shape=(16, 20))
    assert model.image_shape == (16, 20)
    path = tmp_path / "faces.npz"
    save_model(path, model)
    loaded = load_model(path)
    assert loaded.image_shape == (16, 20)
    assert (loaded.n_visible, loaded.n_hidden) == (320, 7)


@pytest.mark.parametrize(("nv", "shape"), [(784, (28, 28)), (256, (16, 16)), (320, (1, 320)), (1, (1, 1))])
def test_default_image_shape(nv, shape):
    assert default_image_shape(nv) == shape
    assert make_model(nv=nv, nh=2).image_shape == shape


def test_saved_model_converts_to_float32_and_checks_shapes():
    model = SavedModel(W=np.ones((6, 2)), b=np.zeros(6), c=np.zeros(2))
    assert {model.W.dtype, model.b.dtype, model.c.dtype} == {np.dtype(np.float32)}
    with pytest.raises(ValueError, match="c has 3 entries"):
        SavedModel(W=np.ones((6, 2)), b=np.zeros(6), c=np.zeros(3))
    with pytest.raises(ValueError, match="2-D"):
        SavedModel(W=np.ones(6), b=np.zeros(6), c=np.zeros(1))


def test_save_stores_float32_even_if_fields_were_reassigned(tmp_path):
    model = make_model(nv=16, nh=2)
    model.W = np.full((16, 2), 0.1, dtype=np.float64)  # bypasses __post_init__'s conversion
    path = tmp_path / "m.npz"
    save_model(path, model)
    with np.load(path, allow_pickle=False) as npz:
        assert npz["W"].dtype == np.float32
        assert npz["W"].tobytes() == np.full((16, 2), 0.1, dtype=np.float32).tobytes()


def test_save_writes_exactly_the_given_name(tmp_path):
    # np.savez given a *name* without ".npz" would write "model.npz" instead.
    path = tmp_path / "model"
    save_model(path, make_model(nv=16, nh=2))
    assert sorted(os.listdir(tmp_path)) == ["model"]
    assert load_model(path).n_visible == 16


def test_save_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "m.npz"
    save_model(path, make_model(seed=1))
    second = make_model(seed=2)
    save_model(path, second)
    assert load_model(path).W.tobytes() == second.W.tobytes()
    assert os.listdir(tmp_path) == ["m.npz"]


# ---------------------------------------------------------------------------------------------
# Refusing to save


@pytest.mark.parametrize("name", ["W", "b", "c"])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_save_refuses_non_finite_parameters(tmp_path, name, bad):
    model = make_model(nv=16, nh=3)
    getattr(model, name)[1] = bad
    path = tmp_path / "m.npz"
    with pytest.raises(ModelFileError, match=f"{name} contains NaN or infinite"):
        save_model(path, model)
    assert os.listdir(tmp_path) == []


def test_save_refuses_bad_meta_and_arrays(tmp_path):
    path = tmp_path / "m.npz"
    cases = [
        (make_model(nv=320, nh=2, image_shape=[28, 28]), "784 pixels"),
        (make_model(nv=16, nh=2, image_shape="4x4"), "two positive integers"),
        (make_model(nv=16, nh=2, note=object()), "cannot be stored as JSON"),
        (make_model(nv=16, nh=2, weight_history=np.zeros((2, 16, 2))), "arrays"),
        (make_model(nv=16, nh=2, history={"loss": ["high"]}), "non-number"),
        (make_model(nv=16, nh=2, epochs_done=-1), "epochs_done"),
    ]
    for name, array in [
        ("W", np.zeros(2)),
        ("meta", np.zeros(2)),
        ("file", np.zeros(2)),
        ("../evil", np.zeros(2)),
        ("objects", np.array([None, 1], dtype=object)),
    ]:
        model = make_model(nv=16, nh=2)
        model.arrays = {name: array}
        cases.append((model, "array"))
    for model, words in cases:
        with pytest.raises(ModelFileError, match=words):
            save_model(path, model)
        assert os.listdir(tmp_path) == [], words


def test_failed_save_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    old = make_model(seed=1)
    save_model(path, old)
    old_bytes = path.read_bytes()

    real_savez = np.savez

    def savez_then_fail(file, *args, **kwds):
        real_savez(file, *args, **kwds)  # the temporary file really gets the new bytes...
        raise OSError(28, "No space left on device")  # ...then the disk "fills up"

    # Only the I/O entry point is replaced, so the failure strikes after bytes were written.
    monkeypatch.setattr(np, "savez", savez_then_fail)
    with pytest.raises(OSError, match="No space"):
        save_model(path, make_model(seed=2))
    monkeypatch.undo()

    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["m.npz"]  # no temporary file left behind
    assert load_model(path).W.tobytes() == old.W.tobytes()


def test_save_into_a_path_whose_parent_is_a_file(tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    with pytest.raises(OSError):
        save_model(blocker / "m.npz", make_model(nv=16, nh=2))
    assert os.listdir(tmp_path) == ["not_a_dir"]


# ---------------------------------------------------------------------------------------------
# Refusing to load


def test_error_type_and_message():
    err = ModelFileError("/some/dir/model.npz", "W is\nbroken")
    assert isinstance(err, ValueError)
    assert str(err) == "model.npz: W is broken"
    assert err.path == Path("/some/dir/model.npz")


def test_missing_file_and_directory(tmp_path):
    assert_refused(tmp_path / "nope.npz", "file not found")
    (tmp_path / "d.npz").mkdir()
    assert_refused(tmp_path / "d.npz", "directory")


@pytest.mark.parametrize("name", ["W", "b", "c", "meta"])
def test_missing_member(tmp_path, name):
    members = good_members()
    del members[name]
    assert_refused(write_npz(tmp_path / "m.npz", members), "missing", name)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"W": np.ones(20, np.float32), "c": np.zeros(20, np.float32)}, ("2-D",)),
        ({"W": np.ones((20, 3, 1), np.float32)}, ("2-D",)),
        ({"b": np.zeros(19, np.float32)}, ("b has 19", "20 visible")),
        ({"b": np.zeros((20, 1), np.float32)}, ("b must be 1-D",)),
        ({"c": np.zeros(4, np.float32)}, ("c has 4", "3 hidden")),
        ({"W": np.ones((0, 3), np.float32), "b": np.zeros(0, np.float32)}, ("no units",)),
        ({"W": np.full((20, 3), 1e300)}, ("W contains NaN or infinite",)),  # overflows float32
        ({"b": np.array([np.nan] * 20, np.float32)}, ("b contains NaN",)),
        ({"c": np.array([0, np.inf, 0], np.float32)}, ("c contains NaN",)),
        ({"W": np.ones((20, 3), np.complex64)}, ("non-numeric",)),
        ({"W": np.array([[None] * 3] * 20, dtype=object)}, ("pickled",)),
        ({"meta": np.array(["{}", "{}"])}, ("single string",)),
        ({"meta": np.array(3.0)}, ("single string",)),
        ({"meta": np.array("{not json")}, ("not valid JSON",)),
        ({"meta": np.array("[1, 2]")}, ("JSON object",)),
    ],
)
def test_bad_members(tmp_path, change, words):
    members = good_members()
    members.update(change)
    assert_refused(write_npz(tmp_path / "m.npz", members), *words)


@pytest.mark.parametrize(
    ("meta", "words"),
    [
        ({"format": "something-else"}, ("unknown format", "something-else")),
        ({"format": None}, ("unknown format",)),
        ({"format_version": FORMAT_VERSION + 1}, ("newer", "update rbm-gui")),
        ({"format_version": "1"}, ("format_version",)),
        ({"format_version": True}, ("format_version",)),
        ({"image_shape": [28, 28]}, ("784 pixels", "20 visible")),
        ({"image_shape": [20]}, ("two positive integers",)),
        ({"image_shape": [-4, -5]}, ("two positive integers",)),
        ({"history": {"loss": "abc"}}, ("history",)),
    ],
)
def test_bad_meta(tmp_path, meta, words):
    assert_refused(write_npz(tmp_path / "m.npz", good_members(**meta)), *words)


def test_meta_without_format_key(tmp_path):
    members = good_members()
    members["meta"] = np.array(json.dumps({"image_shape": [4, 5]}))
    assert_refused(write_npz(tmp_path / "m.npz", members), "unknown format")


def test_valid_hand_written_file_loads(tmp_path):
    # Control for the rejection tests above: the unmodified members do load.
    loaded = load_model(write_npz(tmp_path / "m.npz", good_members()))
    assert loaded.image_shape == (4, 5) and loaded.W.shape == (20, 3)


def test_truncated_copy(tmp_path):
    good = tmp_path / "good.npz"
    save_model(good, make_model())
    data = good.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 30):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        assert_refused(bad, "corrupt or truncated")


def test_corrupted_member_data(tmp_path):
    good = tmp_path / "good.npz"
    save_model(good, make_model())
    data = bytearray(good.read_bytes())
    # Damage the middle of W's stored bytes; zip's CRC check catches it on read.
    data[len(data) // 3 : len(data) // 3 + 64] = bytes(64)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    assert_refused(bad, "corrupt")


@pytest.mark.parametrize(
    "content",
    [
        np.random.default_rng(0).bytes(5000),
        b"",
        b"PK\x03\x04" + bytes(100),
        b"\x93NUMPY fake npy",
    ],
    ids=["random", "empty", "zip-magic-then-junk", "npy-magic"],
)
def test_not_an_archive(tmp_path, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    assert_refused(path)


def test_plain_npy_and_pickle_files(tmp_path):
    npy = tmp_path / "weights.npy"
    np.save(npy, np.ones((3, 3), np.float32))
    assert_refused(npy, "not an rbm-gui model file")
    pkl = tmp_path / "weights.pkl"
    with open(pkl, "wb") as fh:  # a handle, so np.save does not append ".npy"
        np.save(fh, np.array([{"W": 1}], dtype=object), allow_pickle=True)
    assert_refused(pkl, "not an rbm-gui model file")


def test_zip_that_is_not_an_npz(tmp_path):
    import zipfile

    path = tmp_path / "notes.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert_refused(path, "missing")
    members = good_members()
    write_npz(path, members)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("readme.txt", "hello")
    assert_refused(path, "readme.txt", "not a numpy array")

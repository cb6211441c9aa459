"""Labelled models in model files: U and d round-trip (file, session, checkpoint), older files load
unchanged, and hostile label members are refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

from rbm_gui.config import TrainingConfig
from rbm_gui.engine.rbm import RBM
from rbm_gui.io.checkpoint import CheckpointStore
from rbm_gui.io.model_file import ModelFileError, SavedModel, load_model, save_model
from rbm_gui.session import from_saved, to_saved
from tests.hostile.crafted import model_bomb, model_with_arrays, small_model


def labelled_rbm(nv=16, nh=3, K=4, seed=0) -> RBM:
    rng = np.random.default_rng(seed)
    return RBM(rng.normal(0, 0.1, (nv, nh)), rng.normal(0, 1, nv), rng.normal(0, 1, nh), (4, nv // 4),
               U=rng.normal(0, 1, (K, nh)), d=rng.normal(0, 1, K))


def test_labelled_model_round_trips_through_a_file(tmp_path):
    rbm = labelled_rbm()
    path = tmp_path / "m.npz"
    save_model(path, to_saved(rbm, TrainingConfig(n_hidden=3, labels=True), {}, "x", 2))
    saved = load_model(path)
    assert saved.U.dtype == np.float32 and saved.U.shape == (4, 3) and saved.d.shape == (4,)
    assert "U" not in saved.arrays and "d" not in saved.arrays
    back = from_saved(saved)
    for a, b in zip(rbm.parameters(), back.parameters()):
        assert np.array_equal(a, b)
    np.testing.assert_array_equal(back.label_probs(np.ones((2, 16))), rbm.label_probs(np.ones((2, 16))))


def test_older_unlabelled_files_load_unchanged(tmp_path):
    path = tmp_path / "old.npz"
    save_model(path, small_model())
    saved = load_model(path)
    assert saved.U is None and saved.d is None and from_saved(saved).n_labels == 0


def test_checkpoint_keeps_the_labels(tmp_path, monkeypatch):
    monkeypatch.setenv("RBM_GUI_DATA_DIR", str(tmp_path))
    store = CheckpointStore()
    store.begin_session()
    rbm = labelled_rbm(seed=3)
    path = store.save(to_saved(rbm, TrainingConfig(n_hidden=3, labels=True), {}, "x", 1))
    back = from_saved(load_model(path))
    assert np.array_equal(back.U, rbm.U) and np.array_equal(back.d, rbm.d)
    store.end_session()


def test_a_broken_labelled_model_is_never_written(tmp_path):
    rbm = labelled_rbm()
    rbm.U[0, 0] = np.nan
    with pytest.raises(ModelFileError, match="U contains NaN"):
        save_model(tmp_path / "m.npz", to_saved(rbm, TrainingConfig(n_hidden=3), {}, "x", 1))
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="come together"):
        SavedModel(rbm.W, rbm.b, rbm.c, U=rbm.U)


HOSTILE_LABELS = {
    "U without d": (dict(U=np.zeros((10, 3), np.float32)), "come together"),
    "d without U": (dict(d=np.zeros(10, np.float32)), "come together"),
    "one label": (dict(U=np.zeros((1, 3), np.float32), d=np.zeros(1, np.float32)), "2 to 100"),
    "101 labels": (dict(U=np.zeros((101, 3), np.float32), d=np.zeros(101, np.float32)), "2 to 100"),
    "U for other hidden units": (dict(U=np.zeros((10, 4), np.float32), d=np.zeros(10, np.float32)), "U must be"),
    "U of 3 dimensions": (dict(U=np.zeros((10, 3, 1), np.float32), d=np.zeros(10, np.float32)), "U must be"),
    "d of another length": (dict(U=np.zeros((10, 3), np.float32), d=np.zeros(9, np.float32)), "d must have shape"),
    "d as a matrix": (dict(U=np.zeros((10, 3), np.float32), d=np.zeros((10, 1), np.float32)), "d must have shape"),
    "integer U": (dict(U=np.zeros((10, 3), np.int32), d=np.zeros(10, np.float32)), "floating point"),
    "NaN in U": (dict(U=np.full((10, 3), np.nan, np.float32), d=np.zeros(10, np.float32)), "U contains NaN"),
    "inf in d": (dict(U=np.zeros((10, 3), np.float32), d=np.full(10, np.inf)), "d contains NaN"),
    "d beyond float32": (dict(U=np.zeros((10, 3), np.float32), d=np.full(10, 1e300)), "d contains NaN"),
}


@pytest.mark.parametrize("case", list(HOSTILE_LABELS))
def test_hostile_label_members_are_refused_in_one_line(tmp_path, case):
    arrays, words = HOSTILE_LABELS[case]
    path = model_with_arrays(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    assert message.startswith("bad.npz: ") and "\n" not in message and words in message, message


def test_a_label_member_declaring_gigabytes_is_refused_unread(tmp_path):
    path = model_bomb(tmp_path / "bomb.npz", "U", "<f4", (100_000_000, 3), payload=64 << 10)
    with pytest.raises(ModelFileError, match="more than|come together"):
        load_model(path)

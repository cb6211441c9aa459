"""File ▸ Open and Import of hostile files: the window keeps the user's model, settings and title,
and says in one message why the file was refused (the real window, offscreen)."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest

from rbm_gui.config import TrainingConfig
from tests.hostile.crafted import fifo, model_bomb, model_with_arrays, model_with_meta
from tests.ui.conftest import make_window, private_dirs, settings  # noqa: F401 (fixtures)

CORRUPT_MODELS = {
    "hyperparameters a list": lambda p: model_with_meta(p, hyperparameters=[1, 2]),
    "pcd a string": lambda p: model_with_meta(p, hyperparameters={"pcd": "yes"}),
    "epochs_done a string": lambda p: model_with_meta(p, epochs_done="ten"),
    "epochs_done a list": lambda p: model_with_meta(p, epochs_done=[3]),
    "history a list": lambda p: model_with_meta(p, history=[1, 2]),
    "history of unequal lengths": lambda p: model_with_meta(p, history={"epoch": [1.0, 2.0], "x": [0.1]}),
    "image_shape of strings": lambda p: model_with_meta(p, image_shape=["4", "4"]),
    "dataset an object": lambda p: model_with_meta(p, dataset={"a": 1}),
    "history_units out of range": lambda p: model_with_arrays(
        p, weight_history=np.zeros((2, 16, 2), np.float32), history_units=np.array([0, 9])),
    "weight_history of the wrong width": lambda p: model_with_arrays(
        p, weight_history=np.zeros((2, 5, 2), np.float32)),
    "member bomb": lambda p: model_bomb(p, "junk", "<f4", (30_000, 30_000)),
    "fifo": lambda p: fifo(p),
    "truncated": lambda p: p.write_bytes(b"PK\x03\x04" + bytes(100)) and p,
}


@pytest.fixture
def trained(qtbot, make_window):  # noqa: F811
    """A window with the user's unsaved model (not trained: training adds nothing to what is
    checked here, and costs time) and a changed setting."""
    w = make_window(TrainingConfig(n_hidden=10, epochs=1, batch_size=20, learning_rate=0.05))
    w.panel.widgets["momentum"].setValue(0.7)
    messages = []
    # every message reaches the user through the session's banner text (one place)
    w.session.connect("message", lambda m: m[0] and messages.append((m[0], m[1] == "error")))
    w.messages = messages
    return w


def state(w):
    s = w.session
    return (s.rbm, s.rbm.W.copy(), s.epochs_done, dict(s.history), s.config, w.panel.config(), s.path,
            s.dirty, w.windowTitle(), w.weights_view.rbm.n_hidden)


def assert_unchanged(before, after):
    rbm, W, *rest = before
    assert after[0] is rbm and np.array_equal(after[1], W)
    assert after[2:] == tuple(rest), (after[2:], rest)


@pytest.mark.parametrize("case", list(CORRUPT_MODELS))
def test_open_of_a_hostile_model_changes_nothing_and_says_why(qtbot, trained, tmp_path, case):
    path = tmp_path / "hostile.npz"
    CORRUPT_MODELS[case](path)
    before = state(trained)
    trained.choose_open_path = lambda *a: str(path)
    trained.act_open.trigger()
    assert_unchanged(before, state(trained))
    assert len(trained.messages) == 1, trained.messages
    text, error = trained.messages[0]
    assert error and "hostile.npz" in text and "\n" not in text


@pytest.mark.parametrize("case", ["opcode bomb", "os.system", "fifo", "gzip garbage"])
def test_import_of_a_hostile_pickle_changes_nothing_and_says_why(qtbot, trained, tmp_path, case):
    import os
    path = tmp_path / "hostile.pkl"
    if case == "opcode bomb":
        path.write_bytes(b"\x80\x02" + b"]" * 1_000_000 + b".")
    elif case == "os.system":
        path.write_bytes(pickle.dumps(os.system))
    elif case == "fifo":
        fifo(path)
    else:
        path.write_bytes(gzip.compress(b"x" * 1000))
    before = state(trained)
    trained.choose_open_path = lambda *a: str(path)
    trained.act_import.trigger()
    assert_unchanged(before, state(trained))
    assert len(trained.messages) == 1 and trained.messages[0][1] and "hostile.pkl" in trained.messages[0][0]

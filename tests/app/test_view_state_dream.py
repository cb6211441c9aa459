"""The dream panel's state without Qt: start digits from the session, chains, clock, following the model."""

import numpy as np
import pytest

from rbm_gui.app.data import DataOptions, prepare_data
from rbm_gui.app.dream_state import DreamState
from rbm_gui.app.session import Session
from rbm_gui.engine.dream import DreamChains
from rbm_gui.viz.gallery import SelectedDigit
from tests.app.test_view_state import model, shown


@pytest.fixture(scope="module")
def data():
    return prepare_data(DataOptions(max_train=300, n_val=100))


def test_per_class_starts_come_from_the_session_data_and_the_seed(data):
    s = Session(data=data)
    shown(s, model())
    d = DreamState(s)
    assert d.starts.shape == (8, 784) and d.step_count == 0 and d.note == ""
    # one probe digit per class, in class order
    rows = [int(np.flatnonzero((data.probes == st.astype(bool)).all(axis=1))[0]) for st in d.starts]
    assert list(data.probe_labels[rows]) == list(range(8))
    first = d.starts.copy()
    d.seed = 5
    assert not np.array_equal(d.starts, first)
    d.seed = 0
    np.testing.assert_array_equal(d.starts, first)
    d.new_digits()
    assert not np.array_equal(d.starts, first)


def test_steps_equal_the_engine_chain_and_reset_repeats_them(data):
    s = Session(data=data)
    shown(s, model())
    d = DreamState(s, seed=7)
    frames = []
    d.frame_changed.connect(lambda: frames.append(d.step_count))
    d.step(4)
    ref = DreamChains(d.rbm, d.starts, 7)
    ref.step(4)
    np.testing.assert_array_equal(d.chains.probs, ref.probs)
    d.reset()
    d.step(4)
    np.testing.assert_array_equal(d.chains.probs, ref.probs)
    assert frames == [4, 0, 4]


def test_the_clock_takes_speed_times_elapsed_steps_capped_and_stops_at_the_limit(data):
    s = Session(data=data)
    shown(s, model())
    d = DreamState(s, speed=40, stop_after=50)
    d.play(now=0.0)
    assert d.playing
    assert d.tick(now=0.1) == 4
    assert d.tick(now=5.0) == 10                      # a stall: at most 1/4 s worth
    for t in range(6, 12):
        d.tick(now=float(t))
    assert d.step_count == 50 and not d.playing and "Stopped after 50" in d.note
    d.play(now=10.0)                                   # after the limit: from step 0 again
    assert d.playing and d.step_count == 0


def test_drawn_digits_gallery_picks_and_noise(data):
    s = Session(data=data)
    shown(s, model())
    d = DreamState(s)
    drawn = np.zeros(784, np.float32)
    drawn[300:320] = 1
    d.use_drawn(drawn)
    assert d.source == "drawn"
    np.testing.assert_array_equal(d.starts, np.tile(drawn, (8, 1)))
    s.selected_digit = SelectedDigit(drawn, None, "drawn")        # a drawing is no gallery pick
    assert d.selection == []
    picks = data.probes[:3].astype(np.float32)
    for i, p in enumerate(picks):
        s.selected_digit = SelectedDigit(p, None, f"test #{i}", ("test", i))
    d.source = "gallery"
    np.testing.assert_array_equal(d.starts[:3], picks)
    np.testing.assert_array_equal(d.starts[3], picks[0])
    assert "3 selected digit(s)" in d.note
    d.source = "noise"
    assert set(np.unique(d.starts)) <= {0.0, 1.0}


def test_snapshots_continue_the_chains_when_following_and_a_new_model_restarts_them(data):
    s = Session(data=data)
    shown(s, model(seed=1))
    d = DreamState(s)
    d.step(3)
    snap = model(seed=2)
    s.model = snap                                    # a training frame
    assert d.rbm is snap and d.step_count == 3
    d.follow = False
    s.model = model(seed=3)
    assert d.rbm is snap
    starts = d.starts.copy()
    shown(s, model(seed=4))                           # a different model: step 0, same start digits
    assert d.step_count == 0 and d.rbm is s.model
    np.testing.assert_array_equal(d.starts, starts)
    shown(s, None)
    assert d.chains is None and d.frame() is None

"""The views' states without Qt: what each view shows follows the session, computed once per change."""

import numpy as np
import pytest

from rbm_gui.app.data import DataOptions, prepare_data
from rbm_gui.app.explorer_state import ExplorerState
from rbm_gui.app.session import Session
from rbm_gui.app.gallery_state import GalleryState
from rbm_gui.app.view_state import (ExportState, HistoryState, ViewStates, WeightsState,
                                    restore_values)
from rbm_gui.engine.explore import explain
from rbm_gui.engine.rbm import RBM
from rbm_gui.viz.gallery import SelectedDigit


@pytest.fixture(scope="module")
def data():
    return prepare_data(DataOptions(max_train=300, n_val=100))


def model(n_hidden=12, seed=0):
    rng = np.random.default_rng(seed)
    return RBM(rng.normal(0, 0.3, (784, n_hidden)).astype(np.float32), np.zeros(784, np.float32),
               rng.normal(0, 0.5, n_hidden).astype(np.float32), (28, 28)).snapshot()


def shown(session, rbm):
    """What the session does when it shows a different model (Session.publish)."""
    session.selected_unit = None
    session.model = rbm
    session.model_replaced.emit(rbm)


def test_probe_probabilities_are_computed_once_per_model_and_probe(data):
    s = Session(data=data)
    st = WeightsState(s)
    assert st.probs() is None and st.summary() == "No model."
    rbm = model()
    shown(s, rbm)
    p = st.probs()
    np.testing.assert_array_equal(p, rbm.hidden_probs(data.probes[0])[0])
    st.threshold = 0.3
    st.per_tile = True
    st.probs(), st.flagged(), st.summary()
    assert st.computations == 1                       # options do not recompute P(h|v)
    np.testing.assert_array_equal(st.flagged(), p >= 0.3)
    st.choose_probe(5)
    np.testing.assert_array_equal(st.probs(), rbm.hidden_probs(data.probes[5])[0])
    assert st.computations == 2
    s.model = model(seed=1)                            # a training frame: a new snapshot
    st.probs()
    assert st.computations == 3


def test_the_selected_digit_probes_and_the_test_digit_number_agrees(data):
    s = Session(data=data)
    st = WeightsState(s)
    shown(s, model())
    s.selected_digit = SelectedDigit(data.probes[7].astype(np.float32), None, "test #7", ("test", 7))
    assert st.probe_index == 7 and st.probe_digit is None and st.probe_name() == "test digit #7"
    drawn = np.zeros(784, np.float32)
    drawn[100:140] = 1
    s.selected_digit = SelectedDigit(drawn, None, "drawn")
    np.testing.assert_array_equal(st.probe_vector(), drawn)
    assert st.probe_name() == "drawn"
    # a digit that carries a test key but is not that probe (another data set) stays a digit of its own
    s.selected_digit = SelectedDigit(drawn, None, "test #3", ("test", 3))
    assert st.probe_digit is not None
    st.choose_probe(2)
    assert st.probe_digit is None
    np.testing.assert_array_equal(st.probe_vector(), data.probes[2].astype(np.float32))


def test_unit_text_describes_the_model_shown_now(data):
    s = Session(data=data)
    st = WeightsState(s)
    a, b = model(seed=1), model(seed=2)
    shown(s, a)
    assert s.selected_unit == 0
    st.select_unit(9)
    assert f"{float(a.c[9]):+.4f}" in st.unit_text(9)
    s.model = b                                       # a training frame: the selection stays
    assert f"{float(b.c[9]):+.4f}" in st.unit_text(9) and s.selected_unit == 9
    shown(s, model(n_hidden=4))                       # a different model: unit 0 is selected
    assert s.selected_unit == 0 and st.unit_text(9) == ""


def test_history_columns_and_stored_values():
    s = Session(history_units=np.arange(30))
    h = HistoryState(s)
    np.testing.assert_array_equal(h.columns(), np.arange(10))
    h.update(first_unit=25, count=10)
    np.testing.assert_array_equal(h.columns(), np.arange(25, 30))
    restore_values(h, {"count": "7", "zoom": "99", "per_tile": "false", "first_unit": "x", "nope": 1})
    assert h.count == 7 and h.zoom == 2 and h.per_tile is False and h.first_unit == 25


def test_the_gallery_loads_the_session_data_set_and_its_pick_is_the_selected_digit(data):
    s = Session(data_options=data.options)
    g = GalleryState(s)
    assert g.model is None
    s.data = data
    assert g.model.count == 10_000 and s.selected_digit.key == ("test", 0)
    np.testing.assert_array_equal(g.model.digits[:len(data.probes)], data.probes)   # binarised alike
    g.label_filter = 3
    assert s.selected_digit.label == 3
    assert g.select_position(2) and s.selected_digit.key == ("test", int(g.model.indices[2]))
    g.split = "train"                                 # the label filter stays
    assert g.model.count == 500 and s.selected_digit.source.startswith("train #")
    g.label_filter = -1
    assert g.model.count == 5000


def test_explorer_numbers_are_the_engine_explanation_and_the_sheet_starts_with_each_class(data):
    s = Session(data_options=data.options)
    g = GalleryState(s)
    e = ExplorerState(s, g)
    s.data = data
    assert e.problem() == "No model."
    rbm = model()
    shown(s, rbm)
    ex = e.explain()
    ref = explain(rbm, s.selected_digit.vector, 100, 1)
    np.testing.assert_array_equal(ex.average, ref.average)
    assert len(e.units(ex)) == 12
    labels = g.model.labels[[int(c[1:]) for c in e.sheet_captions]]
    assert list(labels) == list(range(10)) and e.sheet_digits.shape == (10, 784)
    assert e.add_selected() and e.sheet_digits.shape == (11, 784)
    avg = e.averages()
    assert avg.shape == (11, 784) and np.all((avg >= 0) & (avg <= 1))
    e.resample()
    assert not np.array_equal(e.explain().sample, ex.sample) or not np.array_equal(e.explain().average, ex.average)


def test_export_options_start_at_the_dream_panels_speed_and_steps(data):
    s = Session(data=data)
    states = ViewStates(s)
    states.dream.update(speed=40, stop_after=300, show="samples")
    d = states.export.dream_defaults()
    assert (d.fps, d.steps, d.show) == (40.0, 300, "samples")
    states.export.dream_options = type(d)(format="mp4", scale=3)
    d = states.export.dream_defaults()
    assert (d.format, d.scale, d.fps) == ("mp4", 3, 40.0)
    assert isinstance(states.export, ExportState)


def test_parameter_histograms_count_every_finite_parameter():
    from rbm_gui.app.view_state import parameter_histograms
    rbm = model()
    h = parameter_histograms(rbm)
    assert set(h) == {"W", "b", "c"}
    edges, counts = h["W"]
    assert len(edges) == 61 and counts.sum() == rbm.W.size
    assert edges[0] == rbm.W.min() and edges[-1] == rbm.W.max()

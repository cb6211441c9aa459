"""Knocking units out / forcing them on: the effective model, undo/redo, and the trained model untouched."""

import numpy as np
import pytest

from rbm_gui.app.data import DataOptions
from rbm_gui.app.session import Session
from rbm_gui.app.unit_overrides import UnitOverrides, apply
from rbm_gui.app.view_state import ViewStates
from rbm_gui.config import TrainingConfig
from rbm_gui.engine.run import EpochEnd
from rbm_gui.io.model_file import load_model, save_model

SMALL = DataOptions(max_train=200, n_val=50)


def trained_session(n_hidden=8):
    s = Session(TrainingConfig(n_hidden=n_hidden, epochs=2, batch_size=20), SMALL)
    s.load_data()
    s.new_model()
    run = s.make_run()
    for event in run:
        if isinstance(event, EpochEnd):
            s.record_epoch(event)
    s.run = None
    s.show_frame(s.rbm.snapshot())
    return s


def test_forced_units_have_probability_exactly_zero_and_one_for_any_input():
    s = trained_session()
    eff = apply(s.model, off=[1, 3], on=[5])
    rng = np.random.default_rng(0)
    V = np.vstack([s.data.train[:50], rng.random((50, 784)), np.ones((1, 784)), np.zeros((1, 784))])
    P = eff.hidden_probs(V)
    assert (P[:, [1, 3]] == 0).all() and (P[:, 5] == 1).all()
    others = [0, 2, 4, 6, 7]
    np.testing.assert_array_equal(P[:, others], s.model.hidden_probs(V)[:, others])
    # sampled hidden states obey it too (the reconstructions and dreams draw from these)
    h = eff.sample_hidden(V, rng)
    assert not h[:, [1, 3]].any() and h[:, 5].all()
    assert eff.W is s.model.W and not eff.c.flags.writeable


def test_forced_off_is_the_model_without_the_unit():
    """A knocked-out unit removes its factor from P(v): free energies equal those of the smaller model."""
    from rbm_gui.engine.rbm import RBM
    s = trained_session()
    m = s.model
    eff = apply(m, off=[2])
    keep = [k for k in range(m.n_hidden) if k != 2]
    smaller = RBM(m.W[:, keep], m.b, m.c[keep])
    V = s.data.train[:40]
    np.testing.assert_allclose(eff.free_energy(V), smaller.free_energy(V), rtol=1e-6)


def test_undo_redo_and_description():
    o = UnitOverrides()
    seen = []
    o.connect("forced", seen.append)
    assert o.knock_out([1, 2]) and o.force_on(3) and o.knock_out(3)
    assert o.off == {1, 2, 3} and o.on == frozenset()
    assert o.describe().startswith("3 units knocked out")
    assert o.undo() and o.off == {1, 2} and o.on == {3}
    assert o.undo() and o.undo() and not o.active and not o.can_undo()
    assert o.redo() and o.off == {1, 2}
    assert not o.knock_out([1])                 # no change: nothing to undo
    o.release(1)
    assert o.off == {2} and not o.can_redo()
    assert len(seen) == 8


def test_views_follow_the_overrides_and_undo_restores_them():
    s = trained_session()
    states = ViewStates(s)
    v = s.data.probes[0]
    s.select = None
    probs0 = states.weights.probs().copy()
    k = int(np.argmax(probs0))
    s.overrides.knock_out(k)
    assert states.weights.probs()[k] == 0 and s.effective_model is not s.model
    assert "knocked out" in states.weights.unit_text(k)
    assert states.dream.rbm is s.effective_model
    from rbm_gui.viz.gallery import SelectedDigit
    s.selected_digit = SelectedDigit(v, 7, "test #0", ("test", 0))
    assert states.explorer.explain().probs[k] == 0
    s.overrides.undo()
    assert s.effective_model is s.model and states.dream.rbm is s.model
    np.testing.assert_array_equal(states.weights.probs(), probs0)


def test_saving_after_a_knock_out_writes_the_trained_parameters_bit_identical(tmp_path):
    s = trained_session()
    W, b, c = (a.copy() for a in (s.rbm.W, s.rbm.b, s.rbm.c))
    s.overrides.knock_out([0, 1, 2])
    s.overrides.force_on([5])
    s.show_frame(s.rbm.snapshot())          # frames keep the overrides
    assert s.overrides.active and (s.effective_model.hidden_probs(s.data.probes[:5])[:, 5] == 1).all()
    path = tmp_path / "m.npz"
    save_model(path, s.to_saved_model())
    saved = load_model(path)
    for name, a in (("W", W), ("b", b), ("c", c)):
        assert getattr(saved, name).tobytes() == a.tobytes()
    frozen = s.freeze()()               # what autosave writes
    assert frozen.c.tobytes() == c.tobytes() and frozen.W.tobytes() == W.tobytes()


def test_a_new_model_clears_the_overrides_and_their_undo():
    s = trained_session()
    s.overrides.knock_out(1)
    s.new_model()
    assert not s.overrides.active and not s.overrides.can_undo() and s.effective_model is s.model


def test_a_labelled_model_keeps_its_label_units_and_forced_units_hold_with_any_label():
    from rbm_gui.engine.rbm import RBM
    rng = np.random.default_rng(3)
    m = RBM(rng.normal(0, 0.3, (784, 6)), rng.normal(0, 1, 784), rng.normal(0, 1, 6),
            U=rng.normal(0, 5, (10, 6)), d=rng.normal(0, 1, 10)).snapshot()
    eff = apply(m, off=[0], on=[1])
    assert np.shares_memory(eff.U, m.U) and np.array_equal(eff.d, m.d)
    V = rng.random((20, 784))
    for label in range(10):
        y = np.zeros((20, 10), np.float32)
        y[:, label] = 1
        P = eff.hidden_probs(V, y)
        assert (P[:, 0] == 0).all() and (P[:, 1] == 1).all()
        np.testing.assert_array_equal(P[:, 2:], m.hidden_probs(V, y)[:, 2:])

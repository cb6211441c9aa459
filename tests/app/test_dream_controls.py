"""The dream panel's steering controls without Qt: mask editing and undo, the engine values, the class
timeline, and DreamState feeding them to the chains (labelled and unlabelled models)."""

import numpy as np
import pytest

from rbm_gui.app.class_timeline import ClassTimeline
from rbm_gui.app.data import DataOptions, prepare_data
from rbm_gui.app.dream_controls import STEERED_TEMPERING, DreamControls, apply_controls, label_probs, steerable
from rbm_gui.app.dream_state import DreamState
from rbm_gui.engine.steer import DEFAULT_LABEL_STRENGTH as LABEL_STRENGTH
from rbm_gui.app.session import Session
from rbm_gui.engine.dream import DreamChains
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.tempering import DEFAULT_HOTTEST
from tests.app.test_view_state import model, shown


@pytest.fixture(scope="module")
def data():
    return prepare_data(DataOptions(max_train=300, n_val=100))


def labelled_model(probes, labels, per_class=5, a=0.3):
    """A hand-built labelled RBM: each hidden unit is one probe digit (a template) whose label weight
    points at that digit's class, so P(y|v) is a rough nearest-template classifier (~70% right)."""
    rows = np.concatenate([np.flatnonzero(labels == k)[:per_class] for k in range(10)])
    t = probes[rows].astype(np.float32)
    W = (a * (2 * t - 1)).T.astype(np.float32)
    c = (-0.5 * a * t.sum(axis=1)).astype(np.float32)
    U = np.full((10, len(rows)), -2.0, np.float32)
    U[labels[rows], np.arange(len(rows))] = 4.0
    p = probes.mean(axis=0).clip(0.02, 0.98)
    b = (np.log(p / (1 - p)) - 0.5).astype(np.float32)
    return RBM(W, b, c, (28, 28), U, np.zeros(10, np.float32)).snapshot()


# ---------------------------------------------------------------------------------------- the mask
def test_strokes_presets_clear_invert_and_undo_edit_one_mask():
    c = DreamControls((28, 28))
    seen = []
    c.connect("mask", seen.append)
    assert c.mask is None and c.clamp_vector(784) is None and not c.can_undo
    c.begin_stroke()
    c.paint((5.5, 5.5), None, radius=0)
    c.paint((5.5, 9.5), (5.5, 5.5), radius=0)          # a drag: the whole segment
    assert c.n_clamped == 5 and c.mask[5, 5:10].all() and not c.mask.flags.writeable
    c.begin_stroke()
    c.paint((5.5, 7.5), None, radius=0, value=False)    # erase one pixel
    assert c.n_clamped == 4 and not c.mask[5, 7]
    assert c.undo() and c.n_clamped == 5                # back to before the erasing stroke
    c.preset("top")
    assert c.mask[:14].all() and not c.mask[14:].any()
    c.preset("right")
    assert c.mask[:, 14:].all() and not c.mask[:, :14].any()
    c.invert()
    assert c.mask[:, :14].all() and not c.mask[:, 14:].any()
    c.clear()
    assert c.mask is None and c.clamp_vector(784) is None
    for expect in ("left", "right", "top"):             # undo walks back through every edit
        assert c.undo()
        assert c.mask is not None
    assert c.mask[:14].all() and c.undo() and c.n_clamped == 5 and c.undo() and c.mask is None
    assert not c.undo() and not c.can_undo
    assert len(seen) >= 10 and seen[-1] is None
    with pytest.raises(ValueError, match="preset"):
        c.preset("middle")
    with pytest.raises(ValueError, match="pixels"):
        c.set_mask(np.ones(100))


def test_a_mask_of_another_image_size_is_dropped_and_an_empty_one_is_no_clamp():
    c = DreamControls((28, 28))
    c.set_mask(np.zeros(784))
    assert c.mask is None
    c.preset("left")
    np.testing.assert_array_equal(c.clamp_vector(784), np.tile(np.arange(28) < 14, 28))
    assert c.clamp_vector(100) is None                  # a model of another size clamps nothing
    c.set_shape((10, 10))
    assert c.mask is None and not c.can_undo


def test_engine_values_give_a_label_only_to_labelled_models(data):
    c = DreamControls(label=3, temperature=2.0, tempering=True, tempering_k=5)
    plain = c.engine_values(model())
    assert plain == {"label": None, "label_strength": LABEL_STRENGTH, "clamp": None, "temperature": 2.0,
                     "tempering": 5, "hottest": 2.0 * DEFAULT_HOTTEST, "wander": 0.0}
    assert c.engine_values(labelled_model(data.probes, data.probe_labels))["label"] == 3
    c.update(tempering=False, wander=1.0)
    assert c.engine_values(model())["tempering"] is None and c.engine_values(model())["hottest"] is None
    assert c.engine_values(model())["wander"] == 1.0
    with pytest.raises(ValueError):
        c.set_temperature(0)
    with pytest.raises(ValueError):
        c.set_label(-1)


def test_neutral_controls_need_no_engine_support_and_others_are_reported_when_missing(data):
    class Bare:                      # chains without any setter
        rbm = model()
    c = DreamControls()
    assert apply_controls(Bare(), c) == set()
    c.update(temperature=2.0, tempering=True)
    c.preset("top")
    assert apply_controls(Bare(), c) == {"temperature", "tempering", "clamp"}
    chains = DreamChains(model(), data.probes[:2], 0)
    assert apply_controls(chains, c) == {"temperature", "tempering", "clamp"} - steerable(chains)


# ---------------------------------------------------------------------------------------- the timeline
def test_the_timeline_keeps_the_last_steps_oldest_first():
    t = ClassTimeline(2, length=4)
    assert (t.codes() == -1).all() and t.latest() is None
    for k in range(6):
        t.push([k, 9 - k], step=k)
    np.testing.assert_array_equal(t.codes(), [[2, 3, 4, 5], [7, 6, 5, 4]])
    np.testing.assert_array_equal(t.latest(), [5, 4])
    assert t.n_recorded == 6 and t.last_step == 5
    t.push_probs(np.eye(3)[[1, 0, 2]])                  # another chain count starts afresh
    assert t.codes().shape == (3, 4) and list(t.codes()[:, -1]) == [1, 0, 2] and t.n_recorded == 1
    t.push([7, 8, 9], step=4, span=2)                   # a frame of 2 steps: 2 columns of its class
    np.testing.assert_array_equal(t.codes(), [[-1, 1, 7, 7], [-1, 0, 8, 8], [-1, 2, 9, 9]])
    t.push([5, 5, 5], step=14, span=10)                 # more than the length: the whole strip
    assert (t.codes() == 5).all() and t.latest().tolist() == [5, 5, 5] and t.last_step == 14


# ---------------------------------------------------------------------------------------- DreamState
def test_a_labelled_dream_records_the_most_likely_digit_of_each_drawn_frame(data):
    s = Session(data=data)
    rbm = labelled_model(data.probes, data.probe_labels)
    shown(s, rbm)
    d = DreamState(s, seed=3, n_chains=6)
    assert d.timeline.n_recorded == 1                   # step 0: the start digits
    for _ in range(3):
        d.step(1)                                       # one step a frame: every step is looked at
    d.step(3)                                           # three in one frame: its class fills 3 columns
    ref = DreamChains(rbm, d.starts, 3)
    expected = [np.argmax(label_probs(ref), axis=1)]
    for k in range(6):
        ref.step(1)
        if k < 3 or k == 5:
            expected.append(np.argmax(rbm.label_probs(ref.samples.astype(np.float32)), axis=1))
    expected[-1:] = expected[-1:] * 3
    np.testing.assert_array_equal(d.timeline.codes()[:, -7:], np.stack(expected, axis=1))
    assert (d.timeline.codes()[:, :-7] == -1).all() and d.timeline.n_recorded == 5
    assert d.timeline.last_step == 6 and d.label_probs.shape == (6, 10)
    np.testing.assert_array_equal(d.label_probs, label_probs(ref))        # the frame shown, exactly
    np.testing.assert_allclose(d.label_probs.sum(axis=1), 1, atol=1e-5)
    d.reset()
    assert d.timeline.n_recorded == 1 and d.step_count == 0
    d.n_chains = 3                                      # a restart: rows follow the chains
    assert d.timeline.codes().shape[0] == 3


def test_an_unlabelled_dream_has_no_label_probabilities_or_timeline(data):
    s = Session(data=data)
    shown(s, model())
    d = DreamState(s)
    d.controls.set_label(4)                             # chosen, but this model has no labels
    d.step(3)
    assert d.label_probs is None and d.timeline.n_recorded == 0
    assert "label" not in d.unsteered


def test_controls_chosen_before_a_model_exists_reach_its_chains(data):
    s = Session(data=data)
    d = DreamState(s)
    d.controls.preset("bottom")
    d.controls.set_temperature(0.7)
    shown(s, model())
    assert d.chains is not None and d.controls.shape == (28, 28) and d.controls.n_clamped == 392
    assert d.unsteered == {"clamp", "temperature"} - steerable(d.chains)


# ---------------------------------------------------------------------------------------- hottest, wander
def test_the_hottest_temperature_is_a_multiple_of_t_and_follows_it(data):
    s = Session(data=data)
    shown(s, model())
    d = DreamState(s)
    d.controls.update(tempering=True, tempering_k=3, hottest=3.0)
    np.testing.assert_allclose(d.chains.temperatures, [1.0, 3 ** 0.5, 3.0])
    d.controls.set_temperature(0.8)                     # the ladder moves with T
    np.testing.assert_allclose(d.chains.temperatures, [0.8, 0.8 * 3 ** 0.5, 2.4])
    d.step(3)
    assert d.unsteered == set() and d.chains.step_count == 3
    values = d.controls.engine_values(d.rbm)            # the window's export: the same ladder
    assert values["tempering"] == 3 and values["hottest"] == pytest.approx(2.4) and values["wander"] == 0
    ref = DreamChains(d.rbm, d.starts, d.seed, **values)
    np.testing.assert_allclose(ref.temperatures, d.chains.temperatures)


def test_wandering_waits_while_tempering_is_on(data):
    s = Session(data=data)
    shown(s, model())
    d = DreamState(s)
    d.controls.wander = 1.5
    assert d.chains.wander == 1.5 and d.chains.tempering is None
    d.step(2)
    d.controls.tempering = True                         # tempering on: the engine refuses both, wander waits
    assert d.chains.tempering == STEERED_TEMPERING and d.chains.wander == 0 and d.unsteered == set()
    d.controls.wander = 2.0                             # chosen while tempering: still waits
    assert d.chains.wander == 0
    d.controls.tempering = False
    assert d.chains.tempering is None and d.chains.wander == 2.0 and d.step_count == 2
    d.reset()                                           # fresh chains get every control in a valid order
    d.controls.tempering = True
    d.reset()
    assert d.chains.tempering == STEERED_TEMPERING and d.chains.wander == 0


# ---------------------------------------------------------------------------------------- dream of K
def test_dreaming_of_a_digit_starts_from_noise_unless_start_digits_were_chosen(data):
    s = Session(data=data)
    shown(s, labelled_model(data.probes, data.probe_labels))
    d = DreamState(s, seed=2)
    assert d.source == "per-class"
    d.step(5)
    d.controls.set_label(4)
    assert d.source == "noise" and d.step_count == 0 and d.chains.label == 4 and "of 4 from noise" in d.note
    np.testing.assert_array_equal(d.starts, d.make_starts(784)[0])      # the noise of this seed
    d.controls.set_label(7)                             # another digit: live, no restart
    d.step(2)
    d.controls.set_label(8)
    assert d.step_count == 2 and d.chains.label == 8
    d.controls.set_label(None)                          # back to any digit: the default starts again
    assert d.source == "per-class" and d.chains.label is None
    d.use_drawn(data.probes[3])                         # chosen start digits are kept
    d.controls.set_label(4)
    assert d.source == "drawn" and d.chains.label == 4
    np.testing.assert_array_equal(d.starts[0], data.probes[3])
    d.controls.set_label(None)
    d.source = "per-class"
    d.controls.set_label(2)
    d.source = "per-class"                              # picked again by hand after the switch: kept
    d.controls.set_label(None)
    assert d.source == "per-class" and d.chains.label is None


# ------------------------------------------------------------------------- tempering follows steering
def test_a_clamped_label_or_mask_switches_tempering_on_as_the_cli_does_and_off_again():
    from rbm_gui.commands.dream_options import STEERED_TEMPERING as CLI_DEFAULT
    assert STEERED_TEMPERING == CLI_DEFAULT
    c = DreamControls()
    assert not c.tempering
    c.set_label(3)
    assert c.tempering and c.tempering_k == STEERED_TEMPERING
    c.preset("top")
    c.set_label(None)
    assert c.tempering                                  # the mask still steers
    c.clear()
    assert not c.tempering                              # free dreams: plain Gibbs again


def test_tempering_chosen_by_the_user_or_wandering_is_left_alone():
    c = DreamControls()
    c.wander = 1.0
    c.set_label(2)
    assert not c.tempering                              # wandering and tempering exclude each other
    c.wander = 0.0
    assert c.tempering                                  # the wander gone, the clamped label tempers
    c.tempering = False                                 # the user says no
    c.set_label(5)
    c.preset("left")
    assert not c.tempering
    d = DreamControls()
    d.tempering = True                                  # the user says yes: it stays after steering ends
    d.set_label(1)
    d.set_label(None)
    assert d.tempering

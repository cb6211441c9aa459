"""The unit inspector and forced units, through the real window offscreen: click a tile, look, knock
units out, undo, save."""

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from rbm_gui.config import TrainingConfig
from rbm_gui.io.model_file import load_model
from tests.ui.conftest import wait_finished

CONFIG = TrainingConfig(n_hidden=12, epochs=2, batch_size=20)


def _widget_point(glw, image, point):
    p = glw.mapFromScene(image.mapToScene(point))
    return QPoint(int(p.x()), int(p.y()))


def click_tile(qtbot, w, k):
    view = w.weights_view
    QTest.mouseClick(view.glw.viewport(), Qt.LeftButton, Qt.NoModifier,
                     _widget_point(view.glw, view.image, view.tile_center(k)))
    qtbot.waitUntil(lambda: w.units.inspector is not None and w.units.inspector.isVisible(), timeout=10_000)


def trained_window(qtbot, make_window, config=CONFIG):
    w = make_window(config)
    qtbot.waitExposed(w)
    w.train()
    wait_finished(qtbot, w)
    return w


def test_clicking_a_tile_opens_the_inspector_whose_top_digit_opens_the_explorer(qtbot, make_window):
    w = trained_window(qtbot, make_window)
    click_tile(qtbot, w, 5)
    insp, st = w.units.inspector, w.units.state
    assert st.unit == 5 and w.session.selected_unit == 5
    qtbot.waitUntil(lambda: st.stats is not None and not st.busy, timeout=20_000)
    assert "Unit 5" in insp.title.text() and "bias c" in insp.facts.text()
    # the top digits really are the probe digits with the highest P(h_5=1|v)
    idx, probs = st.top_digits()
    P = w.session.model.hidden_probs(w.session.data.probes)[:, 5]
    assert len(idx) == 25 and np.delete(P, idx).max() <= probs[-1] + 1e-6
    cm = st.class_means()
    assert cm is not None and len(insp.bar_item.opts["height"]) == len(cm)
    assert insp.strip_image.image is not None          # unit 5 is tracked: its film strip is drawn
    # a click on the first top digit selects it and shows the explorer
    p = insp.top_glw.mapFromScene(insp.top_digit_center(0))
    QTest.mouseClick(insp.top_glw.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(int(p.x()), int(p.y())))
    qtbot.waitUntil(lambda: w.session.selected_digit is not None and w.session.selected_digit.key == ("test", int(idx[0])))
    assert w.current_tab() == "reconstruct"


def test_knock_out_changes_the_reconstruction_and_undo_restores_it(qtbot, make_window):
    w = trained_window(qtbot, make_window)
    view = w.views["reconstruct"]
    w.select_digit(w.session.data.probes[0], None, "test digit #0", ("test", 0))
    w.show_tab("reconstruct")
    qtbot.waitUntil(lambda: view.explanation is not None, timeout=10_000)
    before = view.explanation
    active = np.flatnonzero(before.probs > 0.5)
    assert len(active)
    click_tile(qtbot, w, int(active[0]))
    w.units.inspector.off_button.click()                   # one unit, from the inspector
    w.session.overrides.knock_out(active)                  # and the rest of the active ones at once
    assert w.units.indicator.isVisible() and "knocked out" in w.units.indicator.text()
    view._compute()
    after = view.explanation
    assert (after.probs[active] == 0).all() and not np.array_equal(after.average, before.average)
    # every unit off: the reconstruction no longer depends on the digit (same draws for any digit)
    w.weights_view.knock_out_shown()
    view._compute()
    from rbm_gui.engine.explore import explain
    other = explain(w.session.effective_model, w.session.data.probes[1], view.explanation.n_average,
                    w.view_states.explorer.seed)
    np.testing.assert_array_equal(view.explanation.average, other.average)
    assert not np.array_equal(explain(w.session.model, w.session.data.probes[1], other.n_average,
                                      w.view_states.explorer.seed).average, before.average)
    w.act_undo.trigger()
    assert w.act_undo.isEnabled()
    w.act_undo.trigger()
    w.act_undo.trigger()
    assert not w.session.overrides.active and not w.units.indicator.isVisible()
    view._compute()
    np.testing.assert_array_equal(view.explanation.probs, before.probs)
    w.act_redo.trigger()
    assert w.session.overrides.off == {int(active[0])}
    # the metrics tab compares the two models once measured off the GUI thread
    qtbot.waitUntil(lambda: w.session.overrides.metrics is not None, timeout=20_000)
    assert "trained" in w.metrics_view.overrides_note.text()


def test_save_with_knocked_out_units_writes_the_trained_parameters(qtbot, make_window, tmp_path):
    w = trained_window(qtbot, make_window)
    W, b, c = (a.copy() for a in (w.session.rbm.W, w.session.rbm.b, w.session.rbm.c))
    w.session.overrides.knock_out([0, 1, 2, 3])
    w.session.overrides.force_on([4])
    path = tmp_path / "saved.npz"
    w.choose_save_path = lambda *a: str(path)
    w.act_save.trigger()
    saved = load_model(path)
    assert saved.W.tobytes() == W.tobytes() and saved.b.tobytes() == b.tobytes() and saved.c.tobytes() == c.tobytes()
    assert "TRAINED model" in w.status.message.full_text
    assert w.session.overrides.active          # the view keeps its forced units after the save


def test_sorting_by_weight_norm_reorders_tiles_and_clicks_hit_the_right_unit(qtbot, make_window):
    w = trained_window(qtbot, make_window)
    st, view = w.view_states.weights, w.weights_view
    st.order_by = "weight_norm"
    st.show_top = 5
    norms = np.linalg.norm(w.session.model.W.astype(np.float64), axis=0)
    expected = np.argsort(-norms, kind="stable")[:5]
    np.testing.assert_array_equal(view.units_shown, expected)
    assert view.layout_.n == 5 and "Showing 5 of 12" in view.active_label.text()
    click_tile(qtbot, w, int(expected[2]))
    assert w.units.state.unit == int(expected[2])
    view.knock_out_shown()
    assert w.session.overrides.off == set(expected.tolist())
    st.update(order_by="unit", show_top=0)
    assert view.units_shown is None and view.layout_.n == 12
    # Ctrl+click marks several units; one button knocks them all out
    for k in (8, 10):
        QTest.mouseClick(view.glw.viewport(), Qt.LeftButton, Qt.ControlModifier,
                         _widget_point(view.glw, view.image, view.tile_center(k)))
    assert st.marked == {8, 10} and view.overlay.marked[[8, 10]].all()
    view.marked_button.click()
    assert {8, 10} <= w.session.overrides.off and not st.marked
    assert (view.overlay.status[[8, 10]] == 1).all()


def test_ctrl_z_undoes_a_knock_out_and_a_new_model_forgets_the_overrides(qtbot, make_window):
    w = make_window(CONFIG)
    qtbot.waitExposed(w)
    w.session.overrides.knock_out(1)
    w.session.overrides.knock_out(2)
    assert "Ctrl+Z" in [k.toString() for k in w.act_undo.shortcuts()]
    assert {"Ctrl+Y", "Ctrl+Shift+Z"} <= {k.toString() for k in w.act_redo.shortcuts()}
    # the keys reach the actions from the mosaic (a focused text box keeps Ctrl+Z for its own text)
    target = w.weights_view.glw
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    target.setFocus()
    QTest.keyClick(target, Qt.Key_Z, Qt.ControlModifier)
    assert w.session.overrides.off == {1}
    QTest.keyClick(target, Qt.Key_Y, Qt.ControlModifier)
    assert w.session.overrides.off == {1, 2}
    w.new_model()
    assert not w.session.overrides.active and not w.act_undo.isEnabled() and not w.units.indicator.isVisible()


def test_the_metrics_comparison_follows_training_while_units_are_knocked_out(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=12, epochs=1, batch_size=20))
    qtbot.waitExposed(w)
    o = w.session.overrides
    o.knock_out([0, 1])
    qtbot.waitUntil(lambda: o.metrics is not None, timeout=20_000)
    assert o.metrics["epoch"] == 0 and o.metrics["effective"]["dead_units"] >= 2
    w.session.change_setting("epochs", 3)
    w.train()
    wait_finished(qtbot, w)
    qtbot.waitUntil(lambda: o.metrics is not None and o.metrics["epoch"] == 3, timeout=20_000)
    assert "at epoch 3" in w.metrics_view.overrides_note.text()
    assert o.off == {0, 1}                      # training kept the forced units (and trained all of them)
    assert not np.array_equal(w.session.rbm.W[:, 0], w.session.weight_history[0][:, 0])

"""The dream panel's steering controls in the real window (offscreen): the mask brush and the drawing
board's Mask tool, the temperature slider, the label selector, tempering, the class strip."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from rbm_gui.app.dream_controls import STEERED_TEMPERING
from rbm_gui.engine.steer import DEFAULT_LABEL_STRENGTH as LABEL_STRENGTH
from rbm_gui.engine.tempering import DEFAULT_HOTTEST
from rbm_gui.engine.dream import DreamChains
from rbm_gui.engine.dream_frames import dream_frames
from rbm_gui.io.export import chain_columns, compose_frame
from rbm_gui.ui.views.dream_view import PANEL_PAD
from rbm_gui.ui.views.steer_panel import SWAP_REFRESH, slider_to_temperature, temperature_to_slider
from tests.app.test_dream_controls import labelled_model
from tests.app.test_view_state import shown
from tests.ui.explorer_helpers import explorer

def _mouse(view, item, kind, row, col, button=Qt.LeftButton):
    """A mouse event at the centre of pixel (row, col) of ``item`` in graphics view ``view``."""
    p = view.mapFromScene(item.mapToScene(QPointF(col + 0.5, row + 0.5)))
    vp = view.viewport()
    buttons = Qt.NoButton if kind == QEvent.MouseButtonRelease else button
    ev = QMouseEvent(kind, QPointF(p.x(), p.y()), QPointF(vp.mapToGlobal(QPoint(p.x(), p.y()))),
                     Qt.NoButton if kind == QEvent.MouseMove else button, buttons, Qt.NoModifier)
    QApplication.sendEvent(vp, ev)


def _stroke(view, item, points, button=Qt.LeftButton):
    _mouse(view, item, QEvent.MouseButtonPress, *points[0], button=button)
    for pt in points[1:]:
        _mouse(view, item, QEvent.MouseMove, *pt, button=button)
    _mouse(view, item, QEvent.MouseButtonRelease, *points[-1], button=button)


def dream(w):
    w.show_tab("dream")
    v = w.views["dream"]
    v.side_tabs.setCurrentIndex(1)                 # the steering controls' page
    return v


def test_the_brush_paints_the_mask_over_the_first_start_digit_with_undo_and_presets(qtbot, make_window):
    v = dream(make_window())
    brush, c = v.steer.brush, v.state.controls
    np.testing.assert_array_equal(brush.digit, v.starts[0])
    brush.radius_spin.setValue(0)
    _stroke(brush.canvas, brush.canvas.digit, [(3, 4), (3, 12)])          # a horizontal line
    expected = np.zeros((28, 28), bool)
    expected[3, 4:13] = True
    np.testing.assert_array_equal(c.mask, expected)
    assert brush.summary.text().startswith("9 of 784")
    tint = brush.canvas.tint.image
    assert tint[3, 4, 3] > 0 and tint[4, 4, 3] == 0                        # clamped pixels tinted
    _stroke(brush.canvas, brush.canvas.digit, [(3, 4)], button=Qt.RightButton)    # right button erases
    assert c.n_clamped == 8
    qtbot.mouseClick(brush.undo_btn, Qt.LeftButton)
    assert c.n_clamped == 9
    qtbot.mouseClick(brush.preset_btns["bottom"], Qt.LeftButton)
    assert c.mask[14:].all() and not c.mask[:14].any()
    # the mosaic tints the clamped half of every chain
    origin = v.layout().origin(5)
    shown_rgb = v.image.image[..., :3].astype(int)                          # ONE RGBA picture, tint mixed in
    clamped, free = (origin[0] + 20, origin[1] + 3), (origin[0] + 3, origin[1] + 3)
    assert v.overlays.tinted[clamped] and not v.overlays.tinted[free]
    assert shown_rgb[clamped][2] - shown_rgb[clamped][0] > 50                  # bluish
    assert list(shown_rgb[free]) == [v.frame[free]] * 3                       # the grey as it is
    qtbot.mouseClick(brush.clear_btn, Qt.LeftButton)
    assert c.mask is None and v.overlays.tinted is None
    np.testing.assert_array_equal(v.image.image[..., 2], v.frame)             # no tint left
    v.chains_spin.setValue(3)                                              # new starts: the brush follows
    np.testing.assert_array_equal(brush.digit, v.starts[0])


def test_a_painted_mask_keeps_the_clamped_pixels_at_the_start_digits_values(qtbot, make_window):
    v = dream(make_window())
    v.step(3)
    qtbot.mouseClick(v.steer.brush.preset_btns["top"], Qt.LeftButton)      # live: the chains go on from step 3
    assert v.step_count == 3 and v.state.chains.clamp is not None
    clamp = v.state.controls.mask.reshape(-1)
    np.testing.assert_array_equal(v.state.chains.clamp, clamp)
    for _ in range(6):
        qtbot.mouseClick(v.step_btn, Qt.LeftButton)
        np.testing.assert_array_equal(v.state.chains.samples[:, clamp], v.starts[:, clamp] >= 0.5)
    assert (v.state.chains.samples[:, ~clamp] != (v.starts[:, ~clamp] >= 0.5)).any()   # the rest is sampled
    assert not v.steer.support_label.isVisibleTo(v)


def test_the_temperature_slider_reaches_the_chains(qtbot, make_window):
    v = dream(make_window())
    slider = v.steer.temp_slider
    assert slider_to_temperature(slider.value()) == 1.0
    slider.setValue(78)                         # 0.5 * 10 ** 0.78 = 3.01
    assert v.state.controls.temperature == 3.01 and v.steer.temp_label.text() == "T = 3.01"
    v.step(4)
    ref = DreamChains(v.rbm, v.starts, v.seed, temperature=3.01)
    ref.step(4)
    imgs = ref.images("probs")
    np.testing.assert_array_equal(v.frame, compose_frame(imgs, scale=1, cols=chain_columns(imgs.shape[0]),
                                                         pad=PANEL_PAD))
    v.steer.temp_one.click()
    assert slider_to_temperature(slider.value()) == 1.0 and v.state.controls.temperature == 1.0


def test_the_slider_is_logarithmic_from_half_to_five():
    assert slider_to_temperature(0) == 0.5 and slider_to_temperature(temperature_to_slider(5.0)) == 5.0
    assert temperature_to_slider(1.0) == 30 and slider_to_temperature(30) == 1.0
    assert slider_to_temperature(65) == pytest.approx(2.23, abs=0.01)


def test_the_label_selector_and_the_strip_show_for_labelled_models_only(qtbot, make_window):
    w = make_window()
    v = dream(w)
    assert not v.steer.label_row.isVisibleTo(v) and not v.strip.isVisibleTo(v)
    rbm = labelled_model(w.session.data.probes, w.session.data.probe_labels)
    shown(w.session, rbm)
    assert v.rbm is rbm and v.steer.label_row.isVisibleTo(v) and v.strip.isVisibleTo(v)
    assert [v.steer.label_combo.itemText(i) for i in range(11)] == ["any digit"] + [str(k) for k in range(10)]
    v.steer.label_combo.setCurrentIndex(1 + 7)
    assert v.state.controls.label == 7
    for _ in range(12):
        qtbot.mouseClick(v.step_btn, Qt.LeftButton)
    codes = v.strip.codes                       # class + 1 per chain and step, 0 = no step yet
    assert codes.shape == (8, v.state.timeline.length)
    assert (codes[:, -13:] > 0).all() and (codes[:, :-13] == 0).all()
    np.testing.assert_array_equal(codes[:, -1] - 1, np.argmax(v.state.label_probs, axis=1))
    best = np.argmax(v.state.label_probs, axis=1)
    assert v.overlays.texts[:8] == [str(k) for k in best]
    assert all(lab.isVisible() for lab in v.overlays.labels[:8])
    shown(w.session, w.session.new_model())     # back to an unlabelled model: selector, strip, digits go
    assert not v.steer.label_row.isVisibleTo(v) and not v.strip.isVisibleTo(v)
    assert not any(lab.isVisible() for lab in v.overlays.labels)


def test_a_clamped_label_makes_a_labelled_model_dream_of_that_digit(qtbot, make_window):
    w = make_window()
    v = dream(w)
    shown(w.session, labelled_model(w.session.data.probes, w.session.data.probe_labels))
    assert not v.steer.strength_spin.isEnabled()
    v.steer.label_combo.setCurrentIndex(1 + 3)
    assert v.steer.strength_spin.isEnabled() and v.state.chains.label_strength == LABEL_STRENGTH
    v.step(1)
    ref = DreamChains(v.rbm, v.starts, v.seed, label=3, label_strength=LABEL_STRENGTH)
    ref.step(1)
    np.testing.assert_array_equal(v.state.chains.probs, ref.probs)
    v.steer.strength_spin.setValue(1.5)                 # live: the next steps use the new weight
    assert v.state.chains.label == 3 and v.state.chains.label_strength == 1.5
    v.step(2)
    ref.set_label(3, 1.5)
    ref.step(2)
    np.testing.assert_array_equal(v.state.chains.probs, ref.probs)


def test_tempering_controls_and_swap_rates(qtbot, make_window):
    v = dream(make_window())
    assert not v.steer.k_spin.isEnabled() and v.steer.swap_label.text() == "Plain Gibbs sampling."
    v.steer.temper_check.setChecked(True)
    v.steer.k_spin.setValue(3)
    assert v.state.controls.tempering and v.state.controls.tempering_k == 3 and v.steer.k_spin.isEnabled()
    v.step(20)
    qtbot.wait(int(SWAP_REFRESH * 1000) + 20)       # the rates refresh at most every SWAP_REFRESH s
    v.step(1)
    chains = v.state.chains
    assert chains.tempering == 3 and len(chains.temperatures) == 3 and chains.temperatures[0] == 1.0
    text = v.steer.swap_label.text()
    assert text.startswith("Temperatures: 1 ") and text.count("%") == 2
    assert text.endswith(" ".join(f"{r:.0%}" for r in chains.swap_rates))
    assert not v.steer.support_label.isVisibleTo(v)
    v.steer.temper_check.setChecked(False)
    assert chains.tempering is None and v.steer.swap_label.text() == "Plain Gibbs sampling."


def test_the_drawing_boards_mask_tool_sends_the_mask_with_the_drawing(qtbot, make_window):
    w, rv = explorer(qtbot, make_window, train=False)
    board = rv.board
    rv.left.setCurrentWidget(board)
    board.size_spin.setValue(0)
    _stroke(board.view, board.view.image, [(8, 4), (8, 20)])                # ink
    board.mask_tool.setChecked(True)
    _stroke(board.view, board.view.image, [(0, 0), (0, 27)])                # mask: the top row
    assert board.canvas[8, 4:21].all() and board.canvas[0].sum() == 0       # the mask tool leaves the ink alone
    assert board.mask[0].all() and board.mask.sum() == 28 and board.view.tint.image[0, 5, 3] > 0
    board.dream_btn.click()
    v = w.views["dream"]
    assert w.current_tab() == "dream" and v.source == "drawn"
    np.testing.assert_array_equal(v.state.controls.mask, board.mask)
    np.testing.assert_array_equal(v.starts[0], board.canvas.reshape(-1))
    board.clear_btn.click()                                                 # with the Mask tool: the mask
    assert not board.mask.any() and board.canvas.sum() == 17


def test_temperature_and_the_ladder_are_remembered_but_not_tempering_the_mask_or_label(qtbot, make_window):
    v = dream(make_window())
    v.steer.temp_slider.setValue(60)
    v.steer.temper_check.setChecked(True)
    v.steer.k_spin.setValue(6)
    v.steer.brush.preset_btns["left"].click()
    c = dream(make_window()).state.controls       # a second window on the same settings file
    assert (c.temperature, c.tempering_k) == (slider_to_temperature(60), 6)
    # tempering follows the clamped label / mask (none in a new window): free dreams start plain
    assert c.mask is None and c.label is None and not c.tempering


def test_the_dream_export_is_steered_as_the_panel(qtbot, make_window, tmp_path):
    import imageio.v2 as imageio
    from rbm_gui.app.view_state import DreamExportOptions
    from rbm_gui.io.gif import gif_greys
    w = make_window()
    v = dream(w)
    v.steer.brush.preset_btns["left"].click()
    v.steer.temp_slider.setValue(60)
    assert v.state.controls.tempering and v.state.chains.tempering == STEERED_TEMPERING   # a mask: tempered
    out = tmp_path / "steered.gif"
    with qtbot.waitSignal(w.exports.exportFinished, timeout=20_000):
        w.exports.export_dream(str(out), DreamExportOptions("gif", steps=6, scale=1, draw_step=False))
    qtbot.waitUntil(lambda: not w.exports.busy)
    frames = [f if f.ndim == 2 else f[..., 0] for f in imageio.mimread(out)]
    t = slider_to_temperature(60)
    ref = dream_frames(v.rbm, v.starts, 6, seed=v.seed, clamp=v.state.controls.mask.reshape(-1),
                       temperature=t, tempering=STEERED_TEMPERING, hottest=DEFAULT_HOTTEST * t)
    expected = list(gif_greys(compose_frame(img, scale=1) for _k, img in ref))
    assert len(frames) == 7
    for got, want in zip(frames, expected):
        np.testing.assert_array_equal(got, want)


def test_hottest_and_wander_reach_the_chains_and_exclude_each_other(qtbot, make_window):
    v = dream(make_window())
    s = v.steer
    assert not s.hottest_spin.isEnabled() and s.wander_spin.isEnabled() and s.wander_spin.text() == "off"
    s.wander_spin.setValue(1.5)
    assert v.state.chains.wander == 1.5 and not s.temper_check.isEnabled()
    s.wander_spin.setValue(0)
    assert v.state.chains.wander == 0 and s.temper_check.isEnabled()
    s.temper_check.setChecked(True)
    s.hottest_spin.setValue(3.0)
    assert s.hottest_spin.isEnabled() and not s.wander_spin.isEnabled()
    assert v.state.chains.temperatures[-1] == pytest.approx(3.0) and v.state.chains.tempering == STEERED_TEMPERING
    s.k_spin.setValue(4)
    v.step(1)
    assert s.swap_label.text().split("\n")[0] == "Temperatures: 1 1.4 2.1 3"
    c = dream(make_window()).state.controls       # remembered, as temperature and the ladder are
    assert (c.hottest, c.wander) == (3.0, 0.0)


def test_playing_fast_and_costly_redraws_less_often_but_keeps_the_speed(qtbot, make_window):
    from rbm_gui.app.frame_pacing import SLOWEST
    v = dream(make_window())
    v.state.update(speed=120, stop_after=100_000)
    v.play()
    qtbot.waitUntil(lambda: v.pacer.step_cost is not None and v.pacer.frame_cost is not None, timeout=5_000)
    assert v.busy_seconds > 0
    v.pacer.step_cost = 1.0                       # steps that would take the whole thread: the slowest pace
    qtbot.waitUntil(lambda: v.timer.interval() == round(1000 * SLOWEST), timeout=2_000)
    s0, f0 = v.step_count, v.frames_drawn
    qtbot.wait(600)
    steps, frames = v.step_count - s0, v.frames_drawn - f0
    v.pause()
    assert 1 <= frames <= 0.6 / SLOWEST + 2       # ~15 redraws/s
    assert steps >= 4 * frames                    # ~8 steps a redraw at 120 steps/s


def test_dream_of_a_digit_tempers_and_its_automatic_noise_start_is_not_remembered(qtbot, make_window):
    w = make_window()
    v = dream(w)
    shown(w.session, labelled_model(w.session.data.probes, w.session.data.probe_labels))
    assert v.state.source == "per-class" and not v.steer.temper_check.isChecked()
    v.steer.label_combo.setCurrentIndex(1 + 3)
    assert v.state.source == "noise"                     # dreaming of 3 from noise, as --label
    assert v.steer.temper_check.isChecked() and v.state.chains.tempering == STEERED_TEMPERING
    second = dream(make_window())                        # a new window on the same settings file
    assert second.state.source == "per-class" and not second.state.controls.tempering

"""Bugs a new user saw in the views (issue 11), each through the real window offscreen."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from rbm_gui.config import TrainingConfig
from tests.ui.conftest import wait_finished
from tests.ui.explorer_helpers import click_gallery, explorer
from tests.ui.test_drawing import _stroke


def _widget_point(view, mosaic_point):
    p = view.glw.mapFromScene(view.image.mapToScene(mosaic_point))
    return QPoint(int(p.x()), int(p.y()))


def _click_tile(qtbot, view, k):
    QTest.mouseClick(view.glw.viewport(), Qt.LeftButton, Qt.NoModifier, _widget_point(view, view.tile_center(k)))
    qtbot.waitUntil(lambda: view.selected == k, timeout=20_000)


def _unit_facts(rbm, k):
    return f"unit {k}", f"{float(rbm.c[k]):+.4f}", f"{np.linalg.norm(rbm.W[:, k]):.4f}"


def test_selected_unit_text_follows_the_model_and_hovering_does_not_rewrite_it(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=12, epochs=2, batch_size=20))
    view = w.weights_view
    qtbot.waitExposed(w)
    _click_tile(qtbot, view, 7)
    assert all(f in view.info_label.text() for f in _unit_facts(view.rbm, 7))
    # hovering another tile: the selected-unit text (beside the picture of unit 7) stays unit 7
    QTest.mouseMove(view.glw.viewport(), _widget_point(view, view.tile_center(3)))
    qtbot.wait(50)
    assert view.info_label.text().startswith("unit 7")
    # after training, and after a new model, the text describes the model shown now
    w.train()
    wait_finished(qtbot, w)
    assert all(f in view.info_label.text() for f in _unit_facts(w.session.rbm, 7))
    old = view.info_label.text()
    w.reset()
    assert view.info_label.text() != old
    assert all(f in view.info_label.text() for f in _unit_facts(w.session.rbm, view.selected))


def test_probe_digit_and_test_digit_number_agree_after_the_gallery_and_drawing(qtbot, make_window):
    w, explorer_view = explorer(qtbot, make_window, train=False)
    weights = w.weights_view
    probes = w.session.data.probes
    click_gallery(explorer_view.gallery, 13)
    qtbot.waitUntil(lambda: explorer_view.digit.source == "test #13", timeout=20_000)
    assert weights.probe_spin.value() == 13
    np.testing.assert_array_equal(weights.probe_vector(), probes[13].astype(np.float32))
    # a drawn digit probes the tiles: the box says so instead of showing a test digit's number
    explorer_view.left.setCurrentWidget(explorer_view.board)
    _stroke(explorer_view.board, [(5, 5), (20, 20)])
    np.testing.assert_array_equal(weights.probe_vector(), explorer_view.board.canvas.reshape(-1))
    assert weights.probe_spin.text() == "drawn"
    # choosing a test digit again probes with it
    weights.probe_spin.setValue(4)
    np.testing.assert_array_equal(weights.probe_vector(), probes[4].astype(np.float32))
    assert weights.probe_spin.text() == "4"


def _blue(img):
    return (img[..., 2] > 200) & (img[..., 0] < 120) & (img[..., 1] > 110) & (img[..., 1] < 210)


def _rgb(widget):
    im = widget.grab().toImage().convertToFormat(QImage.Format_RGB32)
    a = np.frombuffer(im.constBits(), np.uint8).reshape(im.height(), im.bytesPerLine() // 4, 4)
    return a[:, :im.width(), 2::-1].copy()                 # BGRA -> RGB, before the QImage goes


def test_a_clicked_tile_is_highlighted(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=16, epochs=1))
    view = w.weights_view
    qtbot.waitExposed(w)
    for k in (5, 11):
        _click_tile(qtbot, view, k)
        ys, xs = np.nonzero(_blue(_rgb(view.glw.viewport())))
        assert len(ys) > 20
        # every highlighted pixel lies on the frame of the clicked tile
        c = _widget_point(view, view.tile_center(k))
        corner = _widget_point(view, view.tile_center(k) - QPointF(14, 14))
        half = (c.x() - corner.x()) * 16 // 14 + 2        # the frame sits one mosaic pixel outside
        assert np.all(np.abs(xs - c.x()) <= half) and np.all(np.abs(ys - c.y()) <= half)


def test_the_drawing_board_has_a_visible_border(qtbot, make_window):
    w, view = explorer(qtbot, make_window, train=False)
    view.left.setCurrentWidget(view.board)
    board = view.board
    qtbot.waitExposed(board)
    rgb = _rgb(board.view.viewport()).astype(int).sum(axis=2) / 3
    cv = board.view
    for corner in ((0, 14), (28, 14), (14, 0), (14, 28)):        # (x, y) on the canvas's edges
        p = cv.mapFromScene(cv.image.mapToScene(QPointF(*corner)))
        x, y = int(p.x()), int(p.y())
        patch = rgb[max(0, y - 2):y + 3, max(0, x - 2):x + 3]
        assert patch.min() < 160, (corner, patch)              # a dark line, on white paper


def test_the_dream_export_dialog_starts_at_the_dream_panels_speed(qtbot, make_window):
    w = make_window()
    dream = w.views["dream"]
    dream.speed_spin.setValue(40)
    dream.stop_spin.setValue(300)
    seen = []
    w.exports.choose_dream_options = lambda defaults: seen.append(defaults)     # cancelled: nothing runs
    w.exports.act_dream.trigger()
    assert seen[0].fps == 40 and seen[0].steps == 300

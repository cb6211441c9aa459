"""The drawing board: real mouse strokes set the right pixels, reconstructed live, sent to dream."""

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from tests.ui.explorer_helpers import explorer


def _mouse(board, kind, row, col, button=Qt.LeftButton):
    """Send a mouse event at the centre of canvas pixel (row, col) to the board's viewport."""
    view = board.view
    p = view.mapFromScene(view.image.mapToScene(QPointF(col + 0.5, row + 0.5)))
    vp = view.viewport()
    pos = QPointF(p.x(), p.y())
    buttons = Qt.NoButton if kind == QEvent.MouseButtonRelease else button
    ev = QMouseEvent(kind, pos, QPointF(vp.mapToGlobal(QPoint(p.x(), p.y()))),
                     Qt.NoButton if kind == QEvent.MouseMove else button, buttons, Qt.NoModifier)
    QApplication.sendEvent(vp, ev)


def _stroke(board, points, button=Qt.LeftButton):
    _mouse(board, QEvent.MouseButtonPress, *points[0], button=button)
    for pt in points[1:]:
        _mouse(board, QEvent.MouseMove, *pt, button=button)
    _mouse(board, QEvent.MouseButtonRelease, *points[-1], button=button)


def test_a_stroke_sets_exactly_the_pixels_under_it_and_is_reconstructed_live(qtbot, make_window):
    w, view = explorer(qtbot, make_window)
    view.left.setCurrentWidget(view.board)
    board = view.board
    board.size_spin.setValue(0)
    _stroke(board, [(10, 5), (10, 20)])                 # a horizontal line, one pixel wide
    expected = np.zeros((28, 28), dtype=np.float32)
    expected[10, 5:21] = 1
    np.testing.assert_array_equal(board.canvas, expected)
    # the explorer shows the drawing (from a live snapshot: training runs)
    assert view.digit.source == "drawn"
    np.testing.assert_array_equal(view.explanation.v, expected.reshape(-1))
    assert w.running
    # a radius-1 dab is a plus; the right button erases
    board.size_spin.setValue(1)
    _stroke(board, [(20, 14)])
    assert board.canvas[19:22, 13:16].sum() == 5 and board.canvas[20, 14] == 1 and board.canvas[19, 13] == 0
    board.size_spin.setValue(0)
    _stroke(board, [(10, 5), (10, 9)], button=Qt.RightButton)
    assert board.canvas[10, :10].sum() == 0 and board.canvas[10, 10:21].sum() == 11
    board.eraser.setChecked(True)
    _stroke(board, [(10, 10)])
    assert board.canvas[10, 10] == 0
    board.clear_btn.click()
    assert board.canvas.sum() == 0 and view.explanation.v.sum() == 0


def test_send_to_dream_hands_the_drawing_to_the_window(qtbot, make_window):
    w, view = explorer(qtbot, make_window, train=False)
    view.left.setCurrentWidget(view.board)
    _stroke(view.board, [(5, 5), (20, 20)])
    got = []
    w.dreamStartRequested.connect(got.append)
    view.board.dream_btn.click()
    assert len(got) == 1 and got[0].shape == (1, 784) and got[0].dtype == np.float32
    np.testing.assert_array_equal(got[0][0], view.board.canvas.reshape(-1))

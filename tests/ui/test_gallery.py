"""The digit gallery: clicking, arrow keys and the label filter select digits for the whole window."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.explorer_helpers import click_gallery, explorer


def test_clicking_a_digit_selects_it_for_the_explorer_and_the_weights_probe(qtbot, make_window):
    w, view = explorer(qtbot, make_window)
    g = view.gallery
    assert g.split == "test" and g.model.count == 10_000
    assert view.digit.source == "test #0"                # a test digit is selected from the start
    click_gallery(g, 13)
    qtbot.waitUntil(lambda: view.digit.source == "test #13", timeout=20_000)
    expected = g.model.digits[13].astype(np.float32)
    np.testing.assert_array_equal(view.digit.vector, expected)
    assert view.digit.label == int(g.model.labels[13])
    # the view shows that digit, computed from a live snapshot while training runs
    np.testing.assert_array_equal(view.explanation.v, expected)
    assert w.running
    np.testing.assert_array_equal(w.weights_view.probe_vector(), expected)
    np.testing.assert_array_equal(w.session.selected_digit.vector, expected)


def test_arrow_keys_move_the_selection_and_scroll(qtbot, make_window):
    w, view = explorer(qtbot, make_window)
    g = view.gallery
    g.setFocus()
    cols = g.model.cols
    for key, expected in ((Qt.Key_Right, 1), (Qt.Key_Right, 2), (Qt.Key_Down, 2 + cols), (Qt.Key_Left, 1 + cols),
                          (Qt.Key_Up, 1), (Qt.Key_Up, 1)):
        QTest.keyClick(g, key)
        assert g.model.position == expected
        assert view.digit.source == f"test #{expected}"
    QTest.keyClick(g, Qt.Key_End)
    assert view.digit.source == "test #9999"
    assert g.model.first_row == g.model.max_first_row > 0 and g.tile_of_selection_visible()
    assert w.running


def test_label_filter_lists_only_that_label(qtbot, make_window):
    w, view = explorer(qtbot, make_window, train=False)
    g = view.gallery
    g.set_label_filter(3)
    labels = g.model.labels
    assert g.model.count == int((labels == 3).sum())
    assert np.all(labels[g.model.indices] == 3)
    assert view.digit.label == 3 and view.digit.source == f"test #{int(np.flatnonzero(labels == 3)[0])}"
    # the page shows exactly the 3s, in order
    page = g.model.page_tiles()
    np.testing.assert_array_equal(page[0].reshape(-1), g.model.digits[g.model.indices[0]])
    QTest.keyClick(g, Qt.Key_Right)
    assert view.digit.label == 3
    g.set_label_filter(None)
    assert g.model.count == 10_000


def test_training_split_and_a_big_gallery_stay_fast(qtbot, make_window):
    from rbm_gui.viz.gallery import GalleryModel
    w, view = explorer(qtbot, make_window, train=False)
    g = view.gallery
    g.set_split("train")
    assert g.model.count == 5000 and view.digit.source == "train #0"
    # 60,000 digits: scrolling redraws one page, not the whole set
    g.state.model = GalleryModel(np.tile(g.model.digits, (12, 1)), np.tile(g.model.labels, 12), (28, 28), 10, 12)
    for row in range(0, 5000, 50):
        g.scroll.setValue(row)
    # the page image covers one screenful of rows, never the whole set (speed: benchmarks/)
    assert g.model.count == 60_000 and g.scroll.value() == 4950
    assert g.image.image.shape[0] < 60_000 * 28 // 10

"""Shared set-up of the reconstruction-explorer tests: a real window training on a real worker."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from rbm_gui.config import TrainingConfig

#: long enough that training is still running when each test ends (teardown stops it)
RUNNING = TrainingConfig(n_hidden=10, epochs=500, batch_size=20)


def explorer(qtbot, make_window, config=RUNNING, train=True):
    """A window showing the reconstruct tab, training in the background when ``train``."""
    w = make_window(config)
    w.show_tab("reconstruct")
    view = w.views["reconstruct"]
    qtbot.waitExposed(w)
    if train:
        assert w.train()
        start = w.frames_drawn
        qtbot.waitUntil(lambda: w.frames_drawn > start + 2, timeout=10_000)
        assert w.running
    return w, view


def click_gallery(gallery, position):
    """A real mouse click on the gallery tile of a position of the visible page."""
    x, y = gallery.tile_center(position)
    scene = gallery.image.mapToScene(QPointF(x, y))
    p = gallery.glw.mapFromScene(scene)
    QTest.mouseClick(gallery.glw.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(p.x(), p.y()))

"""Menus and files, settings persistence, the weights view's hit-testing and overlays."""

import subprocess
import sys
import textwrap

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from rbm_gui.config import TrainingConfig
from tests.ui.conftest import wait_finished


def test_save_and_reopen_through_the_file_menu(qtbot, make_window, tmp_path, settings):
    w = make_window(TrainingConfig(n_hidden=10, epochs=2, batch_size=20, learning_rate=0.03))
    w.train()
    wait_finished(qtbot, w)
    path = tmp_path / "model.npz"
    w.choose_save_path = lambda *a: str(path)
    w.act_save_as.trigger()
    assert path.is_file() and not w.session.dirty and w.session.path == str(path)
    W, history = w.session.rbm.W.copy(), dict(w.session.history)

    other = make_window(TrainingConfig(n_hidden=25, epochs=1), settings_=settings)
    assert other.session.rbm.n_hidden == 25
    other.choose_open_path = lambda *a: str(path)
    other.act_open.trigger()
    s = other.session
    np.testing.assert_array_equal(s.rbm.W, W)
    assert s.epochs_done == 2 and s.config.learning_rate == 0.03 and s.config.n_hidden == 10
    assert other.panel.config().n_hidden == 10
    # weights, history and metrics are shown at once
    assert other.weights_view.rbm.n_hidden == 10
    assert other.metrics_view.n_points("recon_mse_train") == len(history["epoch"]) == 3
    other.show_tab("history")
    assert other.history_view.rows_drawn == 3
    # it is in the recent files, and training continues from it
    assert other.recent_menu.actions()[0].toolTip() == str(path)
    other.add_epoch()
    wait_finished(qtbot, other)
    assert other.session.epochs_done == 3


def test_open_of_a_broken_file_shows_an_error_and_keeps_the_model(qtbot, make_window, tmp_path):
    w = make_window()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    rbm = w.session.rbm
    assert not w.open_model(str(bad))
    assert "bad.npz" in w.banner.text() and w.session.rbm is rbm


def test_closing_with_unsaved_training_offers_to_save(qtbot, make_window, tmp_path):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1, batch_size=20))
    w.train()
    wait_finished(qtbot, w)
    w.ask_save = lambda text: "cancel"
    assert not w.close() and w.isVisible()
    path = tmp_path / "closing.npz"
    w.ask_save = lambda text: "save"
    w.choose_save_path = lambda *a: str(path)
    assert w.close()
    assert path.is_file()


def test_settings_persist_across_two_window_instances(qtbot, make_window, settings):
    w1 = make_window(config=None, data=None)
    w1.panel.widgets["learning_rate"].setValue(0.0234)
    w1.panel.widgets["batch_size"].setValue(37)
    w1.panel.data_widgets["threshold"].setValue(100)
    w1.weights_view.threshold_spin.setValue(0.8)
    w1.show_tab("metrics")
    assert w1.close()
    w2 = make_window(config=None, data=None)
    cfg = w2.panel.config()
    assert cfg.learning_rate == 0.0234 and cfg.batch_size == 37
    assert w2.panel.data_options().threshold == 100
    assert w2.session.config.batch_size == 37
    assert w2.weights_view.threshold == 0.8
    assert w2.current_tab() == "metrics"


def test_every_setting_has_a_tooltip_from_the_shared_help(qtbot, make_window):
    from rbm_gui.config import HELP
    w = make_window()
    for name, widget in w.panel.widgets.items():
        assert widget.toolTip(), name
        if name in HELP:
            assert widget.toolTip().startswith(HELP[name])
    for widget in w.panel.data_widgets.values():
        assert widget.toolTip()
    for action in (w.act_train, w.act_pause, w.act_stop, w.act_more, w.act_reset):
        assert action.toolTip()


def test_hover_and_click_map_to_the_tile_under_the_mouse(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=12, epochs=1))
    view = w.weights_view
    qtbot.waitExposed(w)
    for k in range(12):
        c = view.tile_center(k)
        assert view.unit_at(c.x(), c.y()) == k
        assert view.hover_text(k).startswith(f"unit {k}\n")
    assert view.unit_at(-1, -1) is None
    # a real mouse click on the widget selects the tile under it
    k = 7
    scene_pos = view.image.mapToScene(view.tile_center(k))
    widget_pos = view.glw.mapFromScene(scene_pos)
    QTest.mouseClick(view.glw.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(widget_pos.x(), widget_pos.y()))
    qtbot.waitUntil(lambda: view.selected == k, timeout=20_000)
    big = view.big_image.image
    np.testing.assert_allclose(big, view.rbm.W[:, k].reshape(28, 28))
    text = view.hover_text(k)
    assert f"{float(view.rbm.c[k]):+.4f}" in text and f"{np.linalg.norm(view.rbm.W[:, k]):.4f}" in text


def test_red_borders_are_exactly_the_units_at_or_above_the_threshold(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=16, epochs=2, batch_size=20))
    w.train()
    wait_finished(qtbot, w)
    view = w.weights_view
    for threshold in (0.5, 0.2, 0.9):
        view.threshold_spin.setValue(threshold)
        probe = w.session.data.probes[view.probe_spin.value()]
        p = w.session.rbm.hidden_probs(probe)[0]
        np.testing.assert_array_equal(view.flagged_units(), np.flatnonzero(p >= threshold))
    view.probe_spin.setValue(3)
    p = w.session.rbm.hidden_probs(w.session.data.probes[3])[0]
    np.testing.assert_array_equal(view.flagged_units(), np.flatnonzero(p >= view.threshold))
    # labels are painted above the tiles when they are large enough
    w.grab()
    assert view.overlay.labels_drawn == 16


def test_mosaic_works_for_one_and_for_a_thousand_units(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=1, epochs=1))
    assert w.weights_view.image.image.shape == (28 + w.weights_view.band, 28)
    w.panel.widgets["n_hidden"].setValue(1200)
    view = w.weights_view
    assert view.rbm.n_hidden == 1200 and view.band == 0
    lay = view.layout_
    assert lay.n == 1200 and view.image.image.shape == lay.shape
    c = view.tile_center(1199)
    assert view.unit_at(c.x(), c.y()) == 1199
    w.grab()
    assert view.overlay.labels_drawn == 0


CLOSE_SCRIPT = textwrap.dedent("""
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings, QTimer
    from rbm_gui.ui.app import make_app
    from rbm_gui.ui.main_window import MainWindow
    from rbm_gui.app.data import DataOptions
    from rbm_gui.config import TrainingConfig
    app = make_app()
    w = MainWindow(settings=QSettings(sys.argv[1], QSettings.IniFormat),
                   config=TrainingConfig(n_hidden=50, epochs=10_000, batch_size=10),
                   data_options=DataOptions(max_train=300, n_val=100))
    w.ask_save = lambda text: "discard"
    w.show()
    w.train()
    QTimer.singleShot(700, w.close)           # close the window mid-training
    QTimer.singleShot(700, app.quit)
    app.exec()
    assert not w.running, "worker still running"
    print("closed-cleanly", w.session.epochs_done)
""")


def test_closing_mid_training_stops_the_worker_without_abort(tmp_path):
    r = subprocess.run([sys.executable, "-c", CLOSE_SCRIPT, str(tmp_path / "s.ini")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "closed-cleanly" in r.stdout
    assert "Destroyed while thread" not in r.stderr


def test_many_void_calls_do_not_abort_the_interpreter():
    """PySide6 6.12.0 on CPython < 3.12 aborts after ~5,000 void calls (refcount of None)."""
    code = ("from PySide6.QtCore import QObject\n"
            "for _ in range(20_000):\n"
            "    QObject().setObjectName('x')\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_import_legacy_model_through_the_file_menu(qtbot, make_window, tmp_path):
    from tests.io.legacy_fixture import legacy_state, write_legacy_pickle
    state = legacy_state(nv=784, nh=10, seed=3)
    path = write_legacy_pickle(tmp_path / "binv_nh10.pkl", state)
    w = make_window(TrainingConfig(n_hidden=25, epochs=1))
    w.choose_open_path = lambda *a: str(path)
    w.act_import.trigger()
    s = w.session
    assert s.rbm.n_hidden == 10 and s.path is None and "binv_nh10.pkl" in s.note
    np.testing.assert_allclose(s.rbm.W, state["W"].astype(np.float32))
    assert w.weights_view.rbm.n_hidden == 10 and w.panel.config().n_hidden == 10
    # an imported model can be trained further
    w.add_epoch()
    wait_finished(qtbot, w)
    assert s.epochs_done == 1

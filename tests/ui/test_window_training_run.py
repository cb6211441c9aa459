"""The window trains through the one training loop: same weights as headless, live changes, status."""

import time

import numpy as np

from rbm_gui.app.data import prepare_data
from rbm_gui.config import TrainingConfig
from rbm_gui.engine.run import TrainingRun
from rbm_gui.engine.training import Trainer
from tests.ui.conftest import SMALL_DATA, wait_finished


def test_the_window_trains_bit_identically_to_a_headless_training_run(qtbot, make_window):
    cfg = TrainingConfig(n_hidden=12, epochs=50, batch_size=20)
    w = make_window(cfg, metrics_budget=0.1)      # with its live views and default metrics
    w.max_steps = 37                              # 2 epochs of 15 batches and 7 more
    assert w.train()
    wait_finished(qtbot, w)
    data = prepare_data(SMALL_DATA, seed=cfg.seed)
    trainer = Trainer.create(data.trainer_data, cfg, data.image_shape)
    for _ in TrainingRun(trainer, max_steps=37):
        pass
    np.testing.assert_array_equal(w.session.rbm.W, trainer.rbm.W)
    np.testing.assert_array_equal(w.session.rbm.b, trainer.rbm.b)
    np.testing.assert_array_equal(w.session.rbm.c, trainer.rbm.c)
    np.testing.assert_array_equal(w.session.model.W, trainer.rbm.W)     # the views show the end


def test_speed_after_a_pause_counts_training_time_only(qtbot, make_window):
    # bug 1: "2 digits/s 11:21:45 left" after resume: the idle time was counted
    w = make_window(TrainingConfig(n_hidden=10, epochs=100_000, batch_size=10))
    speeds = []
    w.training.progress.connect(lambda f: speeds.append(f.samples_per_second))
    w.train()
    qtbot.waitUntil(lambda: len(speeds) > 5 and speeds[-1] > 0, timeout=10_000)
    before = speeds[-1]
    w.toggle_pause()
    qtbot.wait(1500)
    w.toggle_pause()
    n = len(speeds)
    qtbot.waitUntil(lambda: len(speeds) > n + 3, timeout=10_000)
    w.stop()
    text = w.status.speed_label.text()
    after = sorted(speeds[n:n + 3])[1]
    # the speed is averaged over 0.5 s of training: counting the 1.5 s pause would cut it to a
    # quarter or less; a busy machine moves it by less than that
    assert after > 0.35 * before, (before, speeds[n:])
    assert text == ""           # nothing stale once stopped


def test_the_batch_bar_shows_only_while_training_and_metrics_are_announced(qtbot, make_window, tmp_path):
    # bug 5: "batch 0/1" after Open, and 0/N with no word while metrics ran
    w = make_window(TrainingConfig(n_hidden=8, epochs=10, batch_size=5))
    bar = w.status.progress
    assert not bar.isVisible()
    seen = []
    w.training.progress.connect(lambda f: seen.append((bar.isVisible(), bar.text())))
    w.training.metricsBusyChanged.connect(lambda busy: seen.append(w.status.state_label.text()))
    w.train()
    wait_finished(qtbot, w)
    frames = [x for x in seen if isinstance(x, tuple)]
    assert frames and all(v and t.endswith("/60") for v, t in frames)
    assert any(isinstance(x, str) and "computing metrics" in x for x in seen)
    assert not bar.isVisible() and "computing metrics" not in w.status.state_label.text()
    assert w.status.epoch_label.text() == "epochs done 10/10"
    path = str(tmp_path / "m.npz")
    assert w.save_model(path)
    assert w.open_model(path)
    assert not bar.isVisible() and "/1" not in bar.text()


def test_a_long_status_message_is_elided_and_never_covers_the_epoch_label(qtbot, make_window):
    # bug 6
    w = make_window()
    w.show_status("a very long message " * 40)
    qtbot.wait(50)
    msg, epoch = w.status.message, w.status.epoch_label
    assert msg.text().endswith("\u2026") and msg.toolTip().startswith("a very long message")
    right = msg.mapTo(w, msg.rect().topRight()).x()
    assert right <= epoch.mapTo(w, epoch.rect().topLeft()).x()


def test_the_banner_can_be_dismissed_is_cleared_by_the_next_action_and_does_not_move_the_tabs(qtbot, make_window):
    # bug 10
    w = make_window(TrainingConfig(n_hidden=10, epochs=1, batch_size=20))
    top = w.tabs.geometry().top()
    w.show_message("Could not download: no network", error=True)
    qtbot.wait(20)
    assert w.banner.isVisible() and w.tabs.geometry().top() == top
    w.banner.close_button.click()
    assert not w.banner.isVisible()
    w.show_message("Exported dream.gif")
    assert w.banner.isVisible()
    w.act_save_as.trigger()             # the next action: the message was about the previous one
    assert not w.banner.isVisible()


def test_the_banner_lies_inside_the_window_beside_the_tabs(qtbot, make_window):
    # seen in a screenshot: the banner sat at the window's right edge, its text cut off
    w = make_window()
    w.show_message("Opened a model file with a long enough name to need room in the banner")
    qtbot.wait(20)
    b, tabs = w.banner.geometry(), w.tabs
    assert b.left() >= tabs.tabBar().geometry().right() and b.right() <= tabs.width()
    assert b.width() > 300 and w.banner.label.text().startswith("Opened a model")


def test_closing_while_training_asks_without_delay_and_says_stopping(qtbot, make_window):
    # bug 9: Ctrl+Q while training took ~5 s before the prompt
    w = make_window(TrainingConfig(n_hidden=20, epochs=100_000, batch_size=20))
    w.train()
    qtbot.waitUntil(lambda: w.session.epochs_done >= 1, timeout=10_000)
    asked, states = [], []
    t0 = time.perf_counter()
    w.ask_save = lambda text: asked.append(time.perf_counter() - t0) or "discard"
    w.session.connect("run_state", states.append)
    w.close()
    assert asked and asked[0] < 1.0, asked       # the question comes at once (the trainer is held)
    assert "stopping" in states and not w.running and not w.runner.jobs
    assert time.perf_counter() - t0 < 3.0


def test_lr_field_is_the_schedules_base_shows_the_rate_in_use_and_decay_follows_the_schedule(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1000, batch_size=10, lr_schedule="linear"))
    p = w.panel
    assert "base" in p.widgets["learning_rate"].toolTip()
    assert not p.widgets["lr_decay"].isEnabled()            # linear ignores it
    p.widgets["lr_schedule"].setCurrentText("exponential")
    assert p.widgets["lr_decay"].isEnabled() and w.session.config.lr_schedule == "exponential"
    p.widgets["lr_schedule"].setCurrentText("linear")
    w.train()
    qtbot.waitUntil(lambda: "in use" in p.lr_in_use.text(), timeout=10_000)
    w.stop()


def test_tab_through_the_settings_never_scrolls_them_sideways(qtbot, make_window):
    # bug 7
    w = make_window()
    from PySide6.QtCore import Qt
    w.resizeDocks([w.dock], [200], Qt.Horizontal)
    w.panel.widgets["seed"].setFocus()
    for _ in range(30):
        qtbot.keyClick(w.panel.focusWidget() or w.panel, "\t")
    assert w.panel.scroll.horizontalScrollBar().value() == 0


def test_save_as_proposes_a_file_name(qtbot, make_window):
    w = make_window()
    seen = []
    w.choose_save_path = lambda title, filters, suggested="": seen.append(suggested)
    w.save_model_as()
    assert seen == ["rbm-10h-0ep.npz"]


def test_a_stopped_run_gets_the_metrics_of_its_last_completed_epoch(qtbot, make_window):
    import math
    w = make_window(TrainingConfig(n_hidden=10, epochs=100_000, batch_size=20), metrics_budget=0.1)
    w.train()
    qtbot.waitUntil(lambda: w.session.epochs_done >= 3, timeout=10_000)
    w.stop()

    def last_measured():      # the final metrics job may start a moment after the stop
        h = w.session.history
        if float(w.session.epochs_done) not in h.get("epoch", []):
            return False
        last = h["epoch"].index(float(w.session.epochs_done))
        recon, ll = h.get("recon_mse_train", []), h.get("loglik_val", [])
        return len(ll) > last and math.isfinite(recon[last]) and math.isfinite(ll[last])

    qtbot.waitUntil(last_measured, timeout=20_000)
    h = w.session.history
    assert w.session.epochs_done >= 3 and sum(math.isfinite(x) for x in h["recon_mse_train"]) < len(h["epoch"])


def test_the_last_learning_rate_point_is_the_rate_in_use_in_the_plot_and_the_file(qtbot, make_window, tmp_path):
    # bug 2: the curve's last point jumped back to the base rate, and that value was saved
    from rbm_gui.io.model_file import load_model
    w = make_window(TrainingConfig(n_hidden=10, epochs=3, batch_size=20, learning_rate=0.1, lr_schedule="linear"))
    w.train()
    wait_finished(qtbot, w)
    _, y = w.metrics_view.curves["learning_rate"].getData()
    assert len(y) == 4 and y[0] == 0.1 and y[1] > y[2] > y[3] and y[3] < 0.1
    assert w.save_model(str(tmp_path / "m.npz"))
    assert load_model(str(tmp_path / "m.npz")).meta["history"]["learning_rate"][-1] == y[3]


def test_the_pause_hint_goes_when_training_runs_again(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=100_000, batch_size=20))
    w.train()
    qtbot.waitUntil(lambda: w.training.steps > 0, timeout=10_000)
    w.pause()
    assert "Paused" in w.status.message.full_text
    w.resume()
    assert "Paused" not in w.status.message.full_text
    w.stop()


def test_information_leaves_the_banner_by_itself_errors_stay(qtbot, make_window, monkeypatch):
    from rbm_gui.ui import banner
    monkeypatch.setattr(banner, "INFO_SECONDS", 0.05)
    w = make_window()
    w.session.say("Saved m.npz")
    qtbot.waitUntil(lambda: w.session.message[0] == "", timeout=2000)
    w.session.say("Could not open m.npz: truncated", "error")
    qtbot.wait(200)
    assert w.session.message == ("Could not open m.npz: truncated", "error") and w.banner.isVisible()


def test_the_history_first_unit_stays_within_the_tracked_units(qtbot, make_window):
    w = make_window()                      # 10 hidden units, all tracked
    w.show_tab("history")
    hv = w.views["history"]
    hv.first_spin.setValue(150)
    assert hv.first_spin.value() == 9 and w.view_states.history.first_unit == 9

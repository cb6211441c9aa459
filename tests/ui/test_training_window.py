"""The real main window with the real worker thread: training, pause, live changes, stop, divergence."""

import math

import numpy as np

from rbm_gui.config import TrainingConfig
from tests.ui.conftest import wait_finished


def test_training_changes_the_mosaic_and_the_metrics(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=3, batch_size=20), metrics_budget=None)
    before = w.weights_view.image.image.copy()
    updates = w.weights_view.updates
    assert w.train()
    assert w.running
    wait_finished(qtbot, w)
    assert w.session.epochs_done == 3
    assert w.weights_view.updates > updates
    assert not np.array_equal(w.weights_view.image.image, before)
    # epoch 0 (before training) plus three epochs, computed off the training thread (no budget here)
    qtbot.waitUntil(lambda: not w.training.metrics_busy, timeout=20_000)
    assert w.metrics_view.n_points("recon_mse_train") == 4
    assert w.metrics_view.n_points("loglik_val") == 4          # exact log-likelihood at 10 units
    assert w.metrics_view.n_points("learning_rate") == 4
    assert w.history_view.isVisible() or w.history_view.rows_drawn in (0, 4)
    w.show_tab("history")
    assert w.history_view.rows_drawn == 4 and w.history_view.cols_drawn == 10
    assert w.session.dirty and "*" in w.windowTitle()


def test_pause_holds_training_and_resume_continues(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1000, batch_size=10))
    w.train()
    run = w.session.run
    qtbot.waitUntil(lambda: run.steps > 5, timeout=10_000)
    w.toggle_pause()
    assert w.paused and w.act_pause.text() == "Resume"
    assert "Paused" in w.status.state_label.text()
    qtbot.waitUntil(w.training.job.control._held.is_set, timeout=20_000)
    qtbot.wait(50)
    steps = run.steps
    qtbot.wait(300)
    assert run.steps == steps
    w.toggle_pause()
    assert not w.paused and "Paused" not in w.status.state_label.text()
    qtbot.waitUntil(lambda: run.steps > steps + 5, timeout=10_000)
    job = w.training.job
    w.stop()
    assert not w.running and job.thread.isFinished()


def test_learning_rate_change_reaches_the_trainer_while_training(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1000, batch_size=10, learning_rate=0.05))
    w.train()
    trainer = w.session.trainer
    qtbot.waitUntil(lambda: w.session.run.steps > 2, timeout=10_000)
    w.panel.widgets["learning_rate"].setValue(0.0123)
    qtbot.waitUntil(lambda: trainer.config.learning_rate == 0.0123, timeout=20_000)
    w.panel.widgets["momentum"].setValue(0.7)
    qtbot.waitUntil(lambda: trainer.momentum == 0.7, timeout=20_000)
    assert w.running
    w.stop()


def test_architecture_widgets_are_locked_while_training_but_live_ones_are_not(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1000, batch_size=10))
    w.train()
    assert not w.panel.widgets["n_hidden"].isEnabled() and not w.panel.widgets["batch_size"].isEnabled()
    assert w.panel.widgets["learning_rate"].isEnabled() and w.panel.widgets["momentum"].isEnabled()
    w.stop()
    assert w.panel.widgets["n_hidden"].isEnabled()


def test_stop_joins_the_thread_keeps_the_model_and_train_continues(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1000, batch_size=10))
    w.train()
    qtbot.waitUntil(lambda: w.session.epochs_done >= 1, timeout=10_000)
    thread = w.training.job.thread
    w.stop()
    assert thread.isFinished() and not w.running
    rbm = w.session.rbm
    done = w.session.epochs_done
    assert rbm.is_finite()
    w.train()
    qtbot.waitUntil(lambda: w.session.epochs_done > done, timeout=10_000)
    assert w.session.rbm is rbm          # the same model trained further
    w.stop()


def test_plus_one_epoch_trains_exactly_one_more_epoch(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1, batch_size=20))
    w.train()
    wait_finished(qtbot, w)
    assert w.session.epochs_done == 1
    w.add_epoch()
    wait_finished(qtbot, w)
    assert w.session.epochs_done == 2 and w.panel.config().epochs == 2


def test_diverging_learning_rate_pauses_with_a_message_and_finite_parameters(qtbot, make_window):
    # Without centring lr 100 explodes the weights within ~100 mini-batches (with centring the
    # engine stays bounded for longer: see the report of issue 3).
    w = make_window(TrainingConfig(n_hidden=10, epochs=500, batch_size=20, learning_rate=100.0,
                                   lr_schedule="constant", centering=False))
    w.train()
    qtbot.waitUntil(lambda: "diverged" in w.banner.text(), timeout=15_000)
    assert w.banner.isVisible() and w.paused and w.running
    qtbot.waitUntil(w.training.job.control._held.is_set, timeout=20_000)
    assert w.session.rbm.is_finite()
    assert math.isfinite(float(np.abs(w.weights_view.rbm.W).max()))
    # lower the rate and resume: training goes on
    w.panel.widgets["learning_rate"].setValue(0.01)
    w.train()
    assert not w.paused
    w.stop()
    assert w.session.rbm.is_finite()


def test_views_are_throttled_to_at_most_about_15_frames_per_second(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=100_000, batch_size=1))
    w.train()
    run, frames0 = w.session.run, w.training.frames
    qtbot.wait(1000)
    steps, frames = run.steps, w.training.frames - frames0
    w.stop()
    assert steps > 3 * frames          # many more mini-batches than frames
    assert frames <= 20                # <= 15/s (+ pause/stop frames)


def test_reset_asks_and_starts_a_fresh_model(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1, batch_size=20))
    w.train()
    wait_finished(qtbot, w)
    asked = []
    w.ask_save = lambda text: asked.append(text) or "cancel"
    assert not w.reset()                       # cancelled: nothing thrown away
    assert w.session.epochs_done == 1 and asked
    w.ask_save = lambda text: "discard"
    assert w.reset()
    assert w.session.epochs_done == 0 and not w.session.history and len(w.session.weight_history) == 1


def test_changing_the_architecture_after_training_asks_and_can_be_refused(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1, batch_size=20))
    w.train()
    wait_finished(qtbot, w)
    asked = []
    w.ask_save = lambda text: asked.append(text) or "cancel"
    w.panel.widgets["n_hidden"].setValue(12)
    assert w.panel.config().n_hidden == 10 and w.session.rbm.n_hidden == 10
    assert w.panel.widgets["n_hidden"].value() == 10 and len(asked) == 1    # asked once, value kept
    w.ask_save = lambda text: asked.append(text) or "discard"
    w.panel.widgets["n_hidden"].setValue(12)
    assert len(asked) == 2
    assert w.session.rbm.n_hidden == 12 and w.session.epochs_done == 0
    assert w.weights_view.rbm.n_hidden == 12

"""The Qt-free session: model, history, files and what a setting change means — without Qt."""

import math

import numpy as np
import pytest

from rbm_gui.app.data import DataOptions
from rbm_gui.app.session import Session
from rbm_gui.config import TrainingConfig
from rbm_gui.engine.run import EpochEnd, TrainingRun

SMALL = DataOptions(max_train=200, n_val=50)


def small_session(**cfg):
    s = Session(TrainingConfig(n_hidden=cfg.pop("n_hidden", 8), epochs=cfg.pop("epochs", 2), **cfg), SMALL)
    s.load_data()
    s.new_model()
    return s


def train_epochs(s, n=None):
    """Drive the session's run to its end (as the window's job does), recording each epoch."""
    run = s.make_run()
    s.run_state = "running"
    for event in run:
        if isinstance(event, EpochEnd):
            s.record_epoch(event)
    s.run_state, s.run = "stopped", None


def test_new_model_records_the_starting_tiles_publishes_a_snapshot_and_subset_sizes():
    s = Session(TrainingConfig(n_hidden=8, epochs=2), SMALL)
    replaced = []
    s.model_replaced.connect(replaced.append)
    s.load_data()
    s.new_model()
    assert s.data.train.shape == (200, 784) and s.data.held_out.shape == (50, 784)
    assert s.epochs_done == 0 and len(s.weight_history) == 1
    assert s.weight_history[0].shape == (784, 8)
    assert replaced == [s.model] and s.model is not s.rbm and not s.model.W.flags.writeable
    np.testing.assert_array_equal(s.model.W, s.rbm.W)


def test_saved_model_round_trip_keeps_parameters_history_and_settings():
    s = small_session(learning_rate=0.02, epochs=1)
    train_epochs(s)
    s.record_metrics(1, {"recon_mse_train": 0.1})
    saved = s.to_saved_model()
    other = Session()
    other.load_saved(saved, "x.npz")
    np.testing.assert_array_equal(other.rbm.W, s.rbm.W)
    assert other.epochs_done == 1 and other.config.learning_rate == 0.02 and other.config.n_hidden == 8
    assert other.history["recon_mse_train"] == [0.1]
    assert len(other.weight_history) == 2 and other.path == "x.npz" and not other.dirty


def test_trainer_is_rebuilt_when_batch_size_changes_and_keeps_the_epoch():
    s = small_session()
    t = s.ensure_trainer()
    t.run_epoch()
    s.epochs_done = 1
    assert s.change_setting("batch_size", s.config.batch_size + 7) == "stored"
    t2 = s.ensure_trainer()
    assert t2 is not t and t2.batch_size == t.batch_size + 7 and t2.epoch == 1 and t2.rbm is s.rbm


def test_the_learning_rate_of_the_last_epoch_is_the_rate_in_use_not_the_base_rate():
    # bug 2: the curve's last point jumped back to the base rate, and that was saved
    s = small_session(epochs=3, lr_schedule="linear", learning_rate=0.1)
    train_epochs(s)
    lr = s.history["learning_rate"]
    assert len(lr) == 3 and lr[-1] < 0.1 and lr[0] > lr[1] > lr[2]
    assert s.to_saved_model().meta["history"]["learning_rate"][-1] == lr[-1]


def test_live_settings_reach_the_running_trainer_and_others_wait_for_the_next_run():
    s = small_session(epochs=50)
    run = s.make_run()
    s.run_state = "running"
    assert s.change_setting("learning_rate", 0.03) == "live"
    assert s.change_setting("momentum", 0.6) == "live"
    assert s.change_setting("cd_k", 2) == "stored"
    next(iter(run))                                  # one step takes the changes
    assert run.trainer.config.learning_rate == 0.03 and run.trainer.momentum == 0.6
    assert run.trainer.config.cd_k == 1 and s.config.cd_k == 2
    assert s.add_epoch() == 51
    next(run.events())
    assert run.trainer.config.epochs == 51


def test_a_new_model_setting_asks_once_and_a_refusal_keeps_the_old_value_and_model():
    s = small_session(epochs=1)
    train_epochs(s)
    rbm, asked = s.rbm, []
    assert s.change_setting("n_hidden", 12, approve=lambda text: asked.append(text) or False) == "refused"
    assert s.config.n_hidden == 8 and s.rbm is rbm and s.epochs_done == 1 and len(asked) == 1
    assert s.change_setting("n_hidden", 12, approve=lambda text: asked.append(text) or True) == "new_model"
    assert len(asked) == 2 and s.rbm.n_hidden == 12 and s.epochs_done == 0 and s.model.n_hidden == 12


def test_an_untrained_model_is_replaced_without_a_question():
    s = small_session()
    assert s.change_setting("n_hidden", 5, approve=lambda text: 1 / 0) == "new_model"
    assert s.rbm.n_hidden == 5


def test_a_data_option_change_loads_other_digits_and_a_new_model():
    s = small_session()
    assert s.change_setting("data.max_train", 100) == "new_model"
    assert s.data.train.shape[0] == 100 and s.data_options.max_train == 100 and s.rbm is not None


def test_a_data_set_that_cannot_load_keeps_the_one_in_use_with_a_message(tmp_path):
    s = small_session()
    data = s.data
    assert s.change_setting("data.source", str(tmp_path / "missing-idx3-ubyte")) == "failed"
    assert s.data is data and s.data_options.source == "mnist-sample" and s.message[1] == "error"


def test_a_broken_data_file_is_refused_before_asking_to_replace_the_trained_model(tmp_path):
    s = small_session(epochs=1)
    train_epochs(s)
    W = s.rbm.W.copy()
    broken = tmp_path / "broken-idx3-ubyte"
    broken.write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 7)      # an IDX header cut short
    asked = []
    assert s.change_setting("data.source", str(broken), approve=lambda text: asked.append(text) or True) == "failed"
    assert asked == [] and s.message[1] == "error" and s.data_options.source == "mnist-sample"
    assert s.epochs_done == 1 and np.array_equal(s.rbm.W, W)


def test_invalid_combinations_are_kept_but_flagged_and_do_not_train():
    s = small_session()
    s.change_setting("sparsity_cost", 0.5)
    assert "sparsity" in s.config_problem
    s.change_setting("sparsity_target", 0.05)
    assert s.config_problem == ""


def test_metrics_measured_later_land_on_the_epoch_they_were_measured_at():
    s = small_session(epochs=3)
    s.record_metrics(0, {"learning_rate": 0.1})
    train_epochs(s)
    s.record_metrics(2, {"pll_val": -100.0})
    h = s.history
    assert h["epoch"] == [0.0, 1.0, 2.0, 3.0]
    assert math.isnan(h["pll_val"][1]) and h["pll_val"][2] == -100.0 and math.isnan(h["pll_val"][3])


def test_the_session_trains_bit_identically_to_a_headless_training_run():
    # the same seed, settings and data as `rbm-gui train`: Trainer.create on the prepared data
    from rbm_gui.app.data import prepare_data
    from rbm_gui.engine.training import Trainer
    cfg = TrainingConfig(n_hidden=8, epochs=2)
    s = Session(cfg, SMALL)
    s.load_data()
    s.new_model()
    train_epochs(s)
    data = prepare_data(SMALL, seed=cfg.seed)
    trainer = Trainer.create(data.trainer_data, cfg, data.image_shape)
    for _ in TrainingRun(trainer):
        pass
    np.testing.assert_array_equal(s.rbm.W, trainer.rbm.W)
    np.testing.assert_array_equal(s.rbm.c, trainer.rbm.c)


def test_the_metrics_jobs_exact_likelihood_agrees_with_the_engines_and_stops_on_cancel():
    from rbm_gui.app.jobs import metrics_job
    from rbm_gui.engine import likelihood

    class Control:
        cancelled = False
    s = small_session(n_hidden=9, epochs=1)
    train_epochs(s)
    gen = metrics_job(s.rbm.snapshot(), 1, ("basic", "exact"), s.data.monitor_train, s.data.monitor_val, Control())
    steps = 0
    try:
        while True:
            next(gen)
            steps += 1
    except StopIteration as stop:
        epoch, values, costs = stop.value
    assert epoch == 1 and steps == 1 and set(costs) == {"basic", "exact"}
    expected = likelihood.average_log_likelihood(s.rbm, s.data.monitor_val)
    assert abs(values["loglik_val"] - expected) < 1e-9
    assert math.isfinite(values["pll_val"]) and math.isfinite(values["recon_mse_train"])
    # a cancel during the enumeration ends the job without the exact values
    calls = []

    class Cancelling:
        @property
        def cancelled(self):
            calls.append(1)
            return len(calls) > 1          # the first check passes, the enumeration sees the cancel
    gen = metrics_job(s.rbm.snapshot(), 1, ("exact",), s.data.monitor_train, s.data.monitor_val, Cancelling())
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert "loglik_val" not in stop.value.value[1] and len(calls) == 2


def test_opening_a_data_set_asks_before_it_replaces_a_trained_model():
    s = small_session(epochs=1)
    train_epochs(s)
    data, rbm, asked = s.data, s.rbm, []
    assert s.change_setting("data.max_train", 120, approve=lambda t: asked.append(t) or False) == "refused"
    assert s.data is data and s.rbm is rbm and s.data_options.max_train == 200 and len(asked) == 1

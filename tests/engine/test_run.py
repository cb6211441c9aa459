"""The one training loop (engine/run.py): the CLI and the window drive the trainer through it."""

import time

import numpy as np
import pytest

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset
from rbm_gui.engine.run import Diverged, EpochEnd, Step, TrainingRun
from rbm_gui.engine.training import Trainer


@pytest.fixture(scope="module")
def digits():
    return load_dataset("mnist-sample", "train").binarize(128)[:600]


def make(digits, **cfg):
    return Trainer.create(digits, TrainingConfig(**{"n_hidden": 20, "epochs": 2, **cfg}), (28, 28))


@pytest.mark.parametrize("cfg", [{}, {"pcd": False, "cd_k": 2}, {"n_hidden": 80, "centering": False}],
                         ids=["defaults", "cd2", "lit-rows"])
def test_driving_the_run_gives_the_same_weights_as_stepping_the_trainer(digits, cfg):
    bare, driven = make(digits, **cfg), make(digits, **cfg)
    while not bare.finished:
        bare.step()
    events = list(TrainingRun(driven))
    assert sum(isinstance(e, EpochEnd) for e in events) == 2
    for a, b in [(bare.rbm.W, driven.rbm.W), (bare.rbm.b, driven.rbm.b), (bare.rbm.c, driven.rbm.c)]:
        np.testing.assert_array_equal(a, b)


def test_changes_between_steps_equal_the_same_calls_on_the_trainer(digits):
    bare, driven = make(digits), make(digits)
    for _ in range(5):
        bare.step()
    bare.set_learning_rate(0.05)
    bare.set_momentum(0.7)
    while not bare.finished:
        bare.step()
    run = TrainingRun(driven)
    gen = run.events()
    for _ in range(5):
        assert isinstance(next(gen), Step)
    run.request(learning_rate=0.05)                 # thread-safe path
    gen.send({"momentum": 0.7})                     # generator path (takes effect before the next step)
    for _ in gen:
        pass
    np.testing.assert_array_equal(bare.rbm.W, driven.rbm.W)


def test_plus_one_epoch_stop_and_max_steps_end_the_run_with_a_reason(digits):
    run = TrainingRun(make(digits, epochs=1))
    gen = run.events()
    next(gen)
    run.request(epochs=2)
    ends = [e.epoch for e in gen if isinstance(e, EpochEnd)]
    assert ends == [1, 2]

    run = TrainingRun(make(digits), max_steps=3)
    assert len(list(run)) == 3 and run.trainer.batch == 3
    run = TrainingRun(make(digits))
    gen = run.events()
    next(gen)
    run.stop()
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "stopped"


def test_the_epoch_end_carries_the_rate_in_use_not_the_base_rate(digits):
    # The linear schedule ends near 0; the last epoch's point used to jump back to the base rate.
    events = [e for e in TrainingRun(make(digits, lr_schedule="linear")) if isinstance(e, EpochEnd)]
    assert events[-1].last and not events[0].last
    assert events[-1].learning_rate < 0.2 * TrainingConfig().learning_rate   # 2 epochs: 0.1 * 1/8
    assert events[0].learning_rate > events[-1].learning_rate
    assert events[-1].W_tracked.shape == (784, 20) and not events[-1].snapshot.W.flags.writeable


def test_time_between_steps_does_not_count_as_training_time(digits):
    run = TrainingRun(make(digits, epochs=1, batch_size=50))
    wall0 = time.perf_counter()
    speeds = []
    for e in run:
        time.sleep(0.15)                            # a paused driver (longer than IDLE_GAP)
        if isinstance(e, Step):
            speeds.append(e.samples_per_second)
    wall = time.perf_counter() - wall0
    assert run.busy_seconds < 0.5 * wall
    # 600 digits over 1.8 s of sleeping alone would read <= 340 digits/s if idle time counted
    assert len(speeds) == 12 and speeds[-1] > 5000


def test_a_diverging_step_is_reported_and_the_parameters_are_kept(digits):
    t = make(digits, learning_rate=100.0, weight_decay=0.0)
    run = TrainingRun(t)
    for e in run:
        if isinstance(e, Diverged):
            assert t.rbm.is_finite()
            assert "diverged" in e.message.lower() or "learning rate" in e.message.lower()
            break
    else:
        pytest.fail("learning rate 100 did not diverge")

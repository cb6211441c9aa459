"""Training > Estimate log-likelihood through the real window: progress, Cancel, the bracket's error bar."""

import math

from PySide6.QtWidgets import QPushButton

from rbm_gui.config import TrainingConfig
from rbm_gui.engine.likelihood import average_log_likelihood

from tests.ui.conftest import wait_finished


def trained_window(qtbot, make_window):
    w = make_window(config=TrainingConfig(n_hidden=10, epochs=2, batch_size=20))
    w.train_actions.train()
    wait_finished(qtbot, w)
    return w


def test_estimate_records_the_bracket_and_draws_it_as_an_error_bar(qtbot, make_window):
    w = trained_window(qtbot, make_window)
    la = w.likelihood
    la.n_runs, la.n_reverse, la.n_betas = 30, 30, 400
    assert la.act.isEnabled() and not w.metrics_view.bracket.isVisible()
    with qtbot.waitSignal(la.finished, timeout=60_000) as blocker:
        la.act.trigger()
        assert la.busy and la.dialog is not None and not la.act.isEnabled()
    assert blocker.args == ["done"] and not la.busy and la.act.isEnabled()
    assert la.progress[0] == (0, 399) and la.progress[-1] == (399, 399)
    b = la.last
    held = w.session.data.held_out
    assert b.epoch == 2 and b.n_digits == len(held) == 100
    exact = average_log_likelihood(w.session.rbm, held)      # 10 units: enumerable
    assert abs(b.forward - exact) < 2 and abs(b.reverse - exact) < 2
    h = w.session.history
    row = h["epoch"].index(2)
    assert h["ais_forward"][row] == b.forward and h["ais_reverse"][row] == b.reverse
    assert math.isnan(h["ais_forward"][h["epoch"].index(1)])
    x, lo, hi = w.metrics_view.bracket_points()
    assert list(x) == [2] and lo[0] == b.reverse and hi[0] == b.forward
    bar = w.metrics_view.bracket
    assert bar.isVisible() and bar.opts["x"][0] == 2
    assert bar.opts["y"][0] - bar.opts["bottom"][0] == min(b.forward, b.reverse)
    assert bar in w.metrics_view.plots["Log-likelihood (nats/image)"].items
    ends = w.metrics_view.bracket_ends                     # both ends marked, and named in the legend
    assert ends.isVisible() and sorted(ends.getData()[1]) == sorted([b.forward, b.reverse])
    legend = w.metrics_view.plots["Log-likelihood (nats/image)"].legend
    assert "AIS bracket" in [label.text for _, label in legend.items]
    assert not w.metrics_view.plots["Held-out accuracy (labelled models)"].isVisible()   # unlabelled
    assert "held-out digits" in w.banner.text()


def test_cancel_stops_the_annealing_and_records_nothing(qtbot, make_window):
    w = trained_window(qtbot, make_window)
    la = w.likelihood
    la.n_runs, la.n_reverse, la.n_betas = 30, 30, 1_000_000      # minutes if it were not cancelled
    la.act.trigger()
    qtbot.waitUntil(lambda: len(la.progress) >= 2 and la.progress[-1][0] > 0, timeout=20_000)
    with qtbot.waitSignal(la.finished, timeout=10_000) as blocker:
        la.dialog.findChild(QPushButton).click()
    assert blocker.args == ["cancelled"] and la.last is None
    assert "ais_forward" not in w.session.history and not w.metrics_view.bracket.isVisible()
    assert la.act.isEnabled() and not w.runner.running()


def test_not_offered_while_training(qtbot, make_window):
    w = make_window(config=TrainingConfig(n_hidden=10, epochs=500, batch_size=20))
    w.train_actions.train()
    qtbot.waitUntil(lambda: w.running, timeout=10_000)
    assert not w.likelihood.act.isEnabled() and not w.likelihood.estimate()
    w.train_actions.stop()
    qtbot.waitUntil(lambda: not w.running, timeout=10_000)
    assert w.likelihood.act.isEnabled()

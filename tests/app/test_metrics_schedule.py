"""The metrics time budget: which epochs get metrics in the window (no clock: seconds are passed in)."""

from rbm_gui.app.metrics_schedule import MetricsSchedule


def simulate(n_hidden, epoch_seconds, costs, epochs, budget=0.10):
    sch = MetricsSchedule(n_hidden, 784, budget)
    measured = {}
    for epoch in range(1, epochs + 1):
        sch.epoch_trained(epoch_seconds)
        kinds = sch.plan(epoch, last=epoch == epochs)
        if kinds:
            sch.measured(epoch, {k: costs[k] for k in kinds})
            measured[epoch] = kinds
    return sch, measured


def test_fast_epochs_get_sparse_metrics_within_the_budget_and_the_final_epoch_always():
    # 20 units: an epoch trains in 0.03 s, basic metrics 0.05 s, the exact likelihood 1 s
    sch, measured = simulate(20, 0.03, {"basic": 0.05, "exact": 1.0}, 5000)
    assert measured[5000] == ("basic", "exact")
    # apart from the first basic measurement (cost unknown) and the final one, the spend stays
    # within 10% of training; the exact likelihood is never tried before it fits the budget
    assert sch.spent - 0.05 - 1.05 <= 0.10 * sch.train_seconds
    assert min(e for e, k in measured.items() if "exact" in k) > 10
    basic = [e for e, k in measured.items() if "basic" in k]
    exact = [e for e, k in measured.items() if "exact" in k]
    assert len(basic) > len(exact) >= 5         # both keep coming; the exact one sparser
    assert len(basic) < 5000 / 5


def test_slow_epochs_get_metrics_every_epoch():
    _, measured = simulate(400, 5.0, {"basic": 0.2}, 10)
    assert sorted(measured) == list(range(1, 11))
    assert all(k == ("basic",) for k in measured.values())     # no exact likelihood above 20 units


def test_a_busy_measurement_skips_ordinary_epochs_but_not_the_last():
    sch = MetricsSchedule(10, 784)
    sch.epoch_trained(100.0)
    assert sch.plan(1, busy=True) == ()
    assert sch.plan(2, last=True, busy=True) == ("basic", "exact")

"""The reconstruction view shows the engine's numbers for the selected digit, live while training runs."""


import numpy as np

from rbm_gui.config import TrainingConfig
from tests.ui.explorer_helpers import click_gallery, explorer


def _fresh(qtbot, view, **change):
    """Wait until the view drew again after a change (it may also redraw for new training frames)."""
    before = view.computations
    qtbot.waitUntil(lambda: view.computations > before, timeout=20_000)
    return view.explanation


def test_printed_probabilities_are_the_engines_for_the_clicked_digit(qtbot, make_window):
    w, view = explorer(qtbot, make_window)
    click_gallery(view.gallery, 5)
    qtbot.waitUntil(lambda: view.digit.source == "test #5", timeout=20_000)
    ex = view.explanation
    expected = ex.rbm.hidden_probs(view.gallery.model.digits[5])[0]      # the snapshot that was drawn
    units = view.tiles.units
    assert sorted(units) == list(range(10))                  # all units shown when n_hidden <= 40
    assert view.tiles.texts == [f"{p:.4f}" for p in expected[units]]
    np.testing.assert_array_equal(view.tiles.probs, expected[units])
    qtbot.waitUntil(lambda: view.tiles.overlay.labels_drawn == 10, timeout=20_000)   # painted on screen
    assert w.running and view.computations > 1


def test_red_borders_are_exactly_the_units_at_or_above_the_threshold(qtbot, make_window):
    w, view = explorer(qtbot, make_window)
    for thr in (0.5, 0.2, 0.8, 0.0):
        view.threshold_spin.setValue(thr)
        ex = view.explanation
        probs = ex.rbm.hidden_probs(ex.v)[0]
        assert view.tiles.red_units() == {int(u) for u in np.flatnonzero(probs >= thr)}
        assert w.running
    assert view.tiles.red_units() == set(range(10))          # threshold 0: every unit


def test_top_k_and_sorting_by_probability(qtbot, make_window):
    w, view = explorer(qtbot, make_window, TrainingConfig(n_hidden=60, epochs=500, batch_size=20))
    probs = view.explanation.probs
    units = view.tiles.units
    assert len(units) == 40                                   # default: the top 40 of 60
    assert set(units) == set(np.argsort(-probs, kind="stable")[:40])
    view.sort_check.setChecked(True)
    p = view.tiles.probs
    assert np.all(np.diff(p) <= 0)
    view.topk_spin.setValue(5)
    assert len(view.tiles.units) == 5 and view.tiles.probs[0] == view.explanation.probs.max()


def test_averaged_reconstruction_converges_to_the_expected_reconstruction(qtbot, make_window):
    w, view = explorer(qtbot, make_window)
    rng = np.random.default_rng(0)
    distances = []
    for n in (1, 10, 100, 1000):
        view.n_spin.setValue(n)
        qtbot.waitUntil(lambda: view.explanation.n_average == n, timeout=20_000)
        ex = view.explanation
        # E[v'|v] for the very snapshot that was drawn, from 100,000 samples
        expected = ex.rbm.averaged_reconstruction(ex.v, 100_000, rng, use_samples=False)[0]
        distances.append(float(np.linalg.norm(ex.average - expected)))
    assert distances[0] > distances[1] > distances[2] > distances[3], distances
    assert distances[3] < 0.25 * distances[1]
    np.testing.assert_allclose(view.explanation.error, np.abs(ex.v - ex.average))
    assert w.running


def test_resample_draws_another_sample_and_the_sheet_shows_first_of_each_class(qtbot, make_window):
    w, view = explorer(qtbot, make_window)
    labels = view.gallery.model.labels
    sheet = view.sheet
    assert len(sheet.digits) == 10
    firsts = [int(np.flatnonzero(labels == k)[0]) for k in range(10)]
    np.testing.assert_array_equal(sheet.digits, view.gallery.model.digits[firsts])
    assert sheet.averages.shape == (10, 784)
    samples = set()
    for _ in range(4):
        view.resample_btn.click()
        samples.add(view.explanation.sample.tobytes())
    assert len(samples) > 1
    sheet.add_btn.click()
    assert len(sheet.digits) == 11 and sheet.averages.shape == (11, 784)
    sheet.reset_btn.click()
    assert len(sheet.digits) == 10


def test_n_1000_at_400_hidden_units_updates_on_the_gui_thread_while_training(qtbot, make_window):
    # the timings are measured by benchmarks/explorer_speed.py, not here
    w, view = explorer(qtbot, make_window, TrainingConfig(n_hidden=400, epochs=500, batch_size=50))
    view.n_spin.setValue(1000)
    qtbot.waitUntil(lambda: view.explanation.n_average == 1000, timeout=20_000)
    for _ in range(3):
        view.update_digit(now=True)          # the selected digit at N = 1,000
        view.update_sheet(now=True)          # the sheet: 10 digits at N = 100
    assert view.explanation.n_average == 1000 and view.explanation.average.shape == (784,)
    assert np.isfinite(view.explanation.average).all() and w.running

def test_explorer_options_persist_across_two_window_instances(qtbot, make_window):
    w1, v1 = explorer(qtbot, make_window, train=False)
    v1.threshold_spin.setValue(0.7)
    v1.topk_spin.setValue(5)
    v1.n_spin.setValue(250)
    v1.sheet.n_spin.setValue(40)
    v1.sort_check.setChecked(True)
    assert w1.close()
    w2, v2 = explorer(qtbot, make_window, train=False)
    assert v2.threshold_spin.value() == 0.7 and v2.topk_spin.value() == 5
    assert v2.n_spin.value() == 250 and v2.sheet.n_spin.value() == 40 and v2.sort_check.isChecked()

"""The window's "Learn labels": a labelled model trains, its held-out accuracy is plotted, and the
explorer shows the exact P(y|v) of the selected and the drawn digit."""

import numpy as np

from rbm_gui.config import TrainingConfig
from tests.ui.conftest import wait_finished
from tests.ui.explorer_helpers import click_gallery


def test_learn_labels_trains_a_labelled_model_and_shows_p_label(qtbot, make_window, tmp_path):
    w = make_window(TrainingConfig(n_hidden=20, epochs=3, batch_size=20))
    assert w.session.rbm.n_labels == 0
    box = w.panel.widgets["labels"]
    labelled_only = [w.panel.widgets[n] for n in ("discriminative_weight", "shift_pixels")]
    assert not any(x.isEnabled() for x in labelled_only)
    box.setChecked(True)                                    # a new-model setting: the model is replaced
    assert w.session.config.labels and w.session.rbm.n_labels == 10
    assert all(x.isEnabled() for x in labelled_only)
    # the labelled defaults show up (sparsity) and the shift spin box edits the config
    assert w.panel.widgets["sparsity_target"].value() == w.session.config.sparsity_target > 0
    w.panel.widgets["shift_pixels"].setValue(2)
    assert w.session.config.shift_pixels == 2
    w.panel.widgets["shift_pixels"].setValue(1)
    w.show_tab("reconstruct")
    view = w.views["reconstruct"]
    qtbot.waitExposed(w)
    assert w.train()
    wait_finished(qtbot, w)
    assert w.session.epochs_done == 3
    acc = w.session.history["accuracy_val"]
    assert len(acc) == 4 and all(0.0 <= a <= 1.0 for a in acc[1:])
    assert w.metrics_view.n_points("accuracy_val") == 4
    assert w.metrics_view.plots["Held-out accuracy (labelled models)"].isVisible()

    click_gallery(view.gallery, 3)
    qtbot.waitUntil(lambda: view.digit is not None and view.digit.source == "test #3", timeout=20_000)
    qtbot.waitUntil(lambda: view.label_probs is not None, timeout=20_000)
    expected = w.session.model.label_probs(view.gallery.model.digits[3])[0]
    np.testing.assert_allclose(view.label_probs, expected, rtol=1e-6)
    assert view._label_plot_shown
    heights = view.label_bars.opts["height"]
    np.testing.assert_allclose(heights, expected, rtol=1e-6)

    view.left.setCurrentWidget(view.board)                 # the drawing board's digit
    qtbot.waitUntil(lambda: view.digit.source == "drawn", timeout=20_000)
    drawn = w.session.model.label_probs(view.board.vector())[0]
    qtbot.waitUntil(lambda: view.label_probs is not None and np.allclose(view.label_probs, drawn), timeout=20_000)
    view.grab().save(str(tmp_path / "labels.png"))

    box.setChecked(False)                                   # back to an unlabelled model: no chart
    assert w.session.rbm.n_labels == 0
    qtbot.waitUntil(lambda: not view._label_plot_shown, timeout=20_000)


def test_weights_tab_shows_p_label_of_the_probe_and_follows_knock_outs(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=20, epochs=2, batch_size=20))
    view = w.views["weights"]
    w.show_tab("weights")
    qtbot.waitExposed(w)
    assert not view.label_bars.shown                       # an unlabelled model: no chart
    w.panel.widgets["labels"].setChecked(True)
    assert w.train()
    wait_finished(qtbot, w)
    probe = view.probe_vector()
    expected = w.session.model.label_probs(probe)[0]
    qtbot.waitUntil(lambda: view.label_bars.probs is not None, timeout=20_000)
    assert view.label_bars.shown
    np.testing.assert_allclose(view.label_bars.probs, expected, rtol=1e-6)
    np.testing.assert_allclose(view.label_bars.bars.opts["height"], expected, rtol=1e-6)
    view.state.choose_probe(5)                             # another probe digit: other bars
    other = w.session.model.label_probs(view.probe_vector())[0]
    qtbot.waitUntil(lambda: np.allclose(view.label_bars.probs, other), timeout=20_000)
    w.session.overrides.knock_out(range(20))               # every unit off: P(y|v) = softmax(d)
    d = w.session.model.d.astype(np.float64)
    prior = np.exp(d - d.max()) / np.exp(d - d.max()).sum()
    qtbot.waitUntil(lambda: np.allclose(view.label_bars.probs, prior, atol=1e-5), timeout=20_000)
    w.session.overrides.undo()
    qtbot.waitUntil(lambda: np.allclose(view.label_bars.probs, other), timeout=20_000)

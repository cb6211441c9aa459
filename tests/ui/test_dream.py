"""The dream panel in the real window (offscreen): stepping, the timer, training snapshots, starts."""

import subprocess
import sys

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from rbm_gui.config import TrainingConfig
from rbm_gui.engine.dream import DreamChains
from rbm_gui.io.export import chain_columns, compose_frame
from rbm_gui.ui.views.dream_view import PANEL_PAD
from rbm_gui.viz.gallery import SelectedDigit
from tests.ui.conftest import wait_finished


def expected_frame(view, steps, show):
    chains = DreamChains(view.rbm, view.starts, view.seed)
    chains.step(steps)
    imgs = chains.images(show)
    return compose_frame(imgs, scale=1, cols=chain_columns(imgs.shape[0]), pad=PANEL_PAD)


def dream(w):
    w.show_tab("dream")
    return w.views["dream"]


def test_stepping_draws_the_engine_chain_states_for_the_seed(qtbot, make_window):
    w = make_window()
    v = dream(w)
    assert v.n_chains == 8 and v.starts.shape == (8, 784) and v.step_count == 0
    assert v.frame.shape == (2 * 28 + PANEL_PAD, 4 * 28 + 3 * PANEL_PAD)      # 2 x 4 chains, one mosaic
    v.seed_spin.setValue(7)
    for _ in range(5):
        qtbot.mouseClick(v.step_btn, Qt.LeftButton)
    assert v.step_count == 5 and v.counter.text() == "step 5"
    np.testing.assert_array_equal(v.frame, expected_frame(v, 5, "probs"))
    np.testing.assert_array_equal(v.image.image[..., :3], np.repeat(v.frame[..., None], 3, axis=2))  # as shown
    v.set_show("samples")
    np.testing.assert_array_equal(v.frame, expected_frame(v, 5, "samples"))
    assert set(np.unique(v.frame)) <= {0, 255}
    qtbot.mouseClick(v.reset_btn, Qt.LeftButton)
    assert v.step_count == 0 and v.counter.text() == "step 0"
    np.testing.assert_array_equal(v.frame, expected_frame(v, 0, "samples"))
    v.step(60)    # the completion: each chain's mean of P(v=1|h) after step 50, as the CLI's --show mean
    v.set_show("mean")
    np.testing.assert_array_equal(v.frame, expected_frame(v, 60, "mean"))
    assert not np.array_equal(v.frame, expected_frame(v, 60, "probs"))
    qtbot.mouseClick(v.reset_btn, Qt.LeftButton)
    v.set_show("probs")
    v.step(3)     # the same seed gives the same frames again after a reset
    np.testing.assert_array_equal(v.frame, expected_frame(v, 3, "probs"))
    v.chains_spin.setValue(16)
    assert v.starts.shape[0] == 16 and v.step_count == 0 and v.frame.shape[1] == 4 * 28 + 3 * PANEL_PAD


def test_play_pause_and_stop_after_n_steps(qtbot, make_window):
    w = make_window()
    v = dream(w)
    v.speed_spin.setValue(120)
    qtbot.mouseClick(v.play_btn, Qt.LeftButton)
    assert v.playing and v.play_btn.text() == "Pause"
    qtbot.waitUntil(lambda: v.step_count >= 10, timeout=20_000)
    qtbot.mouseClick(v.play_btn, Qt.LeftButton)
    assert not v.playing and v.play_btn.text() == "Play"
    n = v.step_count
    qtbot.wait(100)
    assert v.step_count == n
    np.testing.assert_array_equal(v.frame, expected_frame(v, n, "probs"))
    v.stop_spin.setValue(n + 6)
    with qtbot.waitSignal(v.stateChanged, timeout=20_000, check_params_cb=lambda s: s == "stopped"):
        v.play()
    assert v.step_count == n + 6 and not v.playing and "Stopped after" in v.status.text()
    v.play()      # Play after the limit starts again from step 0
    assert v.playing and v.step_count < n + 6
    v.pause()


def test_the_panel_follows_the_training_snapshots(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=40, batch_size=20))
    v = dream(w)
    W0 = v.rbm.W.copy()
    v.step(2)
    follow = []
    w.frameShown.connect(lambda rbm: follow.append(v.rbm is rbm))
    w.train()
    qtbot.waitUntil(lambda: len(follow) >= 3, timeout=10_000)
    assert all(follow) and not np.array_equal(v.rbm.W, W0) and not v.rbm.W.flags.writeable
    v.play()
    qtbot.waitUntil(lambda: v.step_count >= 6, timeout=20_000)     # steps while training runs
    assert v.step_count >= 6
    v.follow_check.setChecked(False)
    qtbot.wait(50)
    rbm = v.rbm
    n = len(follow)
    qtbot.waitUntil(lambda: len(follow) > n + 1 or not w.running, timeout=10_000)
    assert v.rbm is rbm
    v.pause()
    w.stop()
    wait_finished(qtbot, w)
    # a new model restarts the chains from step 0
    w.reset()
    assert v.step_count == 0 and v.rbm.n_hidden == 10 and v.rbm is not rbm


def test_start_digits_from_the_drawing_board_and_the_gallery(qtbot, make_window):
    w = make_window()
    v = dream(w)
    w.show_tab("weights")
    drawn = np.zeros(784, np.float32)
    drawn[300:320] = 1
    w.request_dream(drawn)
    assert w.current_tab() == "dream" and v.source == "drawn"
    np.testing.assert_array_equal(v.starts, np.tile(drawn, (8, 1)))
    picks = w.session.data.probes[:3].astype(np.float32)
    v.state.selection.clear()          # (the explorer may have selected a digit already)
    for i, p in enumerate(picks):      # gallery picks become the session's selected digit
        w.session.selected_digit = SelectedDigit(p, None, f"test #{i}", ("test", i))
    v.set_source("gallery")
    np.testing.assert_array_equal(v.starts[:3], picks)
    np.testing.assert_array_equal(v.starts[3], picks[0])     # 3 picks cycle over 8 chains
    v.set_source("noise")
    assert set(np.unique(v.starts)) <= {0.0, 1.0} and v.step_count == 0


def test_screenshot_of_the_dream_tab(tmp_path):
    out = tmp_path / "dream.png"
    r = subprocess.run([sys.executable, "-m", "rbm_gui", "screenshot", str(out), "--tab", "dream", "--hidden", "12",
                        "--train-batches", "20", "--size", "1000x700"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with Image.open(out) as im:
        grey = np.asarray(im.convert("L"))
    assert grey.shape == (700, 1000)
    assert (grey == 255).sum() > 20_000         # the chains' white paper is there

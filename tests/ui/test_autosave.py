"""Autosave in the real window: a checkpoint after every epoch, restore after a crash or a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.io.checkpoint import CheckpointStore
from rbm_gui.io.model_file import load_model
from tests.ui.conftest import wait_finished


def autosave_dir() -> Path:
    return Path(os.environ["RBM_GUI_DATA_DIR"]) / "autosave"


def wait_saved(qtbot, w, at_least=1):
    qtbot.waitUntil(lambda: w.autosave.saves >= at_least and not w.autosave.busy and not w.autosave._want,
                    timeout=10_000)


def train_epochs(qtbot, w, epochs=2):
    w.session.change_setting("epochs", epochs)
    assert w.train()
    wait_finished(qtbot, w)
    wait_saved(qtbot, w)


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def crash(w) -> str:
    """Make ``w``'s session look like one of another process that died (marker with a dead pid).

    Renamed too: sessions are named by start second and pid, so two windows of one test process
    could otherwise share a name.
    """
    store = w.autosave.store
    w.autosave.enabled = False
    w.autosave._closed = True          # the "dead" window must not end its session at teardown
    pid = dead_pid()
    name = f"session-20260101T000000-{pid}"
    marker = store.dir / f"{store.session}.json"
    data = json.loads(marker.read_text())
    data.update(pid=pid, start_ticks=None)
    (store.dir / f"{name}.json").write_text(json.dumps(data))
    store.checkpoint_path.rename(store.dir / f"{name}.npz")
    marker.unlink()
    return name


def test_a_checkpoint_is_written_after_every_epoch(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=2, batch_size=20))
    assert not autosave_dir().exists()                  # nothing written before training
    train_epochs(qtbot, w, 2)
    path = w.autosave.store.checkpoint_path
    assert path is not None and path.is_file() and path.parent == autosave_dir()
    saved = load_model(path)
    assert saved.meta["epochs_done"] == 2
    np.testing.assert_array_equal(saved.W, w.session.rbm.W)
    assert saved.arrays["weight_history"].shape[0] == 3   # initial + 2 epochs


def test_clean_shutdown_leaves_nothing_to_restore(qtbot, make_window):
    w = make_window(TrainingConfig(n_hidden=10, epochs=1, batch_size=20))
    train_epochs(qtbot, w, 1)
    assert list(autosave_dir().iterdir())
    w.close()                                            # ask_save -> "discard", then shutdown()
    assert list(autosave_dir().iterdir()) == []
    assert CheckpointStore().pending_restore() is None


def test_after_a_crash_the_next_window_offers_the_model_and_shows_it(qtbot, make_window):
    from rbm_gui.ui.app import launch_offers
    first = make_window(TrainingConfig(n_hidden=12, epochs=2, batch_size=20))
    train_epochs(qtbot, first, 2)
    W = first.session.rbm.W.copy()
    old = crash(first)

    second = make_window(TrainingConfig(n_hidden=10, epochs=3, batch_size=20))
    asked = []
    second.ask_restore = lambda text: asked.append(text) or True
    shown = []
    second.modelChanged.connect(shown.append)
    launch_offers(second)
    assert len(asked) == 1 and "12 hidden units" in asked[0] and "2 epochs" in asked[0]
    s = second.session
    np.testing.assert_array_equal(s.rbm.W, W)
    assert s.epochs_done == 2 and s.rbm.n_hidden == 12 and s.dirty
    assert shown and shown[-1] is s.model                  # the views were redrawn like an opened model
    assert "*" in second.windowTitle() and "Restored" in second.banner.text()
    assert second.panel.config().n_hidden == 12
    # the old session is gone; the restored model is protected by the new session's checkpoint
    wait_saved(qtbot, second)
    assert old not in {p.stem for p in autosave_dir().iterdir()}
    assert load_model(second.autosave.store.checkpoint_path).meta["epochs_done"] == 2
    assert CheckpointStore().pending_restore() is None   # second is alive: nothing to offer
    # it trains on from there
    train_epochs(qtbot, second, 3)
    assert second.session.epochs_done == 3


def test_a_declined_restore_is_not_offered_again(qtbot, make_window):
    from rbm_gui.ui.autosave import offer_restore
    first = make_window(TrainingConfig(n_hidden=10, epochs=1, batch_size=20))
    train_epochs(qtbot, first, 1)
    crash(first)
    second = make_window()
    asked = []
    second.ask_restore = lambda text: asked.append(text) or False
    assert not offer_restore(second)
    assert asked and second.session.epochs_done == 0
    assert not offer_restore(second) and len(asked) == 1
    assert list(autosave_dir().glob("*.npz")) == []


def test_a_failing_autosave_says_so_once_and_training_goes_on(qtbot, make_window, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("RBM_GUI_DATA_DIR", str(blocker))   # autosave/ cannot be created under a file
    w = make_window(TrainingConfig(n_hidden=10, epochs=2, batch_size=20))
    w.session.change_setting("epochs", 2)
    w.train()
    wait_finished(qtbot, w)
    qtbot.waitUntil(lambda: bool(w.autosave.last_error) and not w.autosave.busy, timeout=10_000)
    assert w.session.epochs_done == 2
    assert "autosave" in w.last_error and str(blocker) in w.last_error
    assert w.autosave.saves == 0


def test_killed_training_process_is_restored_by_the_next_launch(qtbot, make_window, tmp_path):
    """End to end: a real rbm-gui window process trains, is killed with SIGKILL mid-run, and restored."""
    from rbm_gui.ui.app import launch_offers
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=os.getcwd())
    # `rbm-gui screenshot` builds the real window and trains through its worker (autosave included);
    # a huge batch count keeps it training until it is killed.
    proc = subprocess.Popen([sys.executable, "-m", "rbm_gui", "screenshot", str(tmp_path / "never.png"),
                             "--hidden", "16", "--train-batches", "100000000"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            npz = list(autosave_dir().glob("session-*.npz")) if autosave_dir().is_dir() else []
            if npz and load_model(npz[0]).meta.get("epochs_done", 0) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "never.png").exists()

    w = make_window(TrainingConfig(n_hidden=10, epochs=3, batch_size=20))
    texts = []
    w.ask_restore = lambda text: texts.append(text) or True
    launch_offers(w)
    assert texts and "16 hidden units" in texts[0]
    assert w.session.rbm.n_hidden == 16 and w.session.epochs_done >= 2
    assert w.weights_view is not None and w.session.dirty


def fake_crashed_session(name: str, content: bytes) -> Path:
    """A session of a dead process (its marker) whose checkpoint holds ``content``."""
    import socket
    d = autosave_dir()
    d.mkdir(parents=True, exist_ok=True)
    marker = {"format": "rbm-gui-session", "pid": dead_pid(), "start_ticks": None, "boot_id": None,
              "host": socket.gethostname(), "started": "2026-01-01T00:00:00+00:00"}
    (d / f"{name}.json").write_text(json.dumps(marker))
    (d / f"{name}.npz").write_bytes(content)
    return d / f"{name}.npz"


def test_a_damaged_checkpoint_is_removed_and_the_window_says_so_once(qtbot, make_window):
    from rbm_gui.ui.app import launch_offers
    fake_crashed_session("session-20260101T000000-1", b"PK\x03\x04 not a whole zip file")
    w = make_window()
    asked = []
    w.ask_restore = lambda text: asked.append(text) or True
    launch_offers(w)
    assert asked == []                                    # nothing to offer
    text = w.banner.text()
    assert w.banner.isVisible() and w.session.message[1] == "error"
    assert "session-20260101T000000-1.npz" in text and "removed" in text and "\n" not in text
    assert list(autosave_dir().iterdir()) == []
    w.banner.dismiss()
    launch_offers(w)                                      # said once, not at every look
    assert w.banner.text() == "" and not w.banner.isVisible()


def test_a_damaged_checkpoint_is_named_with_the_restored_one(qtbot, make_window):
    from rbm_gui.ui.app import launch_offers
    first = make_window(TrainingConfig(n_hidden=10, epochs=1, batch_size=20))
    train_epochs(qtbot, first, 1)
    crash(first)
    fake_crashed_session("session-20250101T000000-2", b"")
    second = make_window()
    second.ask_restore = lambda text: True
    launch_offers(second)
    text = second.banner.text()
    assert "Restored" in text and "session-20250101T000000-2.npz" in text and "removed" in text
    assert second.session.epochs_done == 1

"""Autosave checkpoints: a real training process killed with SIGKILL mid-epoch is restored exactly."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from rbm_gui.io.checkpoint import (
    CheckpointError,
    CheckpointStore,
    default_autosave_dir,
    process_alive,
)
from rbm_gui.io.model_file import SavedModel, load_model

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def model_hash(m: SavedModel) -> str:
    return hashlib.sha256(m.W.tobytes() + m.b.tobytes() + m.c.tobytes()).hexdigest()


def small_model(value: float = 0.0, epochs: int = 1) -> SavedModel:
    rng = np.random.default_rng(int(value * 1000) + epochs)
    return SavedModel(rng.normal(0, 0.1, (784, 20)), np.full(784, value), np.zeros(20),
                      {"epochs_done": epochs, "dataset": "mnist-sample", "history": {"epoch": [float(epochs)]}})


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".part" in p.name)


# A training process that autosaves after every epoch and reports each checkpoint on stdout.
TRAINER = textwrap.dedent("""
    import hashlib, sys
    from rbm_gui.config import TrainingConfig
    from rbm_gui.engine.training import Trainer
    from rbm_gui.io.checkpoint import CheckpointStore
    from rbm_gui.app.data import DataOptions, prepare_data
    from rbm_gui.session import to_saved

    store = CheckpointStore(sys.argv[1])
    store.begin_session()
    data = prepare_data(DataOptions("mnist-sample"))
    config = TrainingConfig(n_hidden=40, epochs=1000, batch_size=20, seed=3)
    trainer = Trainer.create(data.train[:2000], config, data.image_shape)
    history = {"epoch": [], "batches": []}
    print("started", flush=True)
    while True:
        info = trainer.step()
        if info.batch == trainer.n_batches // 2:
            print(f"half {trainer.epoch + 1}", flush=True)
        if info.epoch_ended:
            history["epoch"].append(float(info.epoch))
            history["batches"].append(float(trainer.n_batches))
            saved = to_saved(trainer.rbm, config, history, data.spec, trainer.epoch)
            store.save(saved)
            digest = hashlib.sha256(saved.W.tobytes() + saved.b.tobytes() + saved.c.tobytes()).hexdigest()
            print(f"saved {trainer.epoch} {digest}", flush=True)
""")


def start_trainer(autosave: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", TRAINER, str(autosave)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def test_sigkill_mid_epoch_then_restore(tmp_path):
    autosave = tmp_path / "autosave"
    proc = start_trainer(autosave)
    reported: dict[int, str] = {}
    deadline = time.monotonic() + 120
    try:
        for line in proc.stdout:
            word, *rest = line.split()
            if word == "saved":
                reported[int(rest[0])] = rest[1]
                # The process is alive: its checkpoint is not offered for restore.
                assert CheckpointStore(autosave).pending_restore() is None
            # Half-way through an epoch after at least two checkpoints: kill it there, far
            # from any save.
            if word == "half" and len(reported) >= 2 and int(rest[0]) == max(reported) + 1:
                proc.send_signal(signal.SIGKILL)
                break
            assert time.monotonic() < deadline, "the trainer is too slow"
        else:
            pytest.fail(f"trainer ended early: {proc.stderr.read()[-2000:]}")
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    rest = proc.stdout.read()
    assert "saved" not in rest     # nothing was saved after the kill decision
    last = max(reported)
    assert last >= 2

    store = CheckpointStore(autosave)
    info = store.pending_restore()
    assert info is not None
    assert info.pid == proc.pid
    assert info.epochs_done == last and info.n_hidden == 40 and info.dataset == "mnist-sample"
    assert "did not close cleanly" in info.describe() and f"{last} epochs" in info.describe()

    restored = store.load(info)
    assert model_hash(restored) == reported[last]
    assert restored.meta["epochs_done"] == last
    assert restored.meta["history"]["epoch"] == [float(e) for e in range(1, last + 1)]
    assert restored.meta["hyperparameters"]["n_hidden"] == 40
    assert leftovers(autosave) == []

    # Restored (or declined) once: never offered again, and nothing is left behind.
    assert store.discard(info) == 1
    assert store.pending_restore() is None
    assert list(autosave.iterdir()) == []


def test_clean_end_leaves_no_pending_restore(tmp_path):
    script = textwrap.dedent("""
        import sys
        import numpy as np
        from rbm_gui.io.checkpoint import CheckpointStore
        from rbm_gui.io.model_file import SavedModel
        store = CheckpointStore(sys.argv[1])
        store.begin_session()
        for epoch in (1, 2, 3):
            store.save(SavedModel(np.full((784, 5), epoch), np.zeros(784), np.zeros(5), {"epochs_done": epoch}))
        store.end_session()
    """)
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=60)
    assert CheckpointStore(tmp_path).pending_restore() is None
    assert list(tmp_path.iterdir()) == []


def test_in_process_session_is_never_offered(tmp_path):
    store = CheckpointStore(tmp_path)
    path = store.save(small_model(0.1, 4))       # begins a session
    assert path == store.checkpoint_path and path.is_file()
    assert store.pending_restore() is None
    assert CheckpointStore(tmp_path).pending_restore() is None     # another store, same (live) pid
    assert CheckpointStore(tmp_path).discard() == 0
    assert path.is_file()
    store.end_session()
    assert list(tmp_path.iterdir()) == []


def _fake_crashed_session(directory: Path, name: str, model: SavedModel | None, **marker) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    base = {"format": "rbm-gui-session", "pid": 2**22 + 17, "start_ticks": 1, "boot_id": None,
            "host": socket.gethostname(), "started": "2026-01-01T00:00:00+00:00"}
    base.update(marker)
    (directory / f"{name}.json").write_text(json.dumps(base))
    if model is not None:
        from rbm_gui.io.model_file import save_model
        save_model(directory / f"{name}.npz", model)
    return directory / f"{name}.npz"


def test_reused_pid_counts_as_dead_other_host_as_alive(tmp_path):
    # Our own pid but a different process start: the pid was reused, the session is dead.
    _fake_crashed_session(tmp_path, "session-a", small_model(0.2, 2), pid=os.getpid(), start_ticks=-5)
    _fake_crashed_session(tmp_path, "session-b", small_model(0.3, 3), host="some-other-host")
    if not Path("/proc/self/stat").exists():
        pytest.skip("process start times need /proc")
    infos = CheckpointStore(tmp_path).pending_restores()
    assert [i.session for i in infos] == ["session-a"]
    assert not process_alive({"host": socket.gethostname(), "pid": os.getpid(), "start_ticks": -5})
    assert process_alive({"host": "some-other-host", "pid": 1})


def test_newest_offered_first_and_discard_all(tmp_path):
    old = _fake_crashed_session(tmp_path, "session-old", small_model(0.2, 2))
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    _fake_crashed_session(tmp_path, "session-new", small_model(0.4, 7))
    _fake_crashed_session(tmp_path, "session-empty", None)                 # died before epoch 1
    (tmp_path / ".session-new.npz.abc123.part.npz").write_bytes(b"half a file")   # killed mid-save
    store = CheckpointStore(tmp_path)
    assert [i.session for i in store.pending_restores()] == ["session-new", "session-old"]
    assert store.load().meta["epochs_done"] == 7
    assert store.discard() == 3
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(LookupError):
        store.load()


def test_begin_session_tidies_sessions_without_checkpoint(tmp_path):
    _fake_crashed_session(tmp_path, "session-empty", None)
    _fake_crashed_session(tmp_path, "session-full", small_model(0.5, 1))
    store = CheckpointStore(tmp_path)
    store.begin_session()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "session-empty.json" not in names
    assert {"session-full.json", "session-full.npz", f"{store.session}.json"} <= set(names)


def test_damaged_checkpoint_is_not_offered_and_is_removed_with_a_reason(tmp_path):
    npz = _fake_crashed_session(tmp_path, "session-x", small_model(0.5, 1))
    npz.write_bytes(npz.read_bytes()[:100])
    store = CheckpointStore(tmp_path)
    assert store.pending_restore() is None
    assert list(tmp_path.iterdir()) == []          # not left to be skipped silently forever
    assert len(store.unreadable) == 1 and "session-x.npz" in store.unreadable[0]
    assert "\n" not in store.unreadable[0]
    assert store.discard() == 0


def test_disk_full_keeps_previous_checkpoint(tmp_path):
    # RLIMIT_FSIZE makes writes beyond a size fail with EFBIG, like a full disk (CPython ignores
    # SIGXFSZ). Done in a child so the limit cannot touch the test process.
    script = textwrap.dedent("""
        import resource, sys
        import numpy as np
        from rbm_gui.io.checkpoint import CheckpointError, CheckpointStore
        from rbm_gui.io.model_file import SavedModel
        store = CheckpointStore(sys.argv[1])
        store.save(SavedModel(np.full((784, 20), 1.0), np.zeros(784), np.zeros(20), {"epochs_done": 1}))
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        try:
            store.save(SavedModel(np.full((784, 20), 2.0), np.zeros(784), np.zeros(20), {"epochs_done": 2}))
        except CheckpointError as exc:
            assert isinstance(exc, OSError)
            print("ERROR", exc)
        else:
            print("NO ERROR")
    """)
    res = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("ERROR autosave failed: cannot write "), res.stdout
    assert "File too large" in res.stdout and "the previous checkpoint is kept" in res.stdout
    assert leftovers(tmp_path) == []
    # The child exited without end_session: its epoch-1 checkpoint is offered, intact.
    info = CheckpointStore(tmp_path).pending_restore()
    assert info is not None and info.epochs_done == 1
    assert np.all(load_model(info.path).W == 1.0)


def test_directory_replaced_by_a_file(tmp_path):
    store = CheckpointStore(tmp_path / "autosave")
    store.save(small_model(0.1, 1))
    for p in (tmp_path / "autosave").iterdir():
        p.unlink()
    (tmp_path / "autosave").rmdir()
    (tmp_path / "autosave").write_text("not a directory")
    with pytest.raises(CheckpointError, match=r"autosave failed: cannot write .*autosave/session-") as err:
        store.save(small_model(0.2, 2))
    assert isinstance(err.value, OSError)
    assert (tmp_path / "autosave").read_text() == "not a directory"
    assert CheckpointStore(tmp_path / "autosave").pending_restore() is None


def test_parent_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    store = CheckpointStore(tmp_path / "file" / "autosave")
    with pytest.raises(CheckpointError, match="autosave is off: cannot write to"):
        store.begin_session()
    with pytest.raises(OSError):
        store.save(small_model())
    assert store.session is None and store.pending_restore() is None


def test_refuses_broken_model_and_keeps_old(tmp_path):
    from rbm_gui.io.model_file import ModelFileError
    store = CheckpointStore(tmp_path)
    store.save(small_model(0.1, 1))
    bad = small_model(0.2, 2)
    bad.W[0, 0] = np.nan
    with pytest.raises(ModelFileError):
        store.save(bad)
    assert load_model(store.checkpoint_path).meta["epochs_done"] == 1
    store.end_session()


def test_default_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RBM_GUI_DATA_DIR", str(tmp_path / "data"))
    assert default_autosave_dir() == tmp_path / "data" / "autosave"
    assert CheckpointStore().dir == tmp_path / "data" / "autosave"
    monkeypatch.setenv("RBM_GUI_DATA_DIR", "")
    assert default_autosave_dir().name == "autosave" and "rbm-gui" in str(default_autosave_dir())

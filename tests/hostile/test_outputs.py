"""Lost work and half-written files: output paths checked before long work, temporaries of
killed writers cleaned (never a live writer's), every failure names the file it concerns."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rbm_gui.io.atomic import OutputPathError, WriteError, atomic_group, atomic_path, check_writable
from rbm_gui.io.model_file import load_model, save_model
from tests.hostile.conftest import ROOT, leftovers, run_cli
from tests.hostile.crafted import small_model
from tests.io.legacy_fixture import write_legacy_pickle


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporaries_of_killed_writers_are_cleaned_by_the_next_writer(tmp_path):
    dead = tmp_path / f".m.npz.{dead_pid()}-abcd1234.part.npz"
    with open(dead, "wb") as fh:
        fh.truncate(64 << 20)                                  # a 64 MB leftover (sparse)
    old = tmp_path / ".film.gif.k2j4h5g6.part.gif"           # the name before pids: a day old
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    fresh_old_style = tmp_path / ".film.gif.zzzzzzzz.part.gif"
    fresh_old_style.write_bytes(b"x")
    save_model(tmp_path / "other.npz", small_model())
    assert not dead.exists() and not old.exists()
    assert fresh_old_style.exists()                            # might be an old version still writing


def test_a_live_writers_temporary_is_never_removed(tmp_path):
    script = ("import sys, time\n"
              "from rbm_gui.io.atomic import atomic_path\n"
              "with atomic_path(sys.argv[1]) as tmp:\n"
              "    tmp.write_bytes(b'half')\n"
              "    print(tmp.name, flush=True)\n"
              "    time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "film.gif")],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        name = child.stdout.readline().strip()
        assert name.startswith(f".film.gif.{child.pid}-")
        save_model(tmp_path / "m.npz", small_model())          # another writer in the same folder
        assert (tmp_path / name).exists()                      # the live writer's file is untouched
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    save_model(tmp_path / "m.npz", small_model())              # now its writer is gone
    assert not (tmp_path / name).exists()


def test_group_write_failing_on_the_side_file_leaves_neither(tmp_path):
    (tmp_path / "m.npz").write_bytes(b"old model")
    with pytest.raises(RuntimeError):
        with atomic_group(tmp_path / "m.npz", tmp_path / "m.csv") as (model_tmp, csv_tmp):
            save_model(model_tmp, small_model(), atomic=False)
            raise RuntimeError("the metrics could not be formatted")
    assert (tmp_path / "m.npz").read_bytes() == b"old model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]
    with atomic_group(tmp_path / "m.npz", tmp_path / "m.csv") as (model_tmp, csv_tmp):
        save_model(model_tmp, small_model(), atomic=False)
        csv_tmp.write_text("epoch\n1\n")
    assert load_model(tmp_path / "m.npz").n_hidden == 3 and (tmp_path / "m.csv").read_text() == "epoch\n1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv", "m.npz"]


@pytest.mark.parametrize("case", ["missing folder", "a folder", "a file as folder", "read-only folder"])
def test_output_paths_are_checked_before_work(tmp_path, case):
    (tmp_path / "file").write_text("x")
    (tmp_path / "ro").mkdir(mode=0o500)
    target = {"missing folder": tmp_path / "missing" / "dir" / "m.npz", "a folder": tmp_path,
              "a file as folder": tmp_path / "file" / "m.npz", "read-only folder": tmp_path / "ro" / "m.npz"}[case]
    if case == "read-only folder" and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    with pytest.raises(OutputPathError) as info:
        check_writable(target)
    assert str(target) in str(info.value) and "\n" not in str(info.value)


def test_full_disk_names_the_target_and_leaves_no_temporary(tmp_path):
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    pickle = write_legacy_pickle(tmp_path / "binv_nh10.pkl")
    run = run_cli("import-legacy", str(pickle), "--out", str(tmp_path / "m.npz"), preexec=small_files)
    line = run.one_line_error()
    assert "m.npz" in line and "File too large" in line, line
    assert not (tmp_path / "m.npz").exists() and leftovers(tmp_path) == []


def test_write_error_keeps_errno_and_names_the_file(tmp_path):
    with pytest.raises(WriteError) as info:
        with atomic_path(tmp_path / "m.npz") as tmp:
            raise OSError(28, "No space left on device")
    assert info.value.errno == 28 and str(info.value) == f"{tmp_path / 'm.npz'}: cannot write (No space left on device)"


@pytest.mark.parametrize("flag", ["--out", "--metrics-csv"])
def test_train_refuses_a_missing_folder_before_loading_data(tmp_path, flag):
    out = tmp_path / "missing" / "m.npz" if flag == "--out" else tmp_path / "m.npz"
    # The data is a FIFO: had it been opened before the check, the message would be about it.
    data = tmp_path.parent / f"{tmp_path.name}-pipe-images-idx3-ubyte"
    os.mkfifo(data)
    args = ["train", "--epochs", "100", "--data", str(data), "--out", str(out)]
    if flag == "--metrics-csv":
        args += ["--metrics-csv", str(tmp_path / "nowhere" / "m.csv")]
    run = run_cli(*args, timeout=10)
    line = run.one_line_error()
    assert ("missing" in line or "nowhere" in line) and "does not exist" in line, line
    assert run.seconds < 8                                     # no data loaded, no epoch trained
    assert not out.exists() and list(tmp_path.iterdir()) == []

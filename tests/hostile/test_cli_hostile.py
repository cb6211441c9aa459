"""The command line under attack: each case ends in time, in one line, with bounded memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from rbm_gui import cli
from rbm_gui.data import write_idx
from rbm_gui.io.model_file import save_model
from tests.hostile.conftest import ROOT, leftovers, run_cli
from tests.hostile.crafted import fifo, idx_gzip_bomb, model_bomb, small_model

#: A refused case may use at most this much resident memory beyond a legitimate small eval.
MARGIN_MB = 60


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "ok.npz"
    m = small_model(784, 5, image_shape=[28, 28])
    save_model(path, m)
    return path


def test_model_bomb_is_refused_with_bounded_memory(tmp_path, legit_rss_mb):
    bomb = model_bomb(tmp_path / "bomb.npz", "junk", "<f4", (30_000, 30_000))
    run = run_cli("eval", str(bomb), "--loglik", "none")
    line = run.one_line_error()
    assert "bomb.npz" in line and "more than" in line
    assert run.max_rss_mb < legit_rss_mb + MARGIN_MB, (run.max_rss_mb, legit_rss_mb)


def test_idx_bomb_is_refused_with_bounded_memory(tmp_path, model, legit_rss_mb):
    bomb = idx_gzip_bomb(tmp_path / "bomb-images-idx3-ubyte.gz", (2_730_000, 28, 28))
    run = run_cli("eval", str(model), "--data", str(bomb), "--loglik", "none")
    line = run.one_line_error()
    assert "bomb-images" in line and "more than" in line
    assert run.max_rss_mb < legit_rss_mb + MARGIN_MB, (run.max_rss_mb, legit_rss_mb)


@pytest.mark.parametrize("command", ["eval", "import-legacy", "eval --data"])
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_fifos_and_devices_end_at_once(tmp_path, model, command, kind):
    path = fifo(tmp_path / "pipe") if kind == "fifo" else "/dev/zero"
    args = {"eval": ["eval", str(path)], "import-legacy": ["import-legacy", str(path), "--out", str(tmp_path / "m.npz")],
            "eval --data": ["eval", str(model), "--data", str(path)]}[command]
    run = run_cli(*args, timeout=10)
    line = run.one_line_error()
    assert ("pipe" in line or "device" in line) and run.seconds < 5, line
    assert leftovers(tmp_path) == [] and not (tmp_path / "m.npz").exists()


def test_eval_on_zero_images_says_so(tmp_path, model):
    data = tmp_path / "none-images-idx3-ubyte"
    write_idx(data, np.zeros((0, 28, 28), np.uint8))
    line = run_cli("eval", str(model), "--data", str(data)).one_line_error()
    assert "the data set has no images" in line


@pytest.mark.parametrize("args", [["--ais-runs", "1000000000"], ["--ais-betas", "1000000000000"],
                                  ["--threshold", "1000"], ["--seed", "-1"]])
def test_eval_arguments_beyond_the_limits_are_refused_before_work(model, args):
    run = run_cli("eval", str(model), "--loglik", "ais", *args)
    line = run.one_line_error()
    assert args[0] in line and "between" in line and run.seconds < 5


@pytest.mark.parametrize("value", ["0", "nan"])
def test_download_timeout_is_bounded(tmp_path, value):
    line = run_cli("download", "mnist", "--dest", str(tmp_path), "--timeout", value).one_line_error()
    assert "--timeout" in line


# Python's own startup (site, .pth hooks) and the import of the small cli module run before
# main() can catch anything and take 20-150 ms on a busy machine: the clock starts when main()
# is about to run, so the interrupt lands in the slow imports main() makes (argparse, numpy, the
# commands: most of the first 0.3 s) or in the work.
_STARTER = ("import sys; from rbm_gui.cli import main; print('started', flush=True); "
            "sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.12, 0.25])
def test_ctrl_c_while_train_starts_is_one_line(tmp_path, delay):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # enough epochs that the run cannot end before the signal, however fast the machine
    proc = subprocess.Popen([sys.executable, "-c", _STARTER, "train", "--epochs", "1000", "--quiet",
                             "--out", str(tmp_path / "m.npz")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stdout.readline() == "started\n"
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert err == "rbm-gui: interrupted\n" and proc.returncode == 130, (proc.returncode, err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("raised", [MemoryError("Unable to allocate 3.6 GiB"), MemoryError()])
def test_memory_error_is_one_line(monkeypatch, capsys, model, raised):
    from rbm_gui.commands import evaluate

    def run(args):
        raise raised

    monkeypatch.setattr(evaluate, "run", run)
    assert cli.main(["eval", str(model)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("rbm-gui: error: out of memory") and err.count("\n") == 1


def test_keyboard_interrupt_inside_a_command_is_one_line(monkeypatch, capsys, model):
    from rbm_gui.commands import evaluate

    def run(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluate, "run", run)
    assert cli.main(["eval", str(model)]) == 130
    assert capsys.readouterr().err == "rbm-gui: interrupted\n"

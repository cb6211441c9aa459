"""Exports under faults and hostile arguments: one line, a non-zero exit, nothing half-written left behind.

The full disk is simulated with RLIMIT_FSIZE on a real ``rbm-gui`` process: Python's own writes then
fail with EFBIG, and the ffmpeg child (which gets the default SIGXFSZ action back) is killed mid-file.
"""

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rbm_gui.cli import main
from rbm_gui.engine.dream_frames import dream_frames
from rbm_gui.io.export import export_animation, mp4_available
from rbm_gui.io.model_file import SavedModel, save_model
from rbm_gui.io.video import ffmpeg_reason

ROOT = Path(__file__).resolve().parents[2]
resource = pytest.importorskip("resource")


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, test_digits, make_rbm):
    rbm = make_rbm(*test_digits, n_hidden=12)
    path = tmp_path_factory.mktemp("model") / "m.npz"
    save_model(path, SavedModel(rbm.W, rbm.b, rbm.c, {"image_shape": [28, 28]}, {}))
    return path


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def small_disk_run(args, cwd, limit=40_000):
    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "rbm_gui", *map(str, args)], cwd=cwd, env=env, text=True,
                          capture_output=True, preexec_fn=limit_file_size, timeout=60)


@pytest.mark.parametrize("name", ["x.gif", pytest.param("x.mp4", marks=pytest.mark.skipif(
    not mp4_available(), reason="no ffmpeg"))])
def test_a_full_disk_gives_one_line_naming_the_file_and_leaves_nothing(tmp_path, model_path, name):
    r = small_disk_run(["dream", model_path, "--steps", 120, "--quiet", "--out", name], tmp_path)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"rbm-gui: error: could not write {name}: "), r.stderr
    assert os.listdir(tmp_path) == []          # no x.gif, no .x.gif.*.part.gif


def test_ffmpeg_logs_become_one_line():
    log = ("[out#0/mp4 @ 0x5] Error muxing a packet\n[out#0/mp4 @ 0x5] Task finished with error code: -28 "
           "(No space left on device)\n[out#0/mp4 @ 0x5] Error closing file: No space left on device\n")
    assert ffmpeg_reason(log) == "No space left on device"
    assert "\n" not in ffmpeg_reason("something\nelse\n")


@pytest.mark.parametrize("name", ["k.gif", pytest.param("k.mp4", marks=pytest.mark.skipif(
    not mp4_available(), reason="no ffmpeg"))])
def test_ctrl_c_during_an_export_leaves_nothing(tmp_path, rbm10, starts8, name):
    def interrupt(done, total):
        if done == 3:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        export_animation(dream_frames(rbm10, starts8, 20, seed=0), 21, tmp_path / name, scale=2, progress=interrupt)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("args, message", [
    (["weights", "--scale", 33], "--scale must be between 1 and 32, got 33"),
    (["weights", "--cols", 0], "--cols must be between 1 and 1,000, got 0"),
    (["weights", "--scale", 32, "--cols", 1000], "more than the 64,000,000 allowed: lower --scale or --cols"),
    (["averages", "--samples", 10_000_001], "--samples must be between 1 and 10,000, got 10,000,001"),
    (["reconstruction", "--count", 201], "--count must be between 1 and 200"),
    (["averages", "--samples", 10_000, "--count", 200], "--samples x the 200 digits (reconstructions to average) "
                                                        "must be between 1 and 200,000, got 2,000,000"),
    (["reconstruction", "--top-k", 0], "--top-k must be between"),
])
def test_figure_arguments_are_bounded(tmp_path, capsys, model_path, args, message):
    code, out, err = cli(capsys, "figure", args[0], model_path, *args[1:], "--out", tmp_path / "f.png")
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err
    assert os.listdir(tmp_path) == []


def test_a_figure_of_zero_images_says_so(tmp_path, capsys, model_path):
    empty = tmp_path / "empty-images-idx3-ubyte"
    empty.write_bytes(struct.pack(">IIII", 0x803, 0, 28, 28))
    for kind in ("reconstruction", "averages"):
        code, out, err = cli(capsys, "figure", kind, model_path, "--data", empty, "--out", tmp_path / "f.png")
        assert code == 1 and "no images" in err and "reshape" not in err and err.count("\n") == 1, err
    assert sorted(os.listdir(tmp_path)) == ["empty-images-idx3-ubyte"]
    from rbm_gui.viz.figures import averages_figure
    with pytest.raises(ValueError, match="no digits to draw"):
        averages_figure(make_tiny_rbm(), np.zeros((0, 784), np.float32))


def make_tiny_rbm():
    from rbm_gui.engine.rbm import RBM
    return RBM(np.zeros((784, 2), np.float32), np.zeros(784, np.float32), np.zeros(2, np.float32), (28, 28))

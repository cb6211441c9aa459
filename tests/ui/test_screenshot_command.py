"""``rbm-gui screenshot``: the real window, trained through the real worker, saved as a PNG."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image


def test_screenshot_trains_and_writes_the_whole_window(tmp_path):
    out = tmp_path / "shot.png"
    r = subprocess.run([sys.executable, "-m", "rbm_gui", "screenshot", str(out), "--hidden", "12",
                        "--train-batches", "30", "--tab", "metrics", "--size", "1000x700"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with Image.open(out) as im:
        assert im.size == (1000, 700)
        assert len(np.unique(np.asarray(im.convert("L")))) > 20      # not a blank picture
    assert not list(tmp_path.glob(".shot.png.*"))              # no temporary file left


@pytest.mark.parametrize("args, message", [
    (["--tab", "nosuchview"], "unknown --tab"),
    (["--hidden", "0"], "--hidden"),
    (["--model", "missing.npz"], "missing.npz"),
])
def test_screenshot_reports_bad_arguments_in_one_line(tmp_path, args, message):
    r = subprocess.run([sys.executable, "-m", "rbm_gui", "screenshot", str(tmp_path / "x.png"), *args],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode != 0
    assert message in r.stderr and "Traceback" not in r.stderr

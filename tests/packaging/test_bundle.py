"""Build the PyInstaller one-folder bundle and run it headless (slow: ~40 s build, ~240 MB).

Run with ``pytest -m slow tests/packaging``. Skipped when PyInstaller is not installed
(``pip install -e ".[bundle]"``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None,
                       reason='PyInstaller not installed (pip install -e ".[bundle]")'),
]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    env = dict(os.environ, PYTHON=sys.executable, DIST=str(out / "dist"), WORK=str(out / "work"))
    env.pop("RBM_GUI_BUNDLE_MP4", None)
    res = subprocess.run([str(ROOT / "packaging" / "build.sh"), "--no-test"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    exe = out / "dist" / "rbm-gui" / "rbm-gui"
    assert exe.is_file() and os.access(exe, os.X_OK)
    return exe


def run_bundle(exe: Path, *args: str, cwd: Path, timeout: float = 180, display: bool = False):
    # A clean environment: nothing from the checkout or the build's Python leaks into the run.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8",
           "RBM_GUI_DATA_DIR": str(cwd / "data"), "RBM_GUI_CACHE_DIR": str(cwd / "cache")}
    if display:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_bundle_holds_data_and_icons(bundle):
    res_dir = bundle.parent / "_internal" / "rbm_gui" / "resources"
    for name in ("train-5k-images-idx3-ubyte.gz", "train-5k-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert (res_dir / "data" / name).stat().st_size > 0
    for name in ["rbm-gui.svg"] + [f"rbm-gui-{s}.png" for s in (16, 32, 48, 64, 128, 256)]:
        assert (res_dir / "icons" / name).stat().st_size > 0


def test_bundle_help_and_version(bundle, tmp_path):
    res = run_bundle(bundle, "--help", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "train" in res.stdout and "dream" in res.stdout
    res = run_bundle(bundle, "--version", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.startswith("rbm-gui "), res.stderr


def test_bundle_without_display_prints_hint(bundle, tmp_path):
    res = run_bundle(bundle, cwd=tmp_path)
    assert res.returncode != 0
    assert "no display" in res.stderr and "Traceback" not in res.stderr


def test_bundle_trains_on_bundled_data(bundle, tmp_path):
    out = tmp_path / "x.npz"
    res = run_bundle(bundle, "train", "--epochs", "1", "--hidden", "5", "--out", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "mnist-sample" in res.stdout
    from rbm_gui.io.model_file import load_model
    model = load_model(out)
    assert model.W.shape == (784, 5) and np.isfinite(model.W).all()


def test_bundle_screenshot_offscreen(bundle, tmp_path):
    if importlib.util.find_spec("rbm_gui.commands.screenshot") is None:
        pytest.skip("rbm_gui/commands/screenshot.py does not exist yet")
    out = tmp_path / "window.png"
    res = run_bundle(bundle, "screenshot", str(out), cwd=tmp_path, display=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    from PIL import Image
    with Image.open(out) as im:
        assert im.width >= 400 and im.height >= 300
        assert len(set(im.convert("L").getextrema())) == 2, "a blank screenshot"

"""``rbm-gui dream`` and ``rbm-gui figure`` end to end on a small model file."""

import os
import sys
import xml.etree.ElementTree as ET

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from rbm_gui.cli import main
from rbm_gui.commands.dream import PICK_STREAM
from rbm_gui.data import load_dataset
from rbm_gui.engine.dream import start_digits
from rbm_gui.io.export import compose_frame, step_band_height
from rbm_gui.io.gif import gif_greys
from rbm_gui.io.model_file import SavedModel, save_model


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, test_digits, make_rbm):
    rbm = make_rbm(*test_digits, n_hidden=12)
    rng = np.random.default_rng(0)
    hist = np.stack([rbm.W[:, :6] * a + rng.normal(0, 0.01, (784, 6)) for a in (0.0, 0.5, 1.0)]).astype(np.float32)
    path = tmp_path_factory.mktemp("model") / "m.npz"
    save_model(path, SavedModel(rbm.W, rbm.b, rbm.c, {"image_shape": [28, 28], "epochs_done": 2},
                                {"weight_history": hist, "history_units": np.arange(6, dtype=np.int64)}))
    return path, rbm


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_dream_gif_frames_are_the_seeded_chain(tmp_path, capsys, model_file):
    path, rbm = model_file
    labels = [6, 4, 4, 0, 5, 4, 9, 2]
    code, out, err = cli(capsys, "dream", path, "--digits", ",".join(map(str, labels)), "--steps", 12,
                         "--scale", 2, "--seed", 4, "--out", tmp_path / "d.gif")
    assert code == 0, err
    assert "wrote GIF" in out and "13 frames" in out
    frames = iio.imread(tmp_path / "d.gif", index=None)
    assert frames.shape[:3] == (13, step_band_height(2) + 57 * 2, 115 * 2)
    # the documented contract: digits of those labels from the test split picked with the seed,
    # then rbm.gibbs_chain(starts, steps, default_rng(seed))
    ds = load_dataset("mnist-sample", "test")
    starts = start_digits(ds.binarize(), ds.labels, "given", labels, rng=np.random.default_rng([4, PICK_STREAM]))
    assert [int(ds.labels[np.flatnonzero((ds.binarize() == s.astype(bool)).all(1))[0]]) for s in starts] == labels
    chain = rbm.gibbs_chain(starts, 12, np.random.default_rng(4))
    composed = [compose_frame(chain.visible_probs[t].reshape(8, 28, 28), scale=2, step=t) for t in range(13)]
    shown = list(gif_greys(composed))
    grey = frames[..., 0] if frames.ndim == 4 else frames
    for t in (0, 1, 12):
        assert np.array_equal(grey[t], shown[t])
    # same seed, same file
    assert cli(capsys, "dream", path, "--digits", "6,4,4,0,5,4,9,2", "--steps", 12, "--scale", 2, "--seed", 4,
               "--out", tmp_path / "e.gif")[0] == 0
    assert (tmp_path / "d.gif").read_bytes() == (tmp_path / "e.gif").read_bytes()


def test_dream_exact_gif_frames_are_the_composed_frames(tmp_path, capsys, model_file):
    path, rbm = model_file
    code, out, err = cli(capsys, "dream", path, "--noise", "--chains", 3, "--steps", 4, "--scale", 2, "--seed", 1,
                         "--exact-gif", "--out", tmp_path / "e.gif")
    assert code == 0, err
    frames = iio.imread(tmp_path / "e.gif", index=None)
    grey = frames[..., 0] if frames.ndim == 4 else frames
    rng = np.random.default_rng([1, PICK_STREAM])
    starts = start_digits(np.zeros((1, 784), np.uint8), None, "random-noise", n_chains=3, rng=rng)
    chain = rbm.gibbs_chain(starts, 4, np.random.default_rng(1))
    for t in range(5):
        assert np.array_equal(grey[t], compose_frame(chain.visible_probs[t].reshape(3, 28, 28), scale=2, step=t))


def test_dream_png_frames_and_per_class(tmp_path, capsys, model_file):
    path, _ = model_file
    code, out, err = cli(capsys, "dream", path, "--per-class", "--chains", 4, "--steps", 3, "--scale", 1,
                         "--show", "samples", "--out", str(tmp_path / "frames") + "/")
    assert code == 0, err
    names = sorted(os.listdir(tmp_path / "frames"))
    assert names == [f"frame_{k:05d}.png" for k in range(4)]
    img = np.asarray(Image.open(tmp_path / "frames" / names[-1]))
    assert img.shape == (step_band_height(1) + 28, 4 * 29 - 1)     # 4 chains in one row


def test_dream_mp4_without_imageio_ffmpeg_is_an_error_not_a_gif(tmp_path, capsys, model_file, monkeypatch):
    path, _ = model_file
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    code, out, err = cli(capsys, "dream", path, "--steps", 3, "--scale", 1, "--out", tmp_path / "d.mp4")
    assert code == 1 and err.startswith("rbm-gui: error: ") and "imageio-ffmpeg" in err
    assert len(err.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []          # the CLI never writes another file than the one asked for


def test_dream_mp4(tmp_path, capsys, model_file):
    pytest.importorskip("imageio_ffmpeg")
    path, _ = model_file
    code, out, err = cli(capsys, "dream", path, "--steps", 9, "--scale", 3, "--fps", 10, "--out", tmp_path / "d.mp4")
    assert code == 0, err
    import imageio.v2 as iio2
    with iio2.get_reader(tmp_path / "d.mp4", format="FFMPEG") as r:
        assert r.count_frames() == 10 and r.get_meta_data()["fps"] == 10


@pytest.mark.parametrize("args, message", [
    (["--digits", "1,2", "--chains", "3"], "does not match"),
    (["--chains", "17"], "--chains must be between 1 and 16"),
    (["--digits", "3,12"], "no digit with label 12"),
    (["--steps", "-1"], "--steps"),
    (["--steps", "100001"], "--steps must be between 0 and 100,000"),
    (["--fps", "1e-9"], "--fps must be between 1 and 120, got 1e-09"),
    (["--fps", "nan"], "--fps must be between"),
    (["--scale", "33"], "--scale must be between 1 and 32"),
    (["--every", "0"], "--every must be between"),
    (["--digits", ",".join(["1"] * 17)], "the number of --digits labels must be between 1 and 16"),
])
def test_dream_user_errors_are_one_line(tmp_path, capsys, model_file, args, message):
    path, _ = model_file
    code, out, err = cli(capsys, "dream", path, *args, "--out", tmp_path / "x.gif")
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []


def test_figures_png_and_svg(tmp_path, capsys, model_file):
    path, rbm = model_file
    for kind in ("weights", "history", "reconstruction", "averages"):
        code, out, err = cli(capsys, "figure", kind, path, "--scale", 2, "--count", 3, "--out", tmp_path / f"{kind}.png")
        assert code == 0, err
        img = Image.open(tmp_path / f"{kind}.png")
        assert img.mode == "RGB" and min(img.size) > 50
    code, out, err = cli(capsys, "figure", "reconstruction", path, "--count", 3, "--out", tmp_path / "r.svg")
    assert code == 0, err
    root = ET.parse(tmp_path / "r.svg").getroot()
    rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class", "").startswith("border")]
    assert len(rects) == 3 * 12
    ds = load_dataset("mnist-sample", "test")
    p = rbm.hidden_probs(ds.binarize()[:3])
    assert sum(r.get("stroke") == "#ff0000" for r in rects) == int((p >= 0.5).sum())


def test_figure_user_errors(tmp_path, capsys, model_file):
    path, rbm = model_file
    bare = tmp_path / "bare.npz"
    save_model(bare, SavedModel(rbm.W, rbm.b, rbm.c, {"image_shape": [28, 28]}))
    code, out, err = cli(capsys, "figure", "history", bare, "--out", tmp_path / "h.png")
    assert code == 1 and "no weight history" in err
    code, out, err = cli(capsys, "figure", "weights", path, "--out", tmp_path / "w.jpg")
    assert code == 1 and ".png or .svg" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare.npz"]

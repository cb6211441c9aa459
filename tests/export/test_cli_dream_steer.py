"""``rbm-gui dream`` with the steering options and .npz data output, end to end on real files."""

import numpy as np
import pytest
from PIL import Image

from rbm_gui.cli import main
from rbm_gui.commands.dream import PICK_STREAM
from rbm_gui.data import load_dataset
from rbm_gui.engine.dream import DreamChains, start_digits
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.steer import clamp_mask
from rbm_gui.io import dream_data
from rbm_gui.io.model_file import SavedModel, save_model


@pytest.fixture(scope="module")
def model(tmp_path_factory, test_digits, make_rbm):
    rbm = make_rbm(*test_digits, n_hidden=12)
    path = tmp_path_factory.mktemp("model") / "m.npz"
    save_model(path, SavedModel(rbm.W, rbm.b, rbm.c, {"image_shape": [28, 28], "epochs_done": 2}, {}))
    return path, rbm


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *args, match):
    code, out, err = cli(capsys, *args)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rbm-gui: error: ") and match in lines[0], err
    assert "Traceback" not in err


def test_npz_holds_the_seeded_chain_with_its_keys_shapes_and_dtypes(tmp_path, capsys, model):
    path, rbm = model
    code, out, err = cli(capsys, "dream", path, "--digits", "6,4,0", "--steps", 5, "--seed", 4, "--out", tmp_path / "d.npz")
    assert code == 0, err
    assert "wrote dream data" in out and "6 frames of 3 chains" in out
    with np.load(tmp_path / "d.npz") as z:
        assert sorted(z.files) == ["completion", "probabilities", "samples"]
        p, s, c = z["probabilities"], z["samples"], z["completion"]
    assert c.shape == (3, 784) and c.dtype == np.float32 and np.array_equal(c, p[-1])    # 5 steps: still burning in
    assert p.shape == s.shape == (6, 3, 784) and p.dtype == np.float32 and s.dtype == np.uint8
    ds = load_dataset("mnist-sample", "test")
    starts = start_digits(ds.binarize(), ds.labels, "given", [6, 4, 0], rng=np.random.default_rng([4, PICK_STREAM]))
    chain = rbm.gibbs_chain(starts, 5, np.random.default_rng(4))      # the same frames as the pictures
    assert np.array_equal(p, chain.visible_probs) and np.array_equal(s, chain.visible_samples.astype(np.uint8))
    assert cli(capsys, "dream", path, "--digits", "6,4,0", "--steps", 5, "--seed", 4, "--out", tmp_path / "e.npz")[0] == 0
    with np.load(tmp_path / "e.npz") as z:
        assert np.array_equal(z["probabilities"], p)
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []     # no temporary left


def test_index_forms_split_and_one_index_many_chains(tmp_path, capsys, model):
    path, _ = model
    test, train = load_dataset("mnist-sample", "test"), load_dataset("mnist-sample", "train")
    for spec, split, rows in (("3:6", "test", [3, 4, 5]), ("7,2,9", "train", [7, 2, 9]), ("11", "test", [11] * 20)):
        extra = ["--chains", 20] if spec == "11" else []
        code, out, err = cli(capsys, "dream", path, "--index", spec, "--split", split, *extra, "--steps", 1,
                             "--out", tmp_path / "i.npz")
        assert code == 0, err
        ds = test if split == "test" else train
        with np.load(tmp_path / "i.npz") as z:
            assert np.array_equal(z["samples"][0], ds.binarize()[rows].astype(np.uint8))


def test_clamped_pixels_keep_the_start_in_every_frame(tmp_path, capsys, model):
    path, _ = model
    mask = np.zeros((28, 28), np.uint8)
    mask[5:20, 3:9] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    for clamp, m in (("top", clamp_mask("top", (28, 28))), (tmp_path / "mask.png", mask.reshape(-1) > 0)):
        code, out, err = cli(capsys, "dream", path, "--index", "0:4", "--clamp", clamp, "--tempering", 3,
                             "--steps", 30, "--out", tmp_path / "c.npz")
        assert code == 0, err
        with np.load(tmp_path / "c.npz") as z:
            s, p = z["samples"], z["probabilities"]
        assert (s[:, :, m] == s[:1, :, m]).all() and (p[:, :, m] == s[:1, :, m]).all()
        assert (s[1:, :, ~m] != s[:1, :, ~m]).any()


def test_clamped_dream_completion_is_the_mean_after_the_burn_in_and_the_default_picture(tmp_path, capsys, model):
    from rbm_gui.engine.dream import MEAN_FROM
    path, rbm = model
    steps = MEAN_FROM + 12
    code, out, err = cli(capsys, "dream", path, "--index", "0:3", "--clamp", "top", "--steps", steps, "--seed", 1,
                         "--out", tmp_path / "c.npz")
    assert code == 0 and "tempering 8" in out, err
    with np.load(tmp_path / "c.npz") as z:
        p, c = z["probabilities"], z["completion"]
    m = clamp_mask("top", (28, 28))
    assert np.allclose(c, p[MEAN_FROM + 1:].mean(axis=0), atol=1e-6) and np.array_equal(c[:, m], p[0][:, m])
    # the GIF of `--clamp` shows the completion by default; --show probs the chains themselves
    for show, want in ((None, c), ("probs", p[-1])):
        extra = [] if show is None else ["--show", show]
        code, out, err = cli(capsys, "dream", path, "--index", "0:3", "--clamp", "top", "--steps", steps, "--seed", 1,
                             "--scale", 1, "--no-step-number", "--exact-gif", *extra, "--out", tmp_path / "c.gif")
        assert code == 0, err
        with Image.open(tmp_path / "c.gif") as gif:
            gif.seek(gif.n_frames - 1)
            last = np.asarray(gif.convert("L"), np.float32)
        tile = last[:28, :28]
        assert np.abs(tile - 255 * (1 - want[0].reshape(28, 28))).max() <= 1.5       # ink dark on white


def test_picture_and_data_chain_limits(tmp_path, capsys, model):
    path, _ = model
    one_line_error(capsys, "dream", path, "--chains", 17, "--out", tmp_path / "x.gif", match="up to 10,000 with --out FILE.npz")
    one_line_error(capsys, "dream", path, "--index", "0:17", "--out", tmp_path / "x.gif", match="--index positions")
    one_line_error(capsys, "dream", path, "--noise", "--chains", 10_001, "--out", tmp_path / "x.npz", match="--chains")
    one_line_error(capsys, "dream", path, "--noise", "--chains", 10_000, "--steps", 200, "--out", tmp_path / "x.npz",
                   match="frames x chains x pixels")
    code, out, err = cli(capsys, "dream", path, "--noise", "--chains", 40, "--steps", 2, "--out", tmp_path / "n.npz")
    assert code == 0 and "40 chains" in out, err
    assert not (tmp_path / "x.gif").exists() and not (tmp_path / "x.npz").exists()


def test_bad_combinations_get_one_line(tmp_path, capsys, model):
    path, _ = model
    out = tmp_path / "x.npz"
    Image.fromarray(np.zeros((20, 28), np.uint8)).save(tmp_path / "small.png")
    (tmp_path / "junk.png").write_bytes(b"not a picture at all")
    for args, match in (
        (["--label", 3], "--label needs a labelled model"),
        (["--index", "0:2", "--clamp", tmp_path / "small.png"], "28x20 pixels"),
        (["--index", "0:2", "--clamp", tmp_path / "junk.png"], "cannot read the mask"),
        (["--index", "0:2", "--clamp", tmp_path / "missing.png"], "missing.png"),
        (["--noise", "--clamp", "top"], "--clamp keeps pixels of the start digits"),
        (["--index", "99999"], "out of range"),
        (["--index", "1,2,3", "--chains", 5], "does not match the 3 positions"),
        (["--temperature", 0], "--temperature"),
        (["--tempering", 40], "--tempering"),
        (["--hottest", 3], "--hottest"),
        (["--label-strength", 2], "give --label K too"),
        (["--tempering", 3, "--hottest", 0.5], "hottest"),
    ):
        one_line_error(capsys, "dream", path, *args, "--steps", 2, "--out", out, match=match)
        assert not out.exists()
    with pytest.raises(SystemExit) as stop:          # argparse: usage, then one error line
        cli(capsys, "dream", path, "--index", "5:2", "--out", out)
    assert stop.value.code == 2 and "--index wants A:B" in capsys.readouterr().err


def test_labelled_model_data_has_label_probs(tmp_path, test_digits, make_rbm):
    base = make_rbm(*test_digits, n_hidden=10)
    U = np.eye(10, dtype=np.float32) * 3.0          # label k drives the unit that looks for digit k
    rbm = RBM(base.W, base.b, base.c, (28, 28), U=U, d=np.zeros(10))
    starts = (np.random.default_rng(0).random((5, 784)) < 0.5).astype(np.float32)
    dream_data.write_dream_npz(tmp_path / "l.npz", rbm, starts, 6, seed=1, label=4, tempering=2)
    with np.load(tmp_path / "l.npz") as z:
        lp, p = z["label_probs"], z["probabilities"]
    assert lp.shape == (7, 5, 10) and lp.dtype == np.float32 and np.allclose(lp.sum(-1), 1, atol=1e-5)
    ref = DreamChains(rbm, starts, 1, label=4, tempering=2)
    ref.step(6)
    assert np.array_equal(p[-1], ref.probs) and np.allclose(lp[-1], ref.label_probs)


def test_many_chains_run_in_groups_with_bounded_rows(tmp_path, monkeypatch, rbm10):
    monkeypatch.setattr(dream_data, "GROUP_ROWS", 8)
    starts = (np.random.default_rng(0).random((19, 784)) < 0.3).astype(np.float32)
    from rbm_gui.engine.dream import MEAN_FROM
    steps = MEAN_FROM + 3
    dream_data.write_dream_npz(tmp_path / "g.npz", rbm10, starts, steps, seed=3, tempering=2)
    with np.load(tmp_path / "g.npz") as z:
        p, c = z["probabilities"], z["completion"]
    assert p.shape == (steps + 1, 19, 784) and c.shape == (19, 784)
    first = DreamChains(rbm10, starts[:4], 3, tempering=2)      # group 0: 4 chains x 2 temperatures
    first.step(steps)
    assert np.array_equal(p[-1, :4], first.probs) and np.array_equal(c[:4], first.completion)
    last = DreamChains(rbm10, starts[16:], [3, 4], tempering=2)
    last.step(steps)
    assert np.array_equal(p[-1, 16:], last.probs) and np.array_equal(c[16:], last.completion)
    assert np.allclose(c, p[MEAN_FROM + 1:].mean(axis=0), atol=1e-6)


def test_wander_option(tmp_path, capsys, model):
    path, _ = model
    code, out, err = cli(capsys, "dream", path, "--index", "18", "--chains", 4, "--wander", 1, "--steps", 5,
                         "--out", tmp_path / "w.npz")
    assert code == 0 and "wander 1" in out, err
    one_line_error(capsys, "dream", path, "--wander", 1, "--tempering", 4, "--out", tmp_path / "x.npz",
                   match="do not combine")
    one_line_error(capsys, "dream", path, "--wander", 11, "--out", tmp_path / "x.npz", match="--wander")

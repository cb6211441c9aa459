"""``rbm-gui dream --label`` on a model trained by ``rbm-gui train --labels``, end to end on real files."""

import numpy as np
import pytest

from rbm_gui.cli import main
from rbm_gui.io.model_file import load_model


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def labelled_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("labelled") / "m.npz"
    assert main(["train", "--labels", "--hidden", "30", "--epochs", "2", "--batch-size", "20", "--seed", "1",
                 "--quiet", "--out", str(path)]) == 0
    return path


def test_label_clamped_dream_data_of_a_trained_labelled_model(tmp_path, capsys, labelled_model):
    saved = load_model(labelled_model)
    assert saved.U.shape == (10, 30)
    out = tmp_path / "x.npz"
    code, text, err = cli(capsys, "dream", labelled_model, "--label", 3, "--chains", 4, "--steps", 8,
                          "--seed", 2, "--out", out)
    assert code == 0, err
    assert "wrote dream data" in text
    with np.load(out) as z:
        assert sorted(z.files) == ["completion", "label_probs", "probabilities", "samples"]
        p, s, lp = z["probabilities"], z["samples"], z["label_probs"]
    assert p.shape == s.shape == (9, 4, 784) and lp.shape == (9, 4, 10)
    assert p.dtype == lp.dtype == np.float32 and s.dtype == np.uint8
    assert np.allclose(lp.sum(axis=-1), 1.0, atol=1e-5) and set(np.unique(s)) <= {0, 1}
    # the same seed gives the same frames; another label gives other frames
    again = tmp_path / "y.npz"
    assert cli(capsys, "dream", labelled_model, "--label", 3, "--chains", 4, "--steps", 8, "--seed", 2,
               "--out", again)[0] == 0
    assert cli(capsys, "dream", labelled_model, "--label", 7, "--chains", 4, "--steps", 8, "--seed", 2,
               "--out", tmp_path / "z.npz")[0] == 0
    with np.load(again) as a, np.load(tmp_path / "z.npz") as b:
        assert np.array_equal(a["probabilities"], p) and np.array_equal(a["label_probs"], lp)
        assert not np.array_equal(b["probabilities"][1:], p[1:])
    # free dreams of a labelled model carry label_probs too
    assert cli(capsys, "dream", labelled_model, "--chains", 2, "--steps", 3, "--out", tmp_path / "f.npz")[0] == 0
    with np.load(tmp_path / "f.npz") as z:
        assert z["label_probs"].shape == (4, 2, 10)


def test_label_on_an_unlabelled_trained_model_is_one_line(tmp_path, capsys):
    model = tmp_path / "plain.npz"
    assert main(["train", "--hidden", "5", "--epochs", "1", "--quiet", "--out", str(model)]) == 0
    out = tmp_path / "x.npz"
    code, text, err = cli(capsys, "dream", model, "--label", 3, "--out", out)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rbm-gui: error: ") and "labelled model" in lines[0], err
    assert "Traceback" not in err and not out.exists()

"""``rbm-gui train --labels`` and ``rbm-gui eval`` accuracy, end to end on real files."""

import json

import numpy as np

from rbm_gui.cli import main
from rbm_gui.data import write_idx
from rbm_gui.io.model_file import load_model


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_with_labels_then_eval_reports_accuracy(tmp_path, capsys):
    model = tmp_path / "m.npz"
    code, out, err = run_cli(capsys, "train", "--labels", "--hidden", "40", "--epochs", "2", "--batch-size", "20",
                             "--seed", "1", "--out", model)
    assert code == 0, err
    assert "10 label units" in out and "held-out accuracy" in out
    saved = load_model(model)
    assert saved.U.shape == (10, 40) and saved.d.shape == (10,)
    assert saved.meta["hyperparameters"]["labels"] is True
    assert len(saved.meta["history"]["accuracy_val"]) == 2
    code, out, err = run_cli(capsys, "eval", model, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["n_labels"] == 10 and 0.5 < result["accuracy"] <= 1.0      # chance: 0.1
    assert result["loglik_method"] == "none"
    code, out, _ = run_cli(capsys, "eval", model, "--split", "train")
    assert code == 0 and "classification accuracy" in out


def test_unlabelled_model_has_no_accuracy(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "--hidden", "5", "--epochs", "1", "--quiet", "--out", str(model)]) == 0
    code, out, _ = run_cli(capsys, "eval", model, "--json", "--loglik", "none")
    assert code == 0 and "accuracy" not in json.loads(out)


def test_labels_without_a_labels_file_is_one_line(tmp_path, capsys):
    imgs = tmp_path / "digits-images-idx3-ubyte"
    write_idx(imgs, (np.random.default_rng(0).random((30, 4, 4)) * 255).astype(np.uint8))
    model = tmp_path / "m.npz"
    code, out, err = run_cli(capsys, "train", "--labels", "--data", imgs, "--hidden", "3", "--out", model)
    assert code != 0
    assert err.startswith("rbm-gui: error:") and err.count("\n") == 1
    assert "digits-labels-idx1-ubyte" in err and "Traceback" not in err
    assert not model.exists()
    # with the labels file beside the images, the same command trains
    write_idx(tmp_path / "digits-labels-idx1-ubyte", np.arange(30, dtype=np.uint8) % 3)
    code, out, err = run_cli(capsys, "train", "--labels", "--data", imgs, "--hidden", "3", "--epochs", "1",
                             "--batch-size", "10", "--quiet", "--out", model)
    assert code == 0, err
    assert load_model(model).U.shape == (3, 3)

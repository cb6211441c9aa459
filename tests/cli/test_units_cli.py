"""``rbm-gui units``: JSON shape, the top digits really are the digits with the highest P(h|v), errors."""

import json

import numpy as np
import pytest

from rbm_gui.cli import main
from rbm_gui.data import load_dataset
from rbm_gui.io.model_file import load_model
from rbm_gui.session import from_saved


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("units") / "m.npz"
    assert main(["train", "--hidden", "7", "--epochs", "1", "--out", str(path), "--quiet"]) == 0
    return path


def test_json_lists_every_unit_with_its_top_digits_and_class_means(model_path, capsys):
    code, out, err = run_cli(capsys, "units", model_path, "--top", "12", "--json")
    assert code == 0, err
    units = json.loads(out)["units"]
    rbm = from_saved(load_model(model_path))
    test = load_dataset("mnist-sample", "test")
    V = test.binarize(128)
    P = np.vstack([rbm.hidden_probs(V[s:s + 4096]) for s in range(0, len(V), 4096)])
    assert [u["unit"] for u in units] == list(range(7))
    for j, u in enumerate(units):
        assert set(u) >= {"unit", "bias", "mean_activation", "top_digits", "class_means"}
        assert u["bias"] == pytest.approx(float(rbm.c[j]))
        assert u["mean_activation"] == pytest.approx(float(P[:, j].mean()), rel=1e-5)
        top = u["top_digits"]
        assert len(top) == 12 and len(set(top)) == 12
        # highest P first, and no digit left out has a higher P than the last one listed
        p = P[top, j]
        assert (np.diff(p) <= 0).all() and np.delete(P[:, j], top).max() <= p[-1]
        assert top[0] == int(np.lexsort((np.arange(len(V)), -P[:, j].astype(np.float64)))[0])
        assert len(u["class_means"]) == 10
        assert u["class_means"][3] == pytest.approx(float(P[test.labels == 3, j].mean()), rel=1e-5)


def test_train_split_and_table(model_path, capsys):
    code, out, err = run_cli(capsys, "units", model_path, "--split", "train", "--top", "3")
    assert code == 0, err
    lines = out.splitlines()
    assert "5000 digits of mnist-sample (train)" in lines[0] and len(lines) == 2 + 7


@pytest.mark.parametrize("args, text", [
    (["--top", "0"], "--top must be between 1 and 100, got 0"),
    (["--top", "101"], "--top must be between 1 and 100, got 101"),
    (["--split", "validation"], "--split must be train or test"),
])
def test_bad_arguments_give_one_line(model_path, capsys, args, text):
    code, out, err = run_cli(capsys, "units", model_path, *args)
    assert code != 0 and out == ""
    assert err.strip().count("\n") == 0 and err.startswith("rbm-gui: error: ") and text in err


def test_a_broken_model_file_gives_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    code, out, err = run_cli(capsys, "units", bad)
    assert code == 1 and err.startswith("rbm-gui: error: ") and err.strip().count("\n") == 0
    code, out, err = run_cli(capsys, "units", tmp_path / "missing.npz")
    assert code == 1 and err.startswith("rbm-gui: error: ")

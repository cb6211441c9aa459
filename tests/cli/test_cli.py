"""The headless command line end to end on the bundled data: real files, real exit codes."""

import json
import subprocess
import sys

import numpy as np
import pytest

from rbm_gui.cli import main
from rbm_gui.io.model_file import load_model


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.npz"
    assert main(["train", "--hidden", "12", "--epochs", "2", "--out", str(path), "--quiet"]) == 0
    return path


def test_train_writes_a_model_with_metrics_history_and_csv(tmp_path, capsys):
    out_path, csv_path = tmp_path / "m.npz", tmp_path / "metrics.csv"
    code, out, err = run_cli(capsys, "train", "--hidden", "10", "--epochs", "2", "--seed", "3",
                             "--out", out_path, "--metrics-csv", csv_path)
    assert code == 0, err
    lines = [l for l in out.splitlines() if l.startswith("epoch")]
    assert len(lines) == 2 and "loglik" in lines[1]
    saved = load_model(out_path)
    assert saved.W.shape == (784, 10) and saved.meta["epochs_done"] == 2
    assert saved.meta["hyperparameters"]["seed"] == 3
    hist = saved.meta["history"]
    assert len(hist["loglik_val"]) == 2 and hist["loglik_val"][1] < 0
    # the weights of every unit at the start and after each epoch (for the history figure/view)
    assert saved.arrays["weight_history"].shape == (3, 784, 10)
    np.testing.assert_array_equal(saved.arrays["weight_history"][-1], saved.W)
    rows = csv_path.read_text().splitlines()
    assert rows[0].startswith("epoch,") and len(rows) == 3


def test_stochastic_binarisation_trains_a_sensible_model(tmp_path, capsys):
    path = tmp_path / "s.npz"
    code, out, err = run_cli(capsys, "train", "--hidden", "10", "--epochs", "2", "--stochastic", "--out", path)
    assert code == 0, err
    assert "stochastic binarisation" in out
    saved = load_model(path)
    assert saved.meta["stochastic_binarisation"] is True
    assert saved.meta["history"]["loglik_val"][-1] > -200       # better than independent pixels


def test_same_seed_same_model(tmp_path):
    for name in ("a", "b"):
        assert main(["train", "--hidden", "8", "--epochs", "1", "--seed", "5", "--quiet",
                     "--out", str(tmp_path / f"{name}.npz")]) == 0
    a, b = load_model(tmp_path / "a.npz"), load_model(tmp_path / "b.npz")
    assert np.array_equal(a.W, b.W) and np.array_equal(a.c, b.c)


def test_eval_reports_exact_log_likelihood_as_json(small_model, capsys):
    code, out, err = run_cli(capsys, "eval", small_model, "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["loglik_method"] == "exact" and res["n_digits"] == 10000
    # an RBM with 12 units after 2 epochs beats the independent-pixel baseline (-206) but not -100
    assert -206 < res["loglik"] < -100
    assert res["recon_mse"] < 0.1


def test_eval_ais_agrees_with_exact(small_model, capsys):
    code, out, _ = run_cli(capsys, "eval", small_model, "--json", "--loglik", "ais", "--ais-betas", "3000",
                           "--split", "train", "--ais-reverse-runs", "0")  # the bracket: test_eval_bracket.py
    ais = json.loads(out)
    code2, out2, _ = run_cli(capsys, "eval", small_model, "--json", "--loglik", "exact", "--split", "train")
    exact = json.loads(out2)
    assert code == code2 == 0
    assert abs(ais["loglik"] - exact["loglik"]) < 1.0
    assert ais["loglik_low"] <= ais["loglik_high"]


@pytest.mark.parametrize("args, message", [
    (["train", "--lr", "-1", "--out", "x.npz"], "learning_rate must be between"),
    (["train", "--hidden", "0", "--out", "x.npz"], "n_hidden must be between"),
    (["train", "--data", "no/such/file-images-idx3-ubyte", "--out", "x.npz"], "no/such/file"),
    (["train", "--out", "model.txt"], "must end in .npz"),
    (["eval", "missing.npz"], "missing.npz"),
])
def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *args)
    assert code != 0
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.iterdir())          # nothing written


def test_corrupt_model_file_is_refused(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip archive")
    code, _, err = run_cli(capsys, "eval", bad)
    assert code == 1 and err.startswith("rbm-gui: error:") and "bad.npz" in err


def test_model_on_wrong_image_size_is_refused(tmp_path, capsys):
    from rbm_gui.data import write_idx
    imgs = tmp_path / "tiny-images-idx3-ubyte"
    write_idx(imgs, (np.random.default_rng(0).random((30, 5, 6)) * 255).astype(np.uint8))
    model = tmp_path / "m.npz"
    assert main(["train", "--data", str(imgs), "--hidden", "4", "--epochs", "2", "--batch-size", "10",
                 "--quiet", "--out", str(model)]) == 0
    assert load_model(model).meta["image_shape"] == [5, 6]
    code, _, err = run_cli(capsys, "eval", model)
    assert code == 1 and "30 visible units" in err


def test_python_dash_m_and_console_script_work():
    res = subprocess.run([sys.executable, "-m", "rbm_gui", "--help"], capture_output=True, text=True)
    assert res.returncode == 0
    for cmd in ("train", "eval", "import-legacy", "download"):
        assert cmd in res.stdout


def test_no_display_prints_a_hint_instead_of_aborting():
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    res = subprocess.run([sys.executable, "-m", "rbm_gui"], capture_output=True, text=True, env=env)
    assert res.returncode == 2 and "no display" in res.stderr and "Traceback" not in res.stderr


def _legacy_fixture():
    """tests/io/legacy_fixture.py (writes pickles shaped like the blog's RBM_lib models)."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).parents[1] / "io" / "legacy_fixture.py"
    spec = importlib.util.spec_from_file_location("legacy_fixture", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_legacy_converts_a_blog_model_and_eval_reads_it(tmp_path, capsys):
    fx = _legacy_fixture()
    pkl = fx.write_legacy_pickle(tmp_path / "binv_nh10.pkl", fx.legacy_state(nh=10))
    out = tmp_path / "blog10.npz"
    code, stdout, err = run_cli(capsys, "import-legacy", pkl, "--out", out)
    assert code == 0, err
    assert "10 hidden units" in stdout
    saved = load_model(out)
    np.testing.assert_array_equal(saved.W, fx.legacy_state(nh=10)["W"].astype(np.float32))
    code, stdout, err = run_cli(capsys, "eval", out, "--json", "--loglik", "exact")
    assert code == 0, err
    assert json.loads(stdout)["n_hidden"] == 10


def test_import_legacy_refuses_a_malicious_pickle_without_running_it(tmp_path, capsys):
    fx = _legacy_fixture()
    marker = tmp_path / "pwned"
    bad = tmp_path / "evil.pkl"
    bad.write_bytes(fx.call_pickle("os", "system", f"touch {marker}"))
    code, _, err = run_cli(capsys, "import-legacy", bad, "--out", tmp_path / "x.npz")
    assert code == 1 and "refused" in err and err.count("\n") == 1
    assert not marker.exists() and not (tmp_path / "x.npz").exists()


def test_a_diverging_run_saves_its_last_good_parameters_and_says_so_in_one_line(tmp_path, capsys):
    out, csv = tmp_path / "m.npz", tmp_path / "m.csv"
    code, _, err = run_cli(capsys, "train", "--hidden", "5", "--epochs", "3", "--lr", "100",
                           "--weight-decay", "0", "--out", str(out), "--metrics-csv", str(csv), "--quiet")
    assert code == 1 and err.count("\n") == 1 and str(out) in err and "smaller --lr" in err, err
    saved = load_model(out)
    assert "diverged" in saved.meta and np.isfinite(saved.W).all()
    assert csv.exists()                 # the side file is written with the model

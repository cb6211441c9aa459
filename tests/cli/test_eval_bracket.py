"""``rbm-gui eval --loglik ais``: the forward / reverse bracket against the exact value, JSON and text."""

import json

import pytest

from rbm_gui.cli import main


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def model15(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m15.npz"
    assert main(["train", "--hidden", "15", "--epochs", "10", "--out", str(path), "--quiet"]) == 0
    return path


def test_json_bracket_agrees_with_the_exact_value(model15, capsys):
    code, out, err = run_cli(capsys, "eval", model15, "--json", "--loglik", "ais", "--ais-betas", "1000",
                             "--ais-runs", "60", "--ais-reverse-runs", "60")
    assert code == 0, err
    ais = json.loads(out)
    code, out, _ = run_cli(capsys, "eval", model15, "--json", "--loglik", "exact")
    exact = json.loads(out)["loglik"]
    assert abs(ais["loglik"] - exact) < 1.5 and abs(ais["loglik_reverse"] - exact) < 1.5
    assert ais["bracket_width"] == pytest.approx(ais["loglik"] - ais["loglik_reverse"])
    assert ais["ais_runs"] == 60 and ais["ais_reverse_runs"] == 60 and ais["ais_betas"] == 1000
    for key in ("loglik_sem", "loglik_reverse_sem"):
        assert 0 < ais[key] < 1
    for key in ("ais_effective_runs", "ais_reverse_effective_runs"):
        assert 1 <= ais[key] <= 60
    assert ais["loglik_reverse_low"] < ais["loglik_reverse"] < ais["loglik_reverse_high"]
    assert ais["loglik_low"] <= ais["loglik"]


def test_text_shows_the_bracket_and_forward_only_has_no_reverse(model15, capsys):
    code, out, err = run_cli(capsys, "eval", model15, "--loglik", "ais", "--ais-betas", "200")
    assert code == 0, err
    assert "forward AIS" in out and "reverse AIS" in out and "bracket" in out and "nats wide" in out
    code, out, err = run_cli(capsys, "eval", model15, "--json", "--loglik", "ais", "--ais-betas", "200",
                             "--ais-reverse-runs", "0")
    res = json.loads(out)
    assert code == 0 and "loglik_reverse" not in res and res["ais_runs"] == 100


def test_bad_reverse_runs_is_one_line(model15, capsys):
    code, out, err = run_cli(capsys, "eval", model15, "--loglik", "ais", "--ais-reverse-runs", "-1")
    assert code != 0 and err.strip().splitlines() == [
        "rbm-gui: error: --ais-reverse-runs must be between 0 and 10,000, got -1"]

"""``./dev.sh launcher``: after the README's two commands, ``rbm-gui`` is found on PATH (or the user is told how).

Runs the real script with a scratch HOME and a stand-in venv (no apt-get, no pip)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.fixture
def venv(tmp_path):
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "rbm-gui"
    script.write_text('#!/bin/sh\necho "launched $*"\n')
    script.chmod(0o755)
    return tmp_path / "venv"


def run(home, path, venv, *args):
    env = {"HOME": str(home), "PATH": path, "VENV": str(venv)}
    return subprocess.run(["bash", str(ROOT / "dev.sh"), *args], env=env, capture_output=True, text=True, timeout=30)


def test_launcher_on_path_runs_the_venv_command(tmp_path, venv):
    home = tmp_path / "home"
    local_bin = home / ".local" / "bin"
    path = f"{local_bin}:/usr/bin:/bin"
    r = run(home, path, venv, "launcher")
    assert r.returncode == 0 and "linked" in r.stdout and r.stderr == ""
    assert os.readlink(local_bin / "rbm-gui") == str(venv / "bin" / "rbm-gui")
    # a new shell finds it by name
    shell = subprocess.run(["bash", "-c", "rbm-gui train --hidden 20"], env={"PATH": path}, capture_output=True,
                           text=True, timeout=30)
    assert shell.stdout.strip() == "launched train --hidden 20"
    again = run(home, path, venv, "launcher")        # idempotent and quiet
    assert again.returncode == 0 and again.stdout == "" and again.stderr == ""


def test_launcher_off_path_says_how_to_activate(tmp_path, venv):
    home = tmp_path / "home"
    r = run(home, "/usr/bin:/bin", venv, "launcher")
    assert r.returncode == 0
    assert f"source {venv}/bin/activate" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (home / ".local" / "bin" / "rbm-gui").is_symlink()     # there for the next login shell


def test_launcher_never_replaces_a_users_file(tmp_path, venv):
    home = tmp_path / "home"
    local_bin = home / ".local" / "bin"
    local_bin.mkdir(parents=True)
    (local_bin / "rbm-gui").write_text("mine\n")
    r = run(home, f"{local_bin}:/usr/bin:/bin", venv, "launcher")
    assert r.returncode == 0 and "not a link" in r.stderr
    assert (local_bin / "rbm-gui").read_text() == "mine\n"

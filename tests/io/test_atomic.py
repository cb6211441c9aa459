"""Atomic writes: the target appears whole or not at all, with normal permissions."""

import os
import stat

import pytest

from rbm_gui.io.atomic import atomic_open, atomic_path


def test_success_renames_into_place_with_umask_permissions(tmp_path):
    target = tmp_path / "out.txt"
    old = os.umask(0o022)
    try:
        with atomic_open(target, "w") as fh:
            fh.write("hello")
    finally:
        os.umask(old)
    assert target.read_text() == "hello"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_temporary_keeps_the_target_suffix(tmp_path):
    with atomic_path(tmp_path / "a.gif") as tmp:
        assert tmp.suffix == ".gif" and tmp.parent == tmp_path
        tmp.write_bytes(b"x")

"""Hostile model files, legacy pickles and IDX data: refused early, promptly, in one line.

Each case is a kind of attack, not one example file: bombs (a member or payload declaring far
more than it holds or than a model may have), files that are not files (FIFO, device, folder),
metadata of the wrong types, pickles built to exhaust memory.
"""

from __future__ import annotations

import gzip
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rbm_gui.data import DataError, load_dataset, write_idx
from rbm_gui.io.legacy import import_legacy
from rbm_gui.io.model_file import ModelFileError, load_model, save_model
from tests.hostile.conftest import CASE_SECONDS, measure
from tests.hostile.crafted import (fifo, idx_gzip_bomb, model_bomb, model_with_arrays, model_with_meta,
                                   npz_with, npy_header, small_model)

#: A refused file may cost this much traced memory at most (the legitimate models here are KBs).
REFUSED_PEAK_MB = 20


def refused(func, path: Path, error: type, *words: str):
    got = measure(func, path)
    assert isinstance(got.error, error), got.error
    message = str(got.error)
    assert "\n" not in message and path.name in message, message
    for word in words:
        assert word in message, message
    assert got.seconds < CASE_SECONDS
    assert got.peak_mb < REFUSED_PEAK_MB, f"{got.peak_mb:.1f} MB traced for {message}"
    return message


# ------------------------------------------------------------------------ model files: bombs

MODEL_BOMBS = {
    # name: (member, dtype, shape, words in the message)
    "extra member of 3.6 GB": ("junk", "<f4", (30_000, 30_000), "more than"),
    "W of 100,000 visible units": ("W", "<f4", (100_000, 5_000), "more than"),
    "W beyond 4 GB (directory disagrees)": ("W", "<f8", (100_000, 100_000), "declares"),
    "b of a billion entries": ("b", "<f4", (1_000_000_000,), "more than"),
    "c of 20,000 units": ("c", "<f4", (20_000,), "more than"),
    "weight_history of 200,000 snapshots": ("weight_history", "<f4", (200_000, 16, 3), "weight_history"),
    "weight_history of the wrong width": ("weight_history", "<f4", (3, 99, 3), "weight_history"),
    "meta of 400 MB": ("meta", "<U100000000", (), "meta"),
    "meta as an array": ("meta", "<U10", (1000,), "meta"),
    "offsets_v of the wrong length": ("offsets_v", "<f4", (10_000,), "offsets_v"),
    "string member": ("labels", "<U50", (1000,), "non-numeric"),
    "structured member": ("pairs", "[('a', '<f8'), ('b', '<f8')]", (10,), "non-numeric"),
}


@pytest.mark.parametrize("case", list(MODEL_BOMBS))
def test_member_declaring_too_much_is_refused_before_decompressing(tmp_path, case):
    member, dtype, shape, word = MODEL_BOMBS[case]
    dtype = eval(dtype) if dtype.startswith("[") else dtype    # the structured dtype's list
    path = model_bomb(tmp_path / "bomb.npz", member, np.dtype(dtype).str if not isinstance(dtype, list)
                      else np.dtype(dtype).descr, shape, payload=64 << 10)
    refused(load_model, path, ModelFileError, word)


def test_members_the_format_does_not_define_are_not_read(tmp_path):
    save_model(tmp_path / "ok.npz", small_model())
    with zipfile.ZipFile(tmp_path / "ok.npz") as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["payload.bin"] = bytes(1 << 20)
    path = npz_with(tmp_path / "extra.npz", members, {"payload.bin": 3_600_000_000})
    refused(load_model, path, ModelFileError, "payload.bin", "not a numpy array")


@pytest.mark.parametrize("name", ["../escape.npy", "dir/W.npy", "a b.npy"])
def test_member_names_outside_the_format_are_refused(tmp_path, name):
    save_model(tmp_path / "ok.npz", small_model())
    with zipfile.ZipFile(tmp_path / "ok.npz") as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members[name] = members["c.npy"]
    path = npz_with(tmp_path / "names.npz", members)
    refused(load_model, path, ModelFileError, "not part of the model format")


def test_pickled_member_is_refused_unread(tmp_path):
    path = model_with_arrays(tmp_path / "pickled.npz", evil=np.array([{"x": 1}], dtype=object))
    refused(load_model, path, ModelFileError, "pickle")


def test_archive_with_a_huge_directory_is_refused(tmp_path):
    members = {f"m{i}.npy": npy_header("<f4", (0,)) for i in range(2_000)}
    save_model(tmp_path / "ok.npz", small_model())
    with zipfile.ZipFile(tmp_path / "ok.npz") as zf:
        members.update({i.filename: zf.read(i) for i in zf.infolist()})
    path = npz_with(tmp_path / "many.npz", members, compress=False)
    refused(load_model, path, ModelFileError, "directory")


def test_member_whose_directory_size_disagrees_with_its_header(tmp_path):
    save_model(tmp_path / "ok.npz", small_model())
    with zipfile.ZipFile(tmp_path / "ok.npz") as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    path = npz_with(tmp_path / "lying.npz", members, {"W.npy": 10})
    refused(load_model, path, ModelFileError)


# ------------------------------------------------------------------------ model files: meta types

BAD_META = {
    "hyperparameters a list": {"hyperparameters": [1, 2]},
    "hyperparameters a string": {"hyperparameters": "fast"},
    "pcd a string": {"hyperparameters": {"pcd": "yes"}},
    "learning rate a string": {"hyperparameters": {"learning_rate": "0.1"}},
    "n_hidden a float": {"hyperparameters": {"n_hidden": 2.5}},
    "epochs_done a string": {"epochs_done": "ten"},
    "epochs_done negative": {"epochs_done": -3},
    "epochs_done a bool": {"epochs_done": True},
    "dataset a number": {"dataset": 5},
    "history a list": {"history": [1, 2, 3]},
    "history of strings": {"history": {"epoch": ["one"]}},
    "history of unequal lengths": {"history": {"epoch": [1.0, 2.0], "recon_mse_train": [0.1]}},
    "image_shape of strings": {"image_shape": ["4", "4"]},
    "image_shape of the wrong size": {"image_shape": [5, 5]},
    "threshold out of range": {"threshold": 1000},
    "data_options a list": {"data_options": [1]},
    "stochastic a string": {"stochastic_binarisation": "no"},
    "format_version a string": {"format_version": "1"},
    "format unknown": {"format": "something-else"},
}


@pytest.mark.parametrize("case", list(BAD_META))
def test_meta_of_the_wrong_type_is_refused_on_load(tmp_path, case):
    path = model_with_meta(tmp_path / "meta.npz", **BAD_META[case])
    refused(load_model, path, ModelFileError)


BAD_ARRAYS = {
    "history_units out of range": {"weight_history": np.zeros((2, 16, 2), np.float32),
                                   "history_units": np.array([0, 7])},
    "history_units repeated": {"weight_history": np.zeros((2, 16, 2), np.float32),
                               "history_units": np.array([1, 1])},
    "history_units of another count": {"weight_history": np.zeros((2, 16, 2), np.float32),
                                       "history_units": np.array([0, 1, 2])},
    "weight_history of integers": {"weight_history": np.zeros((2, 16, 2), np.int64)},
}


@pytest.mark.parametrize("case", list(BAD_ARRAYS))
def test_history_arrays_that_cannot_be_shown_are_refused(tmp_path, case):
    path = model_with_arrays(tmp_path / "arrays.npz", **BAD_ARRAYS[case])
    refused(load_model, path, ModelFileError)


# ------------------------------------------------------------------------ not regular files

def _not_files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    return {"fifo": fifo(tmp_path / "pipe.npz"), "device": Path("/dev/zero"), "folder": folder}


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
@pytest.mark.parametrize("reader", ["model", "pickle", "idx"])
def test_fifos_devices_and_folders_are_refused_at_once(tmp_path, kind, reader):
    path = _not_files(tmp_path)[kind]
    func, error = {"model": (load_model, ModelFileError), "pickle": (import_legacy, ModelFileError),
                   "idx": (load_dataset, DataError)}[reader]
    got = measure(func, path)
    assert isinstance(got.error, error), got.error
    assert "\n" not in str(got.error) and path.name in str(got.error)
    assert any(w in str(got.error) for w in ("pipe", "device", "directory", "folder")), got.error
    assert got.seconds < 1.0 and got.peak_mb < REFUSED_PEAK_MB


# ------------------------------------------------------------------------ legacy pickles

def test_pickle_of_a_million_empty_lists_is_refused_unrun(tmp_path):
    path = tmp_path / "lists.pkl"
    path.write_bytes(b"\x80\x02" + b"]" * 1_000_000 + b".")   # EMPTY_LIST x 1e6: ~60 MB of objects
    refused(import_legacy, path, ModelFileError, "opcodes")


def test_pickle_larger_than_any_legacy_model_is_refused_unread(tmp_path):
    path = tmp_path / "huge.pkl"
    with open(path, "wb") as fh:
        fh.truncate(300 << 20)                                 # sparse: costs no disk
    refused(import_legacy, path, ModelFileError, "more than")


def test_pickle_declaring_a_huge_string_is_refused(tmp_path):
    path = tmp_path / "claims.pkl"
    path.write_bytes(b"\x80\x04\x8e" + (8 << 30).to_bytes(8, "little") + b"abc")  # BINBYTES8 of 8 GB
    refused(import_legacy, path, ModelFileError)


def test_pickle_refers_to_os_system_is_refused_unrun(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(os.system) )
    refused(import_legacy, path, ModelFileError, "refused")


# ------------------------------------------------------------------------ IDX data

def test_small_gzip_declaring_2_gb_of_pixels_is_refused_before_reading(tmp_path):
    path = idx_gzip_bomb(tmp_path / "bomb-images-idx3-ubyte.gz", (2_730_000, 28, 28))
    assert path.stat().st_size < 3 << 20
    refused(load_dataset, path, DataError, "more than")


def test_gzip_declaring_more_than_it_can_hold_is_refused(tmp_path):
    path = idx_gzip_bomb(tmp_path / "small-images-idx3-ubyte.gz", (600_000, 28, 28), payload=1000)
    refused(load_dataset, path, DataError)


def test_data_set_of_zero_images_says_so(tmp_path):
    path = tmp_path / "empty-images-idx3-ubyte"
    write_idx(path, np.zeros((0, 28, 28), np.uint8))
    refused(load_dataset, path, DataError, "the data set has no images")


@pytest.mark.parametrize("shape", [(10, 1000, 1000), (10, 0, 28)])
def test_images_of_absurd_size_are_refused_from_the_header(tmp_path, shape):
    path = tmp_path / "odd-images-idx3-ubyte.gz"
    header = bytes([0, 0, 0x08, 3]) + np.asarray(shape, ">u4").tobytes()
    path.write_bytes(gzip.compress(header + bytes(4096)))
    refused(load_dataset, path, DataError, "pixels")

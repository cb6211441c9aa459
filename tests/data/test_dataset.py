"""Dataset operations and load_dataset / known_sources / cache handling (Qt-free)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from rbm_gui.data import (
    DataError,
    Dataset,
    IdxError,
    cache_dir,
    clear_cache,
    known_sources,
    labels_path_for,
    load_dataset,
    write_idx,
)
from rbm_gui.data.download import MNIST_FILES
from rbm_gui.data.sources import MNIST_SPLIT_FILES


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache directory: never the user's real one."""
    path = tmp_path / "cache"
    monkeypatch.setenv("RBM_GUI_CACHE_DIR", str(path))
    return path


def make_dataset(n=200, labelled=True) -> Dataset:
    """Images whose first pixel is their index (mod 256), so rows can be tracked through ops."""
    images = np.zeros((n, 4, 5), dtype=np.uint8)
    images[:, 0, 0] = np.arange(n) % 256
    labels = (np.arange(n) % 10).astype(np.uint8) if labelled else None
    return Dataset("toy", images, labels, "made in a test")


# --- Dataset ----------------------------------------------------------------------------


def test_shape_properties_and_flat_is_a_view():
    ds = load_dataset("mnist-sample", "test")
    assert (ds.n, ds.image_shape, ds.n_visible) == (10000, (28, 28), 784)
    flat = ds.flat()
    assert flat.shape == (10000, 784) and flat.dtype == np.uint8
    assert np.shares_memory(flat, ds.images)


@pytest.mark.parametrize(
    "images,labels",
    [
        (np.zeros((2, 3, 3), dtype=np.float32), None),
        (np.zeros((2, 9), dtype=np.uint8), None),
        (np.zeros((2, 3, 3), dtype=np.uint8), np.zeros(3, dtype=np.uint8)),
        (np.zeros((2, 3, 3), dtype=np.uint8), np.zeros(2, dtype=np.int64)),
    ],
    ids=["float-images", "2d-images", "label-count", "label-dtype"],
)
def test_constructor_rejects_wrong_arrays(images, labels):
    with pytest.raises(ValueError):
        Dataset("bad", images, labels)


def test_binarize_threshold_semantics():
    pixels = np.array([[[0, 1, 127, 128, 129, 254, 255]]], dtype=np.uint8)
    ds = Dataset("px", pixels)
    assert ds.binarize().tolist() == [[False, False, False, True, True, True, True]]
    assert ds.binarize(1).tolist() == [[False, True, True, True, True, True, True]]
    assert ds.binarize(255).tolist() == [[False] * 6 + [True]]
    assert ds.binarize(np.int64(129)).tolist() == [[False] * 4 + [True] * 3]


@pytest.mark.parametrize(
    "threshold,error",
    [(0, ValueError), (256, ValueError), (-1, ValueError), (127.5, TypeError), (True, TypeError), ("128", TypeError)],
)
def test_binarize_rejects_bad_thresholds(threshold, error):
    with pytest.raises(error):
        make_dataset().binarize(threshold)


def test_binarize_real_data_is_bool_and_matches_reference():
    ds = load_dataset("mnist-sample", "train")
    binary = ds.binarize(128)
    assert binary.dtype == np.bool_ and binary.shape == (5000, 784)
    reference = ds.images.reshape(5000, -1).astype(np.int64) >= 128
    np.testing.assert_array_equal(binary, reference)
    assert 0.10 < binary.mean() < 0.20  # MNIST is ~13% ink at this threshold


def test_stochastic_binarize_probabilities_and_reproducibility():
    values = np.array([0, 51, 128, 255], dtype=np.uint8)
    ds = Dataset("px", np.tile(values, (20000, 1, 1)))
    on = ds.stochastic_binarize(np.random.default_rng(7))
    assert on.dtype == np.bool_ and on.shape == (20000, 4)
    freq = on.mean(axis=0)
    assert freq[0] == 0.0 and freq[3] == 1.0  # exact at the ends
    assert freq[1] == pytest.approx(51 / 255, abs=0.01)
    assert freq[2] == pytest.approx(128 / 255, abs=0.015)
    again = ds.stochastic_binarize(np.random.default_rng(7))
    np.testing.assert_array_equal(on, again)
    assert not np.array_equal(on, ds.stochastic_binarize(np.random.default_rng(8)))


@pytest.mark.parametrize("method", ["binarize", "stochastic_binarize"])
def test_binarization_never_builds_a_float_copy_of_the_set(method):
    ds = load_dataset("mnist-sample", "test")
    n_pixels = ds.n * ds.n_visible
    args = (np.random.default_rng(0),) if method == "stochastic_binarize" else ()
    tracemalloc.start()
    try:
        result = getattr(ds, method)(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.dtype == np.bool_
    # bool output + at most a uint8 temporary; a float32 temporary alone would be 4 bytes/pixel.
    assert peak < 2.5 * n_pixels, f"peak {peak / n_pixels:.2f} bytes per pixel"


def test_subset_keeps_order_labels_and_copies():
    ds = make_dataset()
    sub = ds.subset([5, 3, 199])
    assert sub.images[:, 0, 0].tolist() == [5, 3, 199 % 256]
    assert sub.labels.tolist() == [5, 3, 9]
    sub.images[0, 0, 0] = 99
    assert ds.images[5, 0, 0] == 5
    mask = ds.labels == 4
    assert ds.subset(mask).n == 20
    empty = ds.subset([])
    assert empty.n == 0 and empty.image_shape == (4, 5)
    with pytest.raises(IndexError):
        ds.subset([200])
    with pytest.raises(TypeError):
        ds.subset([0.5])


def test_split_validation_partitions_randomly_and_reproducibly():
    ds = make_dataset(200)
    train, val = ds.split_validation(50, np.random.default_rng(3))
    assert (train.n, val.n) == (150, 50)
    ids_train, ids_val = set(train.images[:, 0, 0].tolist()), set(val.images[:, 0, 0].tolist())
    assert ids_train.isdisjoint(ids_val) and ids_train | ids_val == set(range(200))
    assert np.all(np.diff(val.images[:, 0, 0].astype(int)) > 0)  # original order kept
    assert ids_val != set(range(50))  # not simply the first 50
    _, val_again = ds.split_validation(50, np.random.default_rng(3))
    np.testing.assert_array_equal(val.images, val_again.images)
    np.testing.assert_array_equal(val.labels, val.images[:, 0, 0] % 10)  # labels follow images
    assert (train.name, val.name) == ("toy/train", "toy/val")


def test_split_validation_on_sorted_sample_mixes_digits():
    train, val = load_dataset().split_validation(500, np.random.default_rng(0))
    counts = np.bincount(val.labels, minlength=10)
    assert train.n == 4500 and counts.sum() == 500 and counts.min() > 20


@pytest.mark.parametrize("n_val", [-1, 200, 1000])
def test_split_validation_rejects_bad_sizes(n_val):
    with pytest.raises(ValueError):
        make_dataset(200).split_validation(n_val, np.random.default_rng(0))


def test_select_labels():
    ds = load_dataset("mnist-sample", "train")
    pairs = ds.select_labels([5, 3, 3])
    assert pairs.n == 1000 and set(pairs.labels.tolist()) == {3, 5}
    assert pairs.name == "mnist-sample/train[3,5]"
    with pytest.raises(ValueError, match="no image has label"):
        make_dataset(20).select_labels([42])
    with pytest.raises(ValueError, match="no labels"):
        make_dataset(labelled=False).select_labels([1])


# --- load_dataset -----------------------------------------------------------------------


def test_load_bundled_specs():
    train = load_dataset()
    test = load_dataset("mnist-sample", "test")
    assert (train.n, test.n) == (5000, 10000)
    assert train.labels.dtype == np.uint8 and test.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert "bundled MNIST sample" in train.origin


@pytest.mark.parametrize(
    "spec,split,words",
    [("mnist-sample", "val", "split"), ("mnist", "dev", "split"), ("fashion", "train", "no such data set")],
)
def test_load_dataset_rejects_unknown_spec_or_split(spec, split, words):
    with pytest.raises(DataError, match=words):
        load_dataset(spec, split)


def test_mnist_absent_tells_user_to_download(isolated_cache):
    with pytest.raises(DataError) as info:
        load_dataset("mnist", "train")
    assert "rbm-gui download mnist" in str(info.value) and str(isolated_cache) in str(info.value)


def write_fake_mnist(directory, n_train=30, n_test=12):
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("test", n_test)):
        images_name, labels_name = MNIST_SPLIT_FILES[split]
        write_idx(directory / images_name, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(directory / labels_name, rng.integers(0, 10, n, dtype=np.uint8))


def test_mnist_cache_load_known_sources_and_clear(isolated_cache):
    assert cache_dir() == isolated_cache
    assert [s.spec for s in known_sources()] == ["mnist-sample", "mnist-sample"]
    isolated_cache.mkdir()
    write_fake_mnist(isolated_cache)
    (isolated_cache / "notes.txt").write_text("the user's own file")
    (isolated_cache / ".train-images-idx3-ubyte.gz.abc123.part").write_bytes(b"partial")
    ds = load_dataset("mnist", "train")
    assert (ds.n, ds.image_shape, ds.name) == (30, (28, 28), "mnist/train")
    assert ds.origin == str(isolated_cache / "train-images-idx3-ubyte.gz")
    sources = {(s.spec, s.split): s for s in known_sources()}
    assert sources[("mnist", "test")].n_images == 12
    expected_size = sum((isolated_cache / n).stat().st_size for n in MNIST_SPLIT_FILES["test"])
    assert sources[("mnist", "test")].size_bytes == expected_size
    assert sources[("mnist-sample", "train")].n_images == 5000
    removed = clear_cache()
    assert len(removed) == 5
    assert [p.name for p in isolated_cache.iterdir()] == ["notes.txt"]  # never the user's files
    assert ("mnist", "train") not in {(s.spec, s.split) for s in known_sources()}


def test_mnist_split_names_match_download_table():
    assert {n for pair in MNIST_SPLIT_FILES.values() for n in pair} == set(MNIST_FILES)


def test_mnist_partial_download_is_reported(isolated_cache):
    isolated_cache.mkdir()
    write_fake_mnist(isolated_cache)
    (isolated_cache / "t10k-labels-idx1-ubyte.gz").unlink()
    assert load_dataset("mnist", "train").n == 30
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz missing"):
        load_dataset("mnist", "test")
    assert ("mnist", "test") not in {(s.spec, s.split) for s in known_sources()}


def test_mnist_corrupt_cache_file_says_how_to_fix(isolated_cache):
    isolated_cache.mkdir()
    write_fake_mnist(isolated_cache)
    path = isolated_cache / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(IdxError) as info:
        load_dataset("mnist", "train")
    assert str(info.value).startswith(str(path)) and "rbm-gui download mnist" in str(info.value)


def test_cache_dir_default_uses_platformdirs(monkeypatch):
    monkeypatch.delenv("RBM_GUI_CACHE_DIR")
    path = cache_dir()
    assert path.name == "mnist" and "rbm-gui" in str(path)


def test_labels_path_convention(tmp_path):
    assert labels_path_for(tmp_path / "train-images-idx3-ubyte.gz") == tmp_path / "train-labels-idx1-ubyte.gz"
    assert labels_path_for(tmp_path / "my-images.idx") == tmp_path / "my-labels.idx"
    assert labels_path_for(tmp_path / "digits.idx") is None


@pytest.fixture
def user_pair(tmp_path):
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (40, 16, 12), dtype=np.uint8)
    labels = rng.integers(0, 10, 40).astype(np.uint8)
    write_idx(tmp_path / "mine-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "mine-labels-idx1-ubyte.gz", labels)
    return tmp_path, images, labels


def test_user_idx_pair_found_beside(user_pair):
    folder, images, labels = user_pair
    ds = load_dataset(str(folder / "mine-images-idx3-ubyte.gz"))
    assert (ds.n, ds.image_shape, ds.n_visible) == (40, (16, 12), 192)
    np.testing.assert_array_equal(ds.images, images)
    np.testing.assert_array_equal(ds.labels, labels)
    assert ds.origin == str(folder / "mine-images-idx3-ubyte.gz")


def test_user_idx_without_labels_and_explicit_labels(user_pair):
    folder, images, labels = user_pair
    (folder / "mine-images-idx3-ubyte.gz").rename(folder / "digits.gz")
    assert load_dataset(folder / "digits.gz").labels is None
    ds = load_dataset(folder / "digits.gz", labels_path=folder / "mine-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(ds.labels, labels)
    with pytest.raises(DataError, match="cannot read"):
        load_dataset(folder / "digits.gz", labels_path=folder / "absent.gz")


def test_user_labels_count_mismatch(user_pair):
    folder, _, _ = user_pair
    write_idx(folder / "mine-labels-idx1-ubyte.gz", np.zeros(39, dtype=np.uint8))
    with pytest.raises(DataError, match=r"mine-labels-idx1-ubyte.gz: 39 labels for 40 images"):
        load_dataset(folder / "mine-images-idx3-ubyte.gz")


def test_user_labels_int32_converted_or_rejected(user_pair):
    folder, _, _ = user_pair
    write_idx(folder / "mine-labels-idx1-ubyte.gz", np.arange(40, dtype=np.int32))
    ds = load_dataset(folder / "mine-images-idx3-ubyte.gz")
    assert ds.labels.dtype == np.uint8 and ds.labels[-1] == 39
    write_idx(folder / "mine-labels-idx1-ubyte.gz", np.full(40, 300, dtype=np.int32))
    with pytest.raises(DataError, match="0..255"):
        load_dataset(folder / "mine-images-idx3-ubyte.gz")


@pytest.mark.parametrize(
    "array,words",
    [(np.zeros((4, 784), dtype=np.uint8), "3-D"), (np.zeros((4, 28, 28), dtype=np.float32), "uint8")],
)
def test_user_images_must_be_uint8_3d(tmp_path, array, words):
    write_idx(tmp_path / "x.idx", array)
    with pytest.raises(DataError, match=words):
        load_dataset(tmp_path / "x.idx")


def test_user_corrupt_images_raise_idx_error(tmp_path):
    (tmp_path / "bad-images.gz").write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(IdxError, match="bad-images.gz"):
        load_dataset(tmp_path / "bad-images.gz")

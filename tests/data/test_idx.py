"""IDX reader/writer and the bundled MNIST files (real data; corrupt copies in tmp_path)."""

from __future__ import annotations

import gzip
import hashlib
import struct
from importlib import resources

import numpy as np
import pytest

from rbm_gui.data import DataError, IdxError, load_bundled, read_idx, read_idx_header, write_idx
from rbm_gui.data import bundled
from rbm_gui.data.idx import MAX_ELEMENTS, MAX_PAYLOAD_BYTES


def resource(name):
    return resources.files("rbm_gui.resources") / "data" / name


def idx_bytes(code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    """An IDX file built by hand (not with write_idx), so reader tests don't trust the writer."""
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- the real bundled files -------------------------------------------------------------


def test_bundled_test_split_is_original_mnist_t10k():
    images, labels = load_bundled("test")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert images.mean() == pytest.approx(33.79, abs=0.01)
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_bundled_train_sample_is_5000_sorted_by_label():
    images, labels = load_bundled("train")
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (5000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    assert np.all(np.diff(labels.astype(int)) >= 0)  # sorted, as the README says
    assert images.max() == 255 and images.min() == 0


def test_bundled_arrays_are_cached_and_read_only():
    a, _ = load_bundled("test")
    b, _ = load_bundled("test")
    assert a is b
    with pytest.raises(ValueError):
        a[0, 0, 0] = 1


def test_bundled_unknown_split():
    with pytest.raises(DataError, match="split"):
        load_bundled("validation")


def test_bundled_checksum_mismatch_raises_data_error(monkeypatch):
    name = "train-5k-labels-idx1-ubyte.gz"
    monkeypatch.setitem(bundled.BUNDLED_SHA256, name, "0" * 64)
    bundled._load_split.cache_clear()
    try:
        with pytest.raises(DataError, match=f"{name}.*sha256"):
            load_bundled("train")
    finally:
        bundled._load_split.cache_clear()  # don't leave other tests without the real data


def test_hasher_sees_exactly_the_decompressed_bytes():
    path = resource("t10k-labels-idx1-ubyte.gz")
    h = hashlib.sha256()
    read_idx(path, hasher=h)
    assert h.hexdigest() == hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()


def test_raw_and_gzip_read_equal_and_detection_ignores_extension(tmp_path):
    gz = resource("t10k-images-idx3-ubyte.gz")
    raw = write(tmp_path, "images-named-like-gzip.gz", gzip.decompress(gz.read_bytes()))
    gz_copy = write(tmp_path, "gzip-without-extension.idx", gz.read_bytes())
    expected = read_idx(gz)
    np.testing.assert_array_equal(read_idx(raw), expected)
    np.testing.assert_array_equal(read_idx(gz_copy), expected)


def test_read_idx_header_only():
    dtype, shape = read_idx_header(resource("train-5k-images-idx3-ubyte.gz"))
    assert dtype == np.uint8 and shape == (5000, 28, 28)


# --- malformed files --------------------------------------------------------------------

GOOD = idx_bytes(0x08, (3, 2), bytes(range(6)))

# name -> (bytes, words the message must contain). Raw and gzip versions of each are tested.
BAD_FILES = {
    "empty": (b"", "too short"),
    "short_magic": (b"\x00\x00", "too short"),
    "wrong_magic": (b"\x01" + GOOD[1:], "not an IDX file"),
    "html_garbage": (b"<html><body>404 Not Found</body></html>", "not an IDX file"),
    "bad_dtype_code": (bytes([0, 0, 0x0A, 2]) + GOOD[4:], "dtype code 0x0A"),
    "zero_dims": (bytes([0, 0, 0x08, 0]) + GOOD[4:], "dimensions"),
    "five_dims": (idx_bytes(0x08, (1, 1, 1, 1, 1), b"\x00"), "dimensions"),
    "truncated_header": (GOOD[:10], "truncated header"),
    "truncated_payload": (GOOD[:-1], "truncated"),
    "trailing_bytes": (GOOD + b"\x00", "trailing bytes"),
    "truncated_int32_payload": (idx_bytes(0x0C, (2,), b"\x00" * 7), "truncated"),
    "huge_declared_size": (idx_bytes(0x0E, (0xFFFFFFFF,) * 4, b""), "more than"),
    "just_over_cap": (idx_bytes(0x08, (MAX_ELEMENTS + 1,), b""), "more than"),
    # At the element cap, 16 GiB of float64: beyond the byte cap, refused from the header.
    "at_cap_no_payload": (idx_bytes(0x0E, (MAX_ELEMENTS,), b"\x00" * 64), "more than"),
    # At the byte cap (1 GiB) but with no payload: refused as truncated, before allocating.
    "byte_cap_no_payload": (idx_bytes(0x08, (MAX_PAYLOAD_BYTES,), b"\x00" * 64), "truncated"),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_files_raise_idx_error_naming_the_file(tmp_path, case, compress):
    data, words = BAD_FILES[case]
    if compress:
        data = gzip.compress(data)
    path = write(tmp_path, f"{case}.bin", data)
    with pytest.raises(IdxError) as info:
        read_idx(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and words in message
    assert "\n" not in message
    assert isinstance(info.value, DataError)


_NOISE = np.random.default_rng(0).integers(0, 256, 50 * 28 * 28, dtype=np.uint8).tobytes()
GZ = gzip.compress(idx_bytes(0x08, (50, 28, 28), _NOISE))

BAD_GZIP = {
    "cut_in_half": GZ[: len(GZ) // 2],
    "cut_trailer": GZ[:-4],  # payload complete, length/CRC trailer missing
    "bad_crc": GZ[:-8] + bytes(b ^ 0xFF for b in GZ[-8:-4]) + GZ[-4:],
    "flipped_payload_bytes": GZ[:1000] + bytes(b ^ 0x55 for b in GZ[1000:1010]) + GZ[1010:],
    "invalid_deflate_block_type": GZ[:10] + b"\x07" + GZ[11:],  # BTYPE=11 is reserved
    "gzip_magic_then_garbage": b"\x1f\x8b" + b"garbage" * 10,
    "trailing_garbage_after_member": GZ + b"junk",
}


@pytest.mark.parametrize("case", sorted(BAD_GZIP))
def test_corrupt_gzip_raises_idx_error(tmp_path, case):
    path = write(tmp_path, f"{case}.gz", BAD_GZIP[case])
    with pytest.raises(IdxError, match=str(path)):
        read_idx(path)


def test_good_reference_file_reads(tmp_path):
    # The malformed cases above are one edit away from this file, which must read fine.
    expected = np.arange(6, dtype=np.uint8).reshape(3, 2)
    np.testing.assert_array_equal(read_idx(write(tmp_path, "good.idx", GOOD)), expected)
    assert read_idx(write(tmp_path, "good.gz", GZ)).shape == (50, 28, 28)


def test_truncated_real_gzip(tmp_path):
    data = resource("t10k-labels-idx1-ubyte.gz").read_bytes()
    path = write(tmp_path, "t10k-labels-idx1-ubyte.gz", data[: len(data) - 100])
    with pytest.raises(IdxError, match="truncated"):
        read_idx(path)


def test_missing_file_is_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.gz")


def test_big_endian_payload_converted_to_native(tmp_path):
    values = [1, -2, 70000, -(2**31)]
    path = write(tmp_path, "i4.idx", idx_bytes(0x0C, (4,), struct.pack(">4i", *values)))
    array = read_idx(path)
    assert array.dtype == np.int32 and array.dtype.isnative
    assert array.tolist() == values
    f8 = write(tmp_path, "f8.idx", idx_bytes(0x0E, (2,), struct.pack(">2d", 0.5, -1e300)))
    assert read_idx(f8).tolist() == [0.5, -1e300]


# --- writer -----------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "dtype,shape",
    [
        ("u1", (7,)), ("i1", (3, 4)), ("i2", (2, 3, 4)), ("i4", (2, 2, 2, 3)),
        ("f4", (5, 6)), ("f8", (4,)), ("u1", (0, 28, 28)),
    ],
)
def test_write_read_round_trip(tmp_path, dtype, shape, compress):
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype) if dtype[0] in "ui" else None
    if info is not None:
        array = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    else:
        array = (rng.standard_normal(shape) * 1e3).astype(dtype)
    path = tmp_path / "a.idx"
    write_idx(path, array, compress=compress)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == shape
    np.testing.assert_array_equal(back, array)
    assert [p.name for p in tmp_path.iterdir()] == ["a.idx"]  # no temporary left behind


def test_write_is_big_endian_and_compresses_by_extension(tmp_path):
    write_idx(tmp_path / "x.idx", np.array([1, 258], dtype="<i2"))
    assert (tmp_path / "x.idx").read_bytes() == idx_bytes(0x0B, (2,), b"\x00\x01\x01\x02")
    write_idx(tmp_path / "x.idx.gz", np.array([1], dtype=np.uint8))
    assert (tmp_path / "x.idx.gz").read_bytes()[:2] == b"\x1f\x8b"


def test_rewriting_bundled_images_reproduces_the_original_bytes(tmp_path):
    images, _ = load_bundled("train")
    path = tmp_path / "train-5k-images-idx3-ubyte.gz"
    write_idx(path, images)
    digest = hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()
    assert digest == bundled.BUNDLED_SHA256["train-5k-images-idx3-ubyte.gz"]


@pytest.mark.parametrize(
    "bad",
    [np.zeros(3, dtype=bool), np.zeros(3, dtype=np.uint16), np.zeros((1,) * 5, dtype=np.uint8), np.uint8(3)],
    ids=["bool", "uint16", "5-D", "0-D"],
)
def test_write_rejects_what_idx_cannot_hold_and_keeps_old_file(tmp_path, bad):
    path = tmp_path / "keep.idx"
    path.write_bytes(GOOD)
    with pytest.raises(ValueError):
        write_idx(path, bad)
    assert path.read_bytes() == GOOD

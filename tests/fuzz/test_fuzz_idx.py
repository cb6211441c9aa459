"""Fuzz read_idx: random and mutated IDX files (raw and gzip) raise only IdxError, or load consistently."""

from __future__ import annotations

import gzip
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbm_gui.data.errors import IdxError
from rbm_gui.data.idx import read_idx, read_idx_header, write_idx

from fuzz_helpers import mutated, time_limit

# RBM_GUI_FUZZ_EXAMPLES=5000 for a longer hunt; 150 keeps the suite quick.
FUZZ = settings(max_examples=int(os.environ.get("RBM_GUI_FUZZ_EXAMPLES", 150)), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _valid(dtype, shape, compress: bool) -> bytes:
    rng = np.random.default_rng(0)
    array = (rng.random(shape) * 100).astype(dtype)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ("x.idx.gz" if compress else "x.idx")
        write_idx(path, array, compress=compress)
        return path.read_bytes()


RAW_IMAGES = _valid(np.uint8, (3, 4, 5), False)
RAW_FLOATS = _valid(np.float32, (2, 3), False)
GZ_IMAGES = _valid(np.uint8, (3, 4, 5), True)
GZ_INT16 = _valid(np.int16, (7,), True)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "fuzz.idx"


def check(path: Path, content: bytes) -> None:
    """read_idx/read_idx_header on ``content``: IdxError or a consistent array, nothing else, quickly."""
    path.write_bytes(content)
    with time_limit(10):
        try:
            array = read_idx(path)
        except IdxError as exc:
            assert str(exc).startswith(str(path)), str(exc)       # the message names the file
            array = None
        try:
            header = read_idx_header(path)
        except IdxError:
            header = None
    if array is None:
        return
    assert header is not None, "read_idx accepted a file whose header read_idx_header refuses"
    dtype, shape = header
    assert array.shape == shape and array.dtype == dtype
    assert 1 <= array.ndim <= 4 and array.flags.c_contiguous and array.flags.writeable
    assert array.dtype.isnative
    raw = gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content
    assert len(raw) == 4 + 4 * array.ndim + array.nbytes


@FUZZ
@given(content=st.binary(max_size=300))
def test_random_bytes(scratch, content):
    check(scratch, content)


@FUZZ
@given(content=st.binary(max_size=40).map(lambda b: b"\x00\x00" + b))
def test_random_bytes_after_idx_magic(scratch, content):
    check(scratch, content)


@FUZZ
@given(content=st.one_of(mutated(RAW_IMAGES), mutated(RAW_FLOATS)))
def test_mutated_raw(scratch, content):
    check(scratch, content)


@FUZZ
@given(content=st.one_of(mutated(GZ_IMAGES), mutated(GZ_INT16)))
def test_mutated_gzip(scratch, content):
    check(scratch, content)


@FUZZ
@given(content=mutated(RAW_IMAGES))
def test_mutated_content_in_valid_gzip(scratch, content):
    check(scratch, gzip.compress(content, mtime=0))


@FUZZ
@given(content=st.binary(max_size=200))
def test_random_bytes_in_valid_gzip(scratch, content):
    check(scratch, gzip.compress(content, mtime=0))


def test_header_declaring_huge_payload_is_refused_before_allocating(scratch):
    # 2**31 elements declared in a 12-byte file (raw) and in a tiny gzip file.
    header = bytes([0, 0, 0x08, 2]) + np.array([2**16, 2**15], ">u4").tobytes()
    for content in (header, gzip.compress(header)):
        scratch.write_bytes(content)
        with time_limit(5), pytest.raises(IdxError, match="truncated|more than"):
            read_idx(scratch)

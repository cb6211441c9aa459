"""The batch feeder hands each step the rows it asks for, whether or not the helper prepared them."""

import numpy as np
import pytest

from rbm_gui.engine.feeder import BatchFeeder


def data(n=50, nv=12, seed=0):
    rng = np.random.default_rng(seed)
    d = (rng.random((n, nv)) < 0.3).astype(np.uint8)
    d[:, 3] = 0                                   # a pixel never on
    return d


def feeder(d, threaded, lit_rows=True):
    return BatchFeeder(d, 8, 16, np.random.SFC64(1), threaded, lit_rows=lit_rows)


@pytest.mark.parametrize("threaded", [False, True])
def test_take_gives_the_rows_asked_for_and_their_lit_pixels(threaded):
    d = data()
    f = feeder(d, threaded)
    order = np.random.default_rng(2).permutation(len(d))
    try:
        for step, start in enumerate(range(0, 40, 8)):
            idx, nxt = order[start:start + 8], order[start + 8:start + 16]
            if step == 2:       # the caller changed its mind: prepared rows must not be used
                idx = order[::-1][:8]
            V, bits, lit = f.take(idx, (order, start) if step != 2 else (order[::-1], 0))
            f.prepare(nxt, (order, start + 8))
            np.testing.assert_array_equal(V[:-1, :8], d[idx].T)
            on = np.flatnonzero(d[idx].any(axis=0))
            np.testing.assert_array_equal(lit, np.append(on, d.shape[1]))   # then the ones row
            assert 3 not in lit
            assert bits.dtype == np.int16 and bits.size == 4 * 16
    finally:
        f.close()


@pytest.mark.parametrize("threaded", [False, True])
def test_without_keys_the_indices_themselves_are_compared(threaded):
    d = data()
    f = feeder(d, threaded, lit_rows=False)
    try:
        f.take(np.arange(8))
        f.prepare(np.arange(8, 16))
        V, _, lit = f.take(np.arange(20, 28))             # not the prepared rows
        np.testing.assert_array_equal(V[:-1, :8], d[20:28].T)
        assert lit is None
        f.prepare(np.arange(30, 38))
        V, _, _ = f.take(np.arange(30, 38))
        np.testing.assert_array_equal(V[:-1, :8], d[30:38].T)
    finally:
        f.close()


def test_the_bits_are_the_same_stream_with_or_without_the_helper():
    d = data()
    got = []
    for threaded in (False, True):
        f = feeder(d, threaded)
        blocks = []
        for start in range(0, 40, 8):
            _, bits, _ = f.take(np.arange(start, start + 8), ("k", start))
            f.prepare(np.arange(start + 8, start + 16), ("k", start + 8))
            blocks.append(bits.copy())
        f.close()
        got.append(np.concatenate(blocks))
    np.testing.assert_array_equal(got[0], got[1])

"""Per-unit statistics (app/unit_stats.py) against the whole P(h|v) matrix computed at once."""

import numpy as np
import pytest

from rbm_gui.app import unit_stats
from rbm_gui.data import load_dataset
from rbm_gui.engine.rbm import RBM


@pytest.fixture(scope="module")
def digits():
    ds = load_dataset("mnist-sample", "test")
    return ds.binarize(128)[:1500], ds.labels[:1500]


def model(n_hidden=12, seed=0):
    rng = np.random.default_rng(seed)
    return RBM(rng.normal(0, 0.05, (784, n_hidden)), rng.normal(0, 0.1, 784), rng.normal(0, 1, n_hidden))


def test_chunked_statistics_equal_the_whole_matrix(digits):
    V, y = digits
    rbm = model()
    # the same chunks as the function (BLAS rounding may differ by an ulp between chunk sizes)
    P = np.vstack([rbm.hidden_probs(V[s:s + 128]) for s in range(0, len(V), 128)])
    np.testing.assert_allclose(P, rbm.hidden_probs(V), atol=1e-6)
    st = unit_stats.unit_statistics(rbm, V, y, top_k=9, chunk=128)
    np.testing.assert_allclose(st.mean, P.mean(axis=0, dtype=np.float64), rtol=1e-6)
    for j in range(rbm.n_hidden):
        expected = np.lexsort((np.arange(len(V)), -P[:, j].astype(np.float64)))[:9]
        np.testing.assert_array_equal(st.top[j], expected)
        np.testing.assert_array_equal(st.top_probs[j], P[expected, j])
        for c in range(10):
            np.testing.assert_allclose(st.class_means[c, j], P[y == c, j].mean(), rtol=1e-5)
    np.testing.assert_allclose(st.weight_norm, np.linalg.norm(rbm.W.astype(np.float64), axis=0))
    assert st.class_counts.sum() == len(V)


def test_ties_keep_the_lower_index_whatever_the_chunking(digits):
    V, _ = digits
    rbm = model(4)
    rbm.c[:] = 40.0             # every P is exactly 1.0: all digits tie
    for chunk in (7, 100, 5000):
        st = unit_stats.unit_statistics(rbm, V, top_k=5, chunk=chunk)
        np.testing.assert_array_equal(st.top, np.tile(np.arange(5), (4, 1)))


def test_selectivity_is_zero_for_uniform_and_one_for_a_single_class():
    cm = np.array([[0.5, 1.0, 0.2], [0.5, 0.0, 0.1], [0.5, 0.0, 0.0]])
    s = unit_stats.selectivity(cm)
    assert s[0] == pytest.approx(0.0) and s[1] == pytest.approx(1.0) and 0 < s[2] < 1
    assert np.isnan(unit_stats.selectivity(np.zeros((3, 1))))[0]


def test_order_puts_the_highest_first_and_nan_last():
    order = unit_stats.ordered_units(np.array([0.2, np.nan, 0.9, 0.2]))
    assert order.tolist() == [2, 0, 3, 1]


def test_few_digits_and_cancel(digits):
    V, _ = digits
    st = unit_stats.unit_statistics(model(3), V[:4], top_k=10)
    assert st.top.shape == (3, 4)
    with pytest.raises(unit_stats.Cancelled):
        unit_stats.unit_statistics(model(3), V, should_stop=lambda: True)

"""The labelled RBM's parameters and exact P(y|v), checked against brute-force enumeration."""

import itertools

import numpy as np
import pytest

from rbm_gui.engine.rbm import RBM


def tiny(rng, nv=5, nh=4, nl=3):
    return RBM(rng.normal(0, 1, (nv, nh)), rng.normal(0, 1, nv), rng.normal(0, 1, nh), (1, nv),
               U=rng.normal(0, 1, (nl, nh)), d=rng.normal(0, 1, nl))


def brute_label_probs(rbm, v):
    # P(y|v) ∝ sum_h exp(-E(v, y, h)), E = -b.v - c.h - v.W.h - d.y - y.U.h
    W, c, U, d = (a.astype(np.float64) for a in (rbm.W, rbm.c, rbm.U, rbm.d))
    scores = np.zeros(rbm.n_labels)
    for y in range(rbm.n_labels):
        for h in itertools.product((0, 1), repeat=rbm.n_hidden):
            h = np.array(h, float)
            scores[y] += np.exp(c @ h + v @ W @ h + d[y] + U[y] @ h)
    return scores / scores.sum()


def test_label_probs_match_enumeration():
    rng = np.random.default_rng(3)
    rbm = tiny(rng)
    v = (rng.random((6, 5)) < 0.5).astype(np.float32)
    got = rbm.label_probs(v)
    want = np.array([brute_label_probs(rbm, row) for row in v])
    assert got.shape == (6, 3)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=1), 1, atol=1e-6)


def test_hidden_probs_with_labels_adds_label_weights():
    rng = np.random.default_rng(4)
    rbm = tiny(rng)
    v = (rng.random((2, 5)) < 0.5).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[[2, 0]]
    x = v @ rbm.W + rbm.c + y @ rbm.U
    np.testing.assert_allclose(rbm.hidden_probs(v, y), 1 / (1 + np.exp(-x)), rtol=1e-5)
    # without labels: the unlabelled conditional, unchanged
    np.testing.assert_allclose(rbm.hidden_probs(v), 1 / (1 + np.exp(-(v @ rbm.W + rbm.c))), rtol=1e-5)


def test_copy_and_snapshot_keep_labels():
    rbm = tiny(np.random.default_rng(5))
    snap = rbm.snapshot()
    assert snap.n_labels == 3 and np.array_equal(snap.U, rbm.U) and np.array_equal(snap.d, rbm.d)
    assert not snap.U.flags.writeable and not snap.d.flags.writeable
    rbm.U[0, 0] += 1
    assert snap.U[0, 0] != rbm.U[0, 0]
    rbm.d[0] = np.nan
    assert not rbm.is_finite() and snap.is_finite()


def test_unlabelled_model_refuses_label_calls():
    rbm = RBM(np.zeros((4, 2)), np.zeros(4), np.zeros(2))
    assert rbm.n_labels == 0 and rbm.U is None and len(rbm.parameters()) == 3
    with pytest.raises(ValueError, match="no label units"):
        rbm.label_probs(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="no label units"):
        rbm.hidden_probs(np.zeros((1, 4)), np.zeros((1, 2)))


@pytest.mark.parametrize("U, d", [(np.zeros((3, 2)), None), (np.zeros((3, 5)), np.zeros(3)),
                                  (np.zeros((3, 2)), np.zeros(4)), (np.zeros((1, 2)), np.zeros(1))])
def test_bad_label_shapes_are_refused(U, d):
    with pytest.raises(ValueError):
        RBM(np.zeros((4, 2)), np.zeros(4), np.zeros(2), U=U, d=d)

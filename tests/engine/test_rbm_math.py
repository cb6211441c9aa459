"""The RBM's conditionals, free energy and likelihoods against brute-force enumeration of tiny models."""

import itertools

import numpy as np
import pytest

from rbm_gui.engine.likelihood import average_log_likelihood, exact_log_partition
from rbm_gui.engine.metrics import pseudo_log_likelihood
from rbm_gui.engine.rbm import RBM


def all_states(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.float64)


def tiny_rbm(nv=6, nh=4, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return RBM(rng.normal(0, scale, (nv, nh)), rng.normal(0, 1, nv), rng.normal(0, 1, nh), image_shape=(2, nv // 2))


def joint(rbm):
    """All (v, h), their energies and the exact log Z by enumerating both layers."""
    V, H = all_states(rbm.n_visible), all_states(rbm.n_hidden)
    W, b, c = (a.astype(np.float64) for a in (rbm.W, rbm.b, rbm.c))
    E = -(V @ b)[:, None] - (H @ c)[None, :] - V @ W @ H.T        # (2^nv, 2^nh)
    log_z = np.log(np.exp(-E).sum())
    return V, H, E, log_z


def test_free_energy_is_minus_log_sum_over_hidden_states():
    rbm = tiny_rbm()
    V, H, E, _ = joint(rbm)
    expected = -np.log(np.exp(-E).sum(axis=1))
    np.testing.assert_allclose(rbm.free_energy(V), expected, rtol=1e-5, atol=1e-5)


def test_energy_matches_definition():
    rbm = tiny_rbm()
    V, H, E, _ = joint(rbm)
    i, j = 13, 5
    assert rbm.energy(V[i], H[j])[0] == pytest.approx(E[i, j], abs=1e-5)


def test_conditionals_match_the_joint_distribution():
    rbm = tiny_rbm()
    V, H, E, _ = joint(rbm)
    P = np.exp(-E)
    # P(h_j = 1 | v) = sum over h with h_j = 1 of P(v, h) / P(v)
    expected_h = (P @ H) / P.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(rbm.hidden_probs(V), expected_h, atol=1e-5)
    expected_v = (P.T @ V) / P.sum(axis=0)[:, None]
    np.testing.assert_allclose(rbm.visible_probs(H), expected_v, atol=1e-5)


def test_exact_log_partition_matches_enumerating_both_layers():
    rbm = tiny_rbm(nv=8, nh=5)
    *_, log_z = joint(rbm)
    assert exact_log_partition(rbm) == pytest.approx(log_z, abs=1e-9)


def test_exact_log_partition_chunks_and_threads_agree():
    # 13 hidden units with 4-bit chunks -> 512 high patterns split over threads
    rbm = tiny_rbm(nv=10, nh=13, seed=3, scale=0.5)
    assert exact_log_partition(rbm, chunk_bits=4) == pytest.approx(exact_log_partition(rbm, chunk_bits=13), abs=1e-9)


def test_average_log_likelihood_is_mean_log_probability():
    rbm = tiny_rbm()
    V, H, E, log_z = joint(rbm)
    log_p = np.log(np.exp(-E).sum(axis=1)) - log_z
    data = V[[0, 3, 7, 7, 60]]
    assert average_log_likelihood(rbm, data) == pytest.approx(log_p[[0, 3, 7, 7, 60]].mean(), abs=1e-5)
    # probabilities of all visible states sum to one
    assert np.exp(log_p).sum() == pytest.approx(1.0, abs=1e-9)


def test_exact_log_partition_refuses_too_many_hidden_units():
    rbm = RBM(np.zeros((4, 25)), np.zeros(4), np.zeros(25))
    with pytest.raises(ValueError, match="n_hidden <= 24"):
        exact_log_partition(rbm)


def test_pseudo_log_likelihood_sums_every_pixel_conditional():
    rbm = tiny_rbm()
    V, H, E, log_z = joint(rbm)
    log_pv = np.log(np.exp(-E).sum(axis=1)) - log_z
    index = {tuple(v): k for k, v in enumerate(V)}
    rows = V[[1, 20, 45]]
    expected = []
    for v in rows:
        total = 0.0
        for i in range(len(v)):
            u = v.copy()
            u[i] = 1 - u[i]
            a, b = log_pv[index[tuple(v)]], log_pv[index[tuple(u)]]
            total += a - np.logaddexp(a, b)
        expected.append(total)
    assert pseudo_log_likelihood(rbm, rows) == pytest.approx(np.mean(expected), abs=1e-4)


def test_methods_do_not_mutate_inputs():
    rbm = tiny_rbm()
    v = all_states(6)[:10].astype(np.float32)
    keep = v.copy()
    rng = np.random.default_rng(0)
    rbm.hidden_probs(v), rbm.free_energy(v), rbm.reconstruct(v, rng), rbm.gibbs_chain(v, 3, rng)
    rbm.averaged_reconstruction(v, 5, rng), pseudo_log_likelihood(rbm, v)
    np.testing.assert_array_equal(v, keep)


def test_rejects_inconsistent_shapes():
    with pytest.raises(ValueError):
        RBM(np.zeros((4, 3)), np.zeros(5), np.zeros(3))
    with pytest.raises(ValueError):
        RBM(np.zeros((4, 3)), np.zeros(4), np.zeros(3), image_shape=(3, 3))
    rbm = RBM(np.zeros((4, 3)), np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="expected 4 visible units"):
        rbm.hidden_probs(np.zeros((2, 5)))

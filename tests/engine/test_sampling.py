"""Sampling checked statistically against the exact distributions of tiny models."""

import itertools

import numpy as np

from rbm_gui.engine.rbm import RBM


def tiny_rbm(nv=4, nh=3, seed=1):
    rng = np.random.default_rng(seed)
    return RBM(rng.normal(0, 1, (nv, nh)), rng.normal(0, 0.5, nv), rng.normal(0, 0.5, nh), image_shape=(2, nv // 2))


def test_hidden_samples_have_the_conditional_mean():
    rbm = tiny_rbm()
    v = np.array([[1, 0, 1, 1]] * 40_000, dtype=np.float32)
    p = rbm.hidden_probs(v[:1])[0]
    h = rbm.sample_hidden(v, np.random.default_rng(0))
    assert h.dtype == bool
    se = np.sqrt(p * (1 - p) / len(v))
    assert np.all(np.abs(h.mean(axis=0) - p) < 5 * se)


def test_long_gibbs_chains_visit_states_with_their_probabilities():
    rbm = tiny_rbm()
    V = np.array(list(itertools.product([0, 1], repeat=4)), dtype=np.float64)
    p_v = np.exp(-rbm.free_energy(V))
    p_v /= p_v.sum()
    rng = np.random.default_rng(1)
    chain = rbm.gibbs_chain(np.zeros((200, 4)), 300, rng)
    states = chain.visible_samples[50:].reshape(-1, 4)        # drop burn-in
    codes = states @ (2 ** np.arange(3, -1, -1))
    freq = np.bincount(codes, minlength=16) / len(codes)
    assert 0.5 * np.abs(freq - p_v).sum() < 0.02              # total variation distance


def test_gibbs_chain_shapes_and_start():
    rbm = tiny_rbm()
    start = np.array([[1, 0, 0, 1], [0, 1, 1, 0]], dtype=np.float32)
    chain = rbm.gibbs_chain(start, 5, np.random.default_rng(0))
    assert chain.visible_probs.shape == (6, 2, 4) and chain.visible_samples.shape == (6, 2, 4)
    np.testing.assert_array_equal(chain.visible_samples[0], start.astype(bool))


def test_gibbs_chain_is_a_loop_of_gibbs_steps():
    rbm = tiny_rbm()
    start = np.ones((3, 4), np.float32)
    chain = rbm.gibbs_chain(start, 4, np.random.default_rng(7))
    rng, v = np.random.default_rng(7), start
    for t in range(1, 5):
        p, v = rbm.gibbs_step(v, rng)
        np.testing.assert_array_equal(p, chain.visible_probs[t])
        np.testing.assert_array_equal(v, chain.visible_samples[t])


def test_averaged_reconstruction_converges_to_the_conditional_mean():
    rbm = tiny_rbm(nv=6, nh=4)
    v = np.array([[1, 1, 0, 0, 1, 0]], dtype=np.float32)
    H = np.array(list(itertools.product([0, 1], repeat=4)), dtype=np.float64)
    ph = rbm.hidden_probs(v)[0].astype(np.float64)
    p_h = np.prod(np.where(H == 1, ph, 1 - ph), axis=1)
    exact = p_h @ rbm.visible_probs(H)                         # E[v' | v]
    rng = np.random.default_rng(3)
    errors = [np.abs(rbm.averaged_reconstruction(v, n, rng)[0] - exact).max() for n in (10, 1000, 100_000)]
    assert errors[2] < errors[0]
    assert errors[2] < 0.01

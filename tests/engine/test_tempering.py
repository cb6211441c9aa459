"""Parallel tempering: the shown chains sample the exact distribution; swap rates; same seed, same frames."""

import itertools

import numpy as np
import pytest

from rbm_gui.engine.dream import DreamChains
from rbm_gui.engine.numerics import softplus
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.steer import Controls, steered_step
from rbm_gui.engine.tempering import ladder


def bimodal_rbm(n_labels=0):
    """6 pixels, 2 hidden units: two strong modes (pixels 0-2 on, or 3-5 on) that plain Gibbs rarely leaves."""
    W = np.zeros((6, 2))
    W[:3, 0] = W[3:, 1] = 6.0
    W[:3, 1] = W[3:, 0] = -6.0
    labels = {}
    if n_labels:
        labels = {"U": np.array([[1.0, -1.0], [-1.0, 1.0], [0.0, 0.0]]), "d": np.array([0.0, 0.2, -0.3])}
    return RBM(W, np.full(6, -3.0), np.array([-3.0, -3.0]), (2, 3), **labels)


def exact_visible(rbm, T=1.0, label=None, clamp=None, clamp_values=None):
    """P_T(v) over all 2^6 visibles (given the clamped pixels and label), by enumeration."""
    states = np.array(list(itertools.product((0, 1), repeat=rbm.n_visible)), dtype=np.float64)
    if clamp is not None:
        states = states[(states[:, clamp] == clamp_values[clamp]).all(1)]
    x = states @ rbm.W.astype(np.float64) + rbm.c
    if label is not None:
        x += rbm.U[label]
    log_p = (states @ rbm.b + (0 if label is None else rbm.d[label])) / T + softplus(x / T).sum(1)
    p = np.exp(log_p - log_p.max())
    return states, p / p.sum()


def empirical(chains, states, steps):
    code = 2 ** np.arange(states.shape[1])
    where = np.full(2 ** states.shape[1], -1)
    where[states.astype(int) @ code] = np.arange(len(states))
    seen = []
    for _ in range(steps):
        chains.step()
        seen.append(chains.samples.astype(int) @ code)
    idx = where[np.concatenate(seen)]
    assert (idx >= 0).all()                    # never a state outside the clamp
    return np.bincount(idx, minlength=len(states)) / idx.size


def test_ladder():
    t = ladder(1.0, 4, 8.0)
    assert np.allclose(t, [1, 2, 4, 8])
    assert ladder(0.5, 2)[0] == 0.5 and ladder(0.5, 2)[1] > 0.5
    with pytest.raises(ValueError, match="2..32"):
        ladder(1.0, 33)
    with pytest.raises(ValueError, match="above"):
        ladder(2.0, 3, 1.5)


def test_tempered_chains_sample_the_exact_distribution_and_plain_gibbs_sticks():
    rbm = bimodal_rbm()
    states, exact = exact_visible(rbm)
    start = np.tile([1, 1, 1, 0, 0, 0], (16, 1)).astype(np.float32)      # all chains in one mode
    pt = DreamChains(rbm, start, 0, tempering=6, hottest=6.0)
    got = empirical(pt, states, 1200)
    assert 0.5 * np.abs(got - exact).sum() < 0.05
    rates = pt.swap_rates
    assert rates.shape == (5,) and ((rates > 0) & (rates <= 1)).all()
    assert pt.temperatures[0] == 1.0 and np.isclose(pt.temperatures[-1], 6.0)
    plain = DreamChains(rbm, start, 0)
    assert 0.5 * np.abs(empirical(plain, states, 1200) - exact).sum() > 0.3     # stuck in the first mode


def test_tempering_with_label_pixel_clamp_and_temperature_is_exact():
    rbm = bimodal_rbm(n_labels=3)
    mask = np.array([True, False, False, False, False, True])
    start = np.tile([1, 0, 0, 0, 0, 0], (16, 1)).astype(np.float32)
    states, exact = exact_visible(rbm, T=1.3, label=1, clamp=mask, clamp_values=start[0])
    for temper_label in (True, False):         # the label tempered with the rest, or kept at T (default)
        chains = DreamChains(rbm, start, 4, label=1, clamp=mask, temperature=1.3, tempering=4, hottest=5.0,
                             temper_label=temper_label)
        got = empirical(chains, states, 1200)
        assert 0.5 * np.abs(got - exact).sum() < 0.05
    # label strength a: the exact distribution of the model whose U[label] is a times larger
    sharp = RBM(rbm.W, rbm.b, rbm.c, rbm.image_shape, U=rbm.U * 3.0, d=rbm.d)
    states, exact = exact_visible(rbm, label=1)
    _, exact3 = exact_visible(sharp, label=1)
    assert 0.5 * np.abs(exact3 - exact).sum() > 0.1
    chains.set_clamp(None)
    chains.set_temperature(1.0)
    chains.set_label(1, strength=3.0)
    chains.reset()
    assert chains.label_strength == 3.0
    assert 0.5 * np.abs(empirical(chains, states, 1200) - exact3).sum() < 0.05
    assert chains.label_probs.shape == (16, 3)


def test_hot_replicas_keep_the_clamped_label_at_the_shown_temperature():
    rng = np.random.default_rng(0)
    rbm = RBM(rng.normal(0, 1, (6, 4)), rng.normal(0, 0.5, 6), rng.normal(0, 0.5, 4), (2, 3),
              U=rng.normal(0, 2, (3, 4)), d=rng.normal(0, 0.5, 3))
    v = rng.random((4, 6)) < 0.5
    beta = np.array([[1.0], [1.0], [0.25], [0.25]], dtype=np.float32)
    controls = Controls(label=2, label_strength=3.0, temperature=1.0)
    res = steered_step(rbm, v, np.random.default_rng(5), controls, beta=beta, energy=True, label_beta=1.0)
    x = v.astype(np.float64) @ rbm.W + rbm.c
    for kept, label_x in ((True, 3.0 * rbm.U[2]), (False, beta * 3.0 * rbm.U[2])):   # kept at T=1 / tempered
        ph = 1 / (1 + np.exp(-(beta * x + label_x)))
        h = (np.random.default_rng(5).random(ph.shape, dtype=np.float32) < ph).astype(np.float64)
        if kept:
            assert np.allclose(res.x_v, h @ rbm.W.T + rbm.b, atol=1e-5)
            # the swap energy leaves out the label's term: it is the same in every replica
            assert np.allclose(res.energy, -(res.v_in * (h @ rbm.W.T + rbm.b)).sum(1) - h @ rbm.c, atol=1e-4)
        else:                                  # the hot rows would have drawn other hidden states
            assert not np.allclose(res.x_v[2:], (h @ rbm.W.T + rbm.b)[2:], atol=1e-5)


def test_free_labels_with_tempering_match_the_joint():
    rbm = bimodal_rbm(n_labels=3)
    states, _ = exact_visible(rbm)
    # P(v) with the label summed out
    p = sum(exact_visible(rbm, label=k)[1] * np.exp(_log_z(rbm, k)) for k in range(3))
    p /= p.sum()
    chains = DreamChains(rbm, np.tile([1, 1, 1, 0, 0, 0], (16, 1)), 2, tempering=6, hottest=6.0)
    assert 0.5 * np.abs(empirical(chains, states, 1200) - p).sum() < 0.05


def _log_z(rbm, k):
    states = np.array(list(itertools.product((0, 1), repeat=rbm.n_visible)), dtype=np.float64)
    x = states @ rbm.W.astype(np.float64) + rbm.c + rbm.U[k]
    log_p = states @ rbm.b + rbm.d[k] + softplus(x).sum(1)
    m = log_p.max()
    return m + np.log(np.exp(log_p - m).sum())


def test_same_seed_same_frames_and_reset():
    rbm = bimodal_rbm()
    start = np.random.default_rng(0).random((5, 6))
    a, b = DreamChains(rbm, start, 7, tempering=3), DreamChains(rbm, start, 7, tempering=3)
    a.step(40)
    b.step(40)
    assert np.array_equal(a.probs, b.probs) and np.array_equal(a.swap_rates, b.swap_rates)
    first = a.probs.copy()
    a.reset()
    assert a.step_count == 0 and np.array_equal(a.swap_rates, np.zeros(2))
    a.step(40)
    assert np.array_equal(a.probs, first)
    assert DreamChains(rbm, start, 7).swap_rates is None and DreamChains(rbm, start, 7).temperatures is None

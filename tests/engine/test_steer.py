"""Steered dreams: label clamp, pixel clamp, temperature and their controls on DreamChains."""

import numpy as np
import pytest

from rbm_gui.engine.dream import DreamChains
from rbm_gui.engine.dream_frames import dream_frames
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.steer import Controls, check_controls, clamp_mask, steered_step


def random_rbm(nv=16, nh=8, n_labels=0, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    labels = {}
    if n_labels:
        labels = {"U": rng.normal(0, scale, (n_labels, nh)), "d": rng.normal(0, 0.5, n_labels)}
    return RBM(rng.normal(0, scale, (nv, nh)), rng.normal(0, 0.5, nv), rng.normal(0, 0.5, nh), (4, nv // 4), **labels)


@pytest.fixture
def starts():
    return (np.random.default_rng(1).random((6, 16)) < 0.5).astype(np.float32)


def test_temperature_one_without_controls_is_todays_dream(starts):
    rbm = random_rbm()
    ref = rbm.gibbs_chain(starts, 20, np.random.default_rng(3))
    chains = DreamChains(rbm, starts, 3, temperature=1.0, clamp=np.zeros(16, bool), tempering=1)
    for t in range(1, 21):
        chains.step()
        assert np.array_equal(chains.probs, ref.visible_probs[t]) and np.array_equal(chains.samples, ref.visible_samples[t])


def test_clamped_pixels_never_change(starts):
    rbm = random_rbm()
    grey = starts.copy()
    grey[:, 0] = 0.3                                   # a grey start pixel stays grey in probs
    mask = clamp_mask("top", (4, 4))
    for kw in ({}, {"temperature": 2.5}, {"tempering": 3}):
        chains = DreamChains(rbm, grey, 5, clamp=mask, **kw)
        free_changed = False
        for _ in range(30):
            chains.step()
            assert np.array_equal(chains.probs[:, mask], grey[:, mask])
            assert np.array_equal(chains.samples[:, mask], grey[:, mask] >= 0.5)
            free_changed |= not np.array_equal(chains.samples[:, ~mask], starts[:, ~mask] >= 0.5)
        assert free_changed


def test_clamp_masks_and_bad_controls():
    assert clamp_mask("top", (28, 28)).reshape(28, 28)[:14].all() and not clamp_mask("top", (28, 28)).reshape(28, 28)[14:].any()
    assert clamp_mask("right", (4, 5)).reshape(4, 5)[:, 3:].all() and clamp_mask("left", (4, 5)).sum() == 8
    assert clamp_mask("bottom", (5, 2)).reshape(5, 2)[3:].all() and clamp_mask("bottom", (5, 2)).sum() == 4
    rbm, lab = random_rbm(), random_rbm(n_labels=3)
    with pytest.raises(ValueError, match="labelled model"):
        check_controls(rbm, 2, None, 1.0)
    with pytest.raises(ValueError, match="0..2"):
        check_controls(lab, 3, None, 1.0)
    with pytest.raises(ValueError, match="pixels"):
        check_controls(rbm, None, np.ones(15, bool), 1.0)
    with pytest.raises(ValueError, match="boolean"):
        check_controls(rbm, None, np.ones(16), 1.0)
    for t in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature"):
            check_controls(rbm, None, None, t)
    with pytest.raises(ValueError, match="clamp side"):
        clamp_mask("middle", (4, 4))
    with pytest.raises(ValueError, match="labelled"):
        DreamChains(rbm, np.zeros((1, 16)), label=1)


def test_temperature_divides_every_preactivation():
    """A one-visible one-hidden model: P(v=1) at temperature T is the exact marginal of exp(-E/T)."""
    rbm = RBM(np.array([[2.0]]), np.array([-1.0]), np.array([0.5]), (1, 1))
    for T in (0.5, 1.0, 3.0):
        states = [(v, h) for v in (0, 1) for h in (0, 1)]
        w = np.array([np.exp((2.0 * v * h - v + 0.5 * h) / T) for v, h in states])
        exact = (w[2] + w[3]) / w.sum()
        chains = DreamChains(rbm, np.zeros((16, 1)), 0, temperature=T, max_chains=16)
        on = []
        for _ in range(3000):
            chains.step()
            on.append(chains.samples.mean())
        assert abs(np.mean(on) - exact) < 0.02, (T, np.mean(on), exact)


def test_label_clamp_feeds_u_and_keeps_the_label(starts):
    rbm = random_rbm(n_labels=3, scale=2.0)
    v = starts >= 0.5
    res = steered_step(rbm, v, np.random.default_rng(0), Controls(label=2))
    assert (res.y == np.eye(3, dtype=np.float32)[2]).all()
    # the hidden draw uses P(h | v, y=2): redo it with the same generator and compare
    ph = rbm.hidden_probs(v, np.eye(3)[[2] * 6])
    h = np.random.default_rng(0).random(ph.shape, dtype=np.float32) < ph
    assert np.allclose(res.x_v, h.astype(np.float32) @ rbm.W.T + rbm.b, atol=1e-5)
    chains = DreamChains(rbm, starts, 1, label=1)
    chains.step(5)
    assert chains.label_probs.shape == (6, 3) and np.allclose(chains.label_probs.sum(1), 1, atol=1e-5)
    assert np.allclose(chains.label_probs, rbm.label_probs(chains.samples), atol=1e-6)
    assert DreamChains(random_rbm(), starts).label_probs is None


def test_free_labels_are_sampled_from_their_conditional():
    """A labelled model with no pixels coupling: the free label's frequencies match P(y) exactly."""
    rng = np.random.default_rng(0)
    U, d = rng.normal(0, 1.5, (3, 2)), np.array([0.3, -0.2, 0.5])
    rbm = RBM(np.zeros((4, 2)), np.zeros(4), np.array([0.2, -0.4]), (2, 2), U=U, d=d)
    states = [(y, h1, h2) for y in range(3) for h1 in (0, 1) for h2 in (0, 1)]
    w = np.array([np.exp(d[y] + 0.2 * a - 0.4 * b + U[y] @ [a, b]) for y, a, b in states])
    exact = np.array([w[4 * y:4 * y + 4].sum() for y in range(3)]) / w.sum()
    rbm_v = rbm
    y = rbm_v.label_probs(np.zeros((16, 4)))
    counts = np.zeros(3)
    g = np.random.default_rng(1)
    for _ in range(2000):
        res = steered_step(rbm_v, np.zeros((16, 4), bool), g, Controls(), y=y)
        y = res.y
        counts += y.sum(0)
    assert np.allclose(counts / counts.sum(), exact, atol=0.02)


def test_controls_change_live_and_same_seed_same_frames(starts):
    rbm = random_rbm(n_labels=3)
    a = DreamChains(rbm, starts, 9)
    b = DreamChains(rbm, starts, 9)
    for chains in (a, b):
        chains.step(3)
        chains.set_label(1)
        chains.set_clamp(clamp_mask("left", (4, 4)))
        chains.set_temperature(1.7)
        chains.step(4)
        assert chains.step_count == 7
        chains.set_tempering(3)
        chains.step(4)
        chains.set_label(None)
        chains.set_clamp(None)
        chains.set_tempering(None)
        chains.step(2)
    assert a.step_count == 13 and a.temperature == 1.7 and a.tempering is None
    assert np.array_equal(a.probs, b.probs) and np.array_equal(a.samples, b.samples)
    frames = [f for _, f in dream_frames(rbm, starts, 6, seed=2, label=0, temperature=0.8)]
    again = [f for _, f in dream_frames(rbm, starts, 6, seed=2, label=0, temperature=0.8)]
    other = [f for _, f in dream_frames(rbm, starts, 6, seed=3, label=0, temperature=0.8)]
    assert all(np.array_equal(x, y) for x, y in zip(frames, again)) and not np.array_equal(frames[-1], other[-1])


def test_wander_moves_chains_between_the_modes_of_a_sticky_model():
    # two modes: pixels 0-7 on with hidden unit 0, or pixels 8-15 on with hidden unit 1
    w = np.zeros((16, 2))
    w[:8, 0] = w[8:, 1] = 3.0
    w[8:, 0] = w[:8, 1] = -3.0
    rbm = RBM(w, np.zeros(16), np.full(2, -12.0), (4, 4))
    start = np.zeros((16, 16), np.float32)
    start[:, :8] = 1

    def switches(strength):
        chains, side = DreamChains(rbm, start, 0, wander=strength), []
        for _ in range(500):
            chains.step()
            side.append(chains.samples[:, :8].sum(1) > chains.samples[:, 8:].sum(1))
        return int((np.diff(np.array(side), axis=0) != 0).sum())
    plain, wander = switches(0), switches(3.0)
    assert wander > 2 * plain, (plain, wander)


def test_wander_pushes_only_the_hidden_side_so_frames_are_the_models_own_p_v_given_h(starts):
    from rbm_gui.engine.wander import FastBiases
    rbm = random_rbm(scale=2.0)
    fast = FastBiases(starts.shape[0], rbm.n_hidden, 10.0)
    fast.hidden[:] = -1e4                       # every hidden unit pushed off: h = 0
    res = steered_step(rbm, starts, np.random.default_rng(0), Controls(), fast=fast)
    assert np.allclose(res.probs, 1 / (1 + np.exp(-rbm.b)), atol=1e-6)      # P(v | h=0): no visible push
    fast.hidden[:] = 1e4                        # pushed on: h = 1
    res = steered_step(rbm, starts, np.random.default_rng(0), Controls(), fast=fast)
    assert np.allclose(res.probs, 1 / (1 + np.exp(-(rbm.W.sum(1) + rbm.b))), atol=1e-5)


def test_data_exports_may_have_more_chains_than_pictures():
    rbm = random_rbm()
    with pytest.raises(ValueError, match="1..16"):
        DreamChains(rbm, np.zeros((17, 16)))
    chains = DreamChains(rbm, np.zeros((300, 16)), 0, max_chains=10_000)
    chains.step(2)
    assert chains.probs.shape == (300, 16)


def test_wander_pushes_chains_away_and_is_off_at_zero(starts):
    rbm = random_rbm(scale=2.0)
    ref = rbm.gibbs_chain(starts, 10, np.random.default_rng(3))
    off = DreamChains(rbm, starts, 3, wander=0)
    off.step(10)
    assert np.array_equal(off.probs, ref.visible_probs[-1])
    a, b = DreamChains(rbm, starts, 3, wander=1.0), DreamChains(rbm, starts, 3, wander=1.0)
    a.step(10)
    b.step(10)
    assert np.array_equal(a.probs, b.probs)
    # a hidden unit that stays on gets a lower and lower fast bias
    from rbm_gui.engine.wander import DECAY, RATE, FastBiases
    fast = FastBiases(1, 8)
    for _ in range(3):
        fast.update(np.ones((1, 8), bool))
    assert np.allclose(fast.hidden, -RATE * (1 + DECAY + DECAY ** 2))
    fast.update(np.zeros((1, 8), bool))
    assert np.allclose(fast.hidden, -RATE * (DECAY + DECAY ** 2 + DECAY ** 3))
    with pytest.raises(ValueError, match="do not combine"):
        DreamChains(rbm, starts, wander=1.0, tempering=3)
    with pytest.raises(ValueError, match="do not combine"):
        a.set_tempering(4)
    with pytest.raises(ValueError, match="between 0 and 10"):
        a.set_wander(-1)
    a.set_wander(0)
    a.set_tempering(3)
    assert a.wander == 0 and a.tempering == 3
    a.set_tempering(None)
    a.set_wander(2.0)
    a.reset()
    a.step(10)
    b.reset()
    b.set_wander(2.0)
    b.step(10)
    assert np.array_equal(a.probs, b.probs)


def test_completion_is_the_mean_of_p_v_given_h_after_the_burn_in(starts):
    from rbm_gui.engine.dream import MEAN_FROM
    rbm, mask = random_rbm(), clamp_mask("top", (4, 4))
    grey = starts.copy()
    grey[:, 0] = 0.3
    chains = DreamChains(rbm, grey, 2, clamp=mask, tempering=3)
    probs = []
    for _ in range(MEAN_FROM + 20):
        chains.step()
        probs.append(chains.probs.copy())
        if chains.step_count <= MEAN_FROM:
            assert np.array_equal(chains.completion, chains.probs)        # burning in: the current frame
    want = np.mean(probs[MEAN_FROM:], axis=0)
    got = chains.completion
    assert np.allclose(got, want, atol=1e-6) and np.array_equal(got[:, mask], grey[:, mask])
    assert np.array_equal(chains.images("mean"), got.reshape(-1, 4, 4))
    chains.set_clamp(clamp_mask("bottom", (4, 4)))        # a new inpainting: a new burn-in and mean
    chains.step()
    assert np.array_equal(chains.completion, chains.probs)
    chains.reset()
    assert chains.step_count == 0 and np.array_equal(chains.completion, grey)

"""Dream chains: start digits, step-wise chains, frames equal to RBM.gibbs_chain for the same seed."""

import numpy as np
import pytest

from rbm_gui.engine.dream import DreamChains, start_digits
from rbm_gui.engine.dream_frames import dream_frames, n_dream_frames


def test_given_labels_pick_digits_of_those_classes(test_digits):
    images, labels = test_digits
    flat = images.reshape(len(images), -1)
    wanted = [6, 4, 4, 0, 5, 4, 9, 2]
    s = start_digits(flat, labels, "given", wanted, rng=np.random.default_rng(1))
    assert s.shape == (8, 784) and s.dtype == np.float32
    assert set(np.unique(s)) <= {0.0, 1.0}
    binary = flat >= 128
    for row, lab in zip(s, wanted):
        matches = np.flatnonzero((binary == row.astype(bool)).all(axis=1))
        assert matches.size and labels[matches[0]] == lab
    assert not np.array_equal(s[1], s[2])          # repeated label -> distinct digits
    again = start_digits(flat, labels, "given", wanted, rng=np.random.default_rng(1))
    assert np.array_equal(s, again)


def test_per_class_cycles_through_classes(test_digits):
    images, labels = test_digits
    flat = images.reshape(len(images), -1)
    s = start_digits(flat, labels, "per-class", n_chains=12, rng=np.random.default_rng(0))
    binary = flat >= 128
    got = [labels[np.flatnonzero((binary == r.astype(bool)).all(axis=1))[0]] for r in s]
    assert got == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


def test_other_modes_and_errors(test_digits):
    images, labels = test_digits
    flat = images.reshape(len(images), -1)
    noise = start_digits(flat, None, "random-noise", n_chains=3, rng=np.random.default_rng(0))
    assert noise.shape == (3, 784) and 0.4 < noise.mean() < 0.6
    idx = start_digits(flat, None, "indices", [0, 5])
    assert np.array_equal(idx, (flat[[0, 5]] >= 128).astype(np.float32))
    with pytest.raises(ValueError, match="label 7"):
        start_digits(flat[labels != 7], labels[labels != 7], "given", [7])
    with pytest.raises(ValueError, match="1..16"):
        start_digits(flat, labels, "per-class", n_chains=17)
    with pytest.raises(ValueError, match="out of range"):
        start_digits(flat, labels, "indices", [5000])
    with pytest.raises(ValueError, match="unknown start mode"):
        start_digits(flat, labels, "drawn")


def test_dream_chains_match_gibbs_chain(rbm10, starts8):
    ref = rbm10.gibbs_chain(starts8, 30, np.random.default_rng(7))
    chains = DreamChains(rbm10, starts8, seed=7)
    assert chains.step_count == 0 and np.array_equal(chains.probs, ref.visible_probs[0])
    chains.step()
    chains.step(9)
    assert chains.step_count == 10
    assert np.array_equal(chains.probs, ref.visible_probs[10])
    assert np.array_equal(chains.samples, ref.visible_samples[10])
    chains.reset()
    chains.step(30)
    assert np.array_equal(chains.probs, ref.visible_probs[30])
    assert chains.images("samples").shape == (8, 28, 28)


def test_dream_frames_equal_gibbs_chain_states(rbm10, starts8):
    ref = rbm10.gibbs_chain(starts8, 12, np.random.default_rng(5))
    frames = list(dream_frames(rbm10, starts8, 12, seed=5))
    assert [s for s, _ in frames] == list(range(13)) == list(range(n_dream_frames(12)))
    for step, img in frames:
        assert img.shape == (8, 28, 28) and img.dtype == np.float32
        assert np.array_equal(img.reshape(8, -1), ref.visible_probs[step])
    every = list(dream_frames(rbm10, starts8, 12, seed=5, every=4, show="samples"))
    assert [s for s, _ in every] == [0, 4, 8, 12] and len(every) == n_dream_frames(12, 4)
    for step, img in every:
        assert np.array_equal(img.reshape(8, -1), ref.visible_samples[step])


def test_set_model_continues_with_the_new_model(rbm10, starts8):
    other = rbm10.copy()
    other.W *= 0.5
    chains = DreamChains(rbm10, starts8, seed=2)
    chains.step(3)
    chains.set_model(other.snapshot())
    chains.step(1)
    # by hand: the same generator, three steps of the old model then one of the new
    rng = np.random.default_rng(2)
    v = starts8
    for _ in range(3):
        _, v = rbm10.gibbs_step(v, rng)
    p, v = other.gibbs_step(v, rng)
    assert chains.step_count == 4 and np.array_equal(chains.probs, p)
    with pytest.raises(ValueError, match="visible units"):
        from rbm_gui.engine.rbm import RBM
        chains.set_model(RBM(np.zeros((4, 2)), np.zeros(4), np.zeros(2)))

"""Training a labelled RBM: the hybrid gradient's math, shapes, determinism, labels kept with their
images, divergence, and a real (small) run that classifies MNIST clearly above chance."""

import numpy as np
import pytest

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset
from rbm_gui.engine.divergence import TrainingDiverged
from rbm_gui.engine.labelled_training import LabelledTrainer, trainer_for
from rbm_gui.engine.labelled_update import discriminative_gradient, sample_softmax, shifted
from rbm_gui.engine.monitor import label_accuracy
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.training import Trainer


def mean_log_p(W, c, U, d, v, y):
    """mean_n log P(y_n|v_n) in float64, written out independently of the engine."""
    o = (v @ W + c)[:, None, :] + U[None]
    scores = np.logaddexp(0, o).sum(axis=2) + d
    m = scores.max(axis=1, keepdims=True)
    log_norm = m[:, 0] + np.log(np.exp(scores - m).sum(axis=1))
    return float(np.mean(scores[np.arange(len(v)), y] - log_norm))


def test_discriminative_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    nv, nh, K, B = 6, 5, 3, 7
    params = [rng.normal(0, 0.7, s) for s in ((nv, nh), (nh,), (K, nh), (K,))]
    v = (rng.random((B, nv)) < 0.5).astype(np.float64)
    y = rng.integers(0, K, B)
    grads, p = discriminative_gradient(*params, v, y)
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-12)
    analytic = {"W": grads.W, "c": grads.c, "U": grads.U, "d": grads.d}
    eps = 1e-6
    for name, k in zip(("W", "c", "U", "d"), range(4)):
        num = np.zeros_like(params[k])
        for i in np.ndindex(params[k].shape):
            plus = [a.copy() for a in params]
            minus = [a.copy() for a in params]
            plus[k][i] += eps
            minus[k][i] -= eps
            num[i] = (mean_log_p(*plus, v, y) - mean_log_p(*minus, v, y)) / (2 * eps)
        np.testing.assert_allclose(analytic[name], num, rtol=1e-5, atol=1e-8, err_msg=name)
    assert np.abs(grads.b).max() == 0     # the visible biases do not enter P(y|v)


def test_softmax_draws_follow_the_probabilities():
    rng = np.random.default_rng(1)
    logits = np.tile(np.log(np.array([0.1, 0.6, 0.3], np.float32)), (20000, 1))
    p, idx = sample_softmax(logits.copy(), rng)
    np.testing.assert_allclose(p[0], [0.1, 0.6, 0.3], rtol=1e-5)
    freq = np.bincount(idx, minlength=3) / len(idx)
    np.testing.assert_allclose(freq, [0.1, 0.6, 0.3], atol=0.015)


@pytest.fixture(scope="module")
def digits():
    ds = load_dataset("mnist-sample", "train")
    rng = np.random.default_rng(0)
    pick = rng.choice(ds.n, 1000, replace=False)
    test = load_dataset("mnist-sample", "test")
    return ds.binarize(128)[pick], ds.labels[pick], test.binarize(128)[:2000], test.labels[:2000]


def small_config(**kw):
    return TrainingConfig(**{"n_hidden": 30, "epochs": 3, "batch_size": 20, "labels": True, "seed": 5, **kw})


def test_labelled_training_shapes_determinism_and_accuracy(digits):
    X, y, Xt, yt = digits
    runs = []
    for _ in range(2):
        t = LabelledTrainer.create(X, y, small_config(), (28, 28))
        for _ in range(3):
            t.run_epoch()
        runs.append(t.rbm)
    rbm = runs[0]
    assert rbm.U.shape == (10, 30) and rbm.d.shape == (10,) and rbm.U.dtype == np.float32
    for a, b in zip(runs[0].parameters(), runs[1].parameters()):
        assert np.array_equal(a, b)        # same seed, same data: the same weights
    p = rbm.label_probs(Xt[:50])
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-5)
    assert label_accuracy(rbm, Xt, yt) > 0.5       # chance is 0.1


def test_other_seed_gives_other_weights(digits):
    X, y, _, _ = digits
    a = LabelledTrainer.create(X, y, small_config(epochs=1), (28, 28))
    b = LabelledTrainer.create(X, y, small_config(epochs=1, seed=6), (28, 28))
    a.step(), b.step()
    assert not np.array_equal(a.rbm.U, b.rbm.U)


@pytest.mark.parametrize("kw, least", [(dict(pcd=False, cd_k=2, centering=False, discriminative_weight=5.0), 0.15),     # uncentred: slower
                                       (dict(discriminative_weight=0.0, sparsity_target=0.0), 0.15),     # purely generative: slower
                                       (dict(sparsity_target=0.1, sparsity_cost=0.1, weight_decay=0.0), 0.3),
                                       (dict(pcd=False, shift_pixels=2), 0.15)])
def test_the_other_settings_train_too(digits, kw, least):
    X, y, Xt, yt = digits
    t = LabelledTrainer.create(X, y, small_config(**kw), (28, 28))
    t.run_epoch()
    assert t.rbm.is_finite() and label_accuracy(t.rbm, Xt, yt) > least


def test_labels_travel_with_their_images():
    # the label is a function of the image (which half is lit): learnable only if the trainer
    # keeps each label with its own image through the shuffles
    rng = np.random.default_rng(2)
    n = 400
    y = rng.integers(0, 2, n)
    X = (rng.random((n, 20)) < 0.1)
    X[y == 0, :10] |= rng.random(((y == 0).sum(), 10)) < 0.8
    X[y == 1, 10:] |= rng.random(((y == 1).sum(), 10)) < 0.8
    cfg = TrainingConfig(n_hidden=8, epochs=5, batch_size=20, labels=True, seed=1)
    good = LabelledTrainer.create(X, y, cfg, (4, 5))
    bad = LabelledTrainer.create(X, rng.permutation(y), cfg, (4, 5))
    for t in (good, bad):
        for _ in range(5):
            t.run_epoch()
    assert label_accuracy(good.rbm, X, y) > 0.95
    assert label_accuracy(bad.rbm, X, y) < 0.75


def test_trainer_create_dispatches_on_config_labels(digits):
    X, y, _, _ = digits
    assert isinstance(Trainer.create(X, small_config(), (28, 28), labels=y), LabelledTrainer)
    assert isinstance(Trainer.create(X, small_config(labels=False), (28, 28), labels=y), Trainer)
    with pytest.raises(ValueError, match="labels"):
        Trainer.create(X, small_config(), (28, 28))
    with pytest.raises(ValueError, match="labels must be 0..9"):
        LabelledTrainer(Trainer.create(X, small_config(), (28, 28), labels=y).rbm, X, y + 1, small_config())
    rbm = LabelledTrainer.create(X, y, small_config(), (28, 28)).rbm
    assert isinstance(trainer_for(rbm, X, small_config(), None, labels=y), LabelledTrainer)
    with pytest.raises(ValueError, match="label units"):
        trainer_for(rbm, X, small_config(), None)


def test_a_diverging_update_is_refused_and_leaves_the_parameters(digits):
    X, y, _, _ = digits
    t = LabelledTrainer.create(X, y, small_config(learning_rate=100.0, discriminative_weight=1000.0), (28, 28))
    with pytest.raises(TrainingDiverged, match="diverged"):
        for _ in range(50):
            before = [a.copy() for a in t.rbm.parameters()]
            t.step()
    assert t.diverged
    for a, b in zip(before, t.rbm.parameters()):
        assert np.array_equal(a, b)


def test_unlabelled_model_is_refused():
    rbm = RBM(np.zeros((4, 3)), np.zeros(4), np.zeros(3), (2, 2))
    with pytest.raises(ValueError, match="no label units"):
        LabelledTrainer(rbm, np.zeros((5, 4), bool), np.zeros(5, int), TrainingConfig(n_hidden=3))


def test_shifted_moves_each_digit_by_at_most_n_pixels_and_fills_with_zeros():
    rng = np.random.default_rng(4)
    v = (rng.random((300, 6 * 7)) < 0.5).astype(np.float32)
    assert shifted(v, (6, 7), 0, rng) is v
    out = shifted(v, (6, 7), 1, np.random.default_rng(9))
    assert out.shape == v.shape and out.dtype == v.dtype
    seen = set()
    for row, moved in zip(v.reshape(-1, 6, 7), out.reshape(-1, 6, 7)):
        # the one (dy, dx) in -1..1 whose zero-filled move of the input gives the output
        fits = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                if np.array_equal(moved, np.pad(row, 1)[1 - dy:7 - dy, 1 - dx:8 - dx])]
        assert fits
        seen.update(fits)
    assert len(seen) == 9               # all nine moves occur
    assert np.array_equal(out, shifted(v, (6, 7), 1, np.random.default_rng(9)))     # seeded


def test_shifts_change_the_labelled_training_only(digits):
    X, y, Xt, yt = digits
    t0 = LabelledTrainer.create(X, y, small_config(shift_pixels=0), (28, 28))
    t1 = LabelledTrainer.create(X, y, small_config(shift_pixels=1), (28, 28))
    t0.step(), t1.step()
    assert not np.array_equal(t0.rbm.U, t1.rbm.U)
    assert TrainingConfig(labels=True).shift_pixels == 1
    # the unlabelled trainer does not use it: bit-identical weights
    a = Trainer.create(X, small_config(labels=False, shift_pixels=0), (28, 28))
    b = Trainer.create(X, small_config(labels=False, shift_pixels=2), (28, 28))
    for t in (a, b):
        t.run_epoch()
    for p, q in zip(a.rbm.parameters(), b.rbm.parameters()):
        assert np.array_equal(p, q)


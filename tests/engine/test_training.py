"""CD-k / PCD training: the update equals the textbook formula, runs reproducibly, and stops on NaN."""

import numpy as np
import pytest

from rbm_gui.config import ConfigError, TrainingConfig
from rbm_gui.engine.metrics import reconstruction_errors
from rbm_gui.engine.numerics import sigmoid
from rbm_gui.engine import tuning
from rbm_gui.engine.training import Trainer, TrainingDiverged


def toy_data(n=64, nv=12, seed=0, dark=False):
    """Noisy copies of 3 random patterns; with ``dark``, the last 4 pixels always off."""
    rng = np.random.default_rng(seed)
    protos = rng.random((3, nv)) < 0.5
    noise = rng.random((n, nv)) < 0.1
    data = (protos[rng.integers(0, 3, n)] ^ noise).astype(np.uint8)
    if dark:
        data[:, -4:] = 0
    return data


@pytest.fixture(params=[False, True], ids=["all-rows", "lit-rows"])
def lit(request, monkeypatch):
    """Runs a test twice: as is (a toy model's products use all pixel rows), and with the
    products over visible units forced onto the rows of the pixels lit in the batch."""
    if request.param:
        monkeypatch.setattr(tuning, "LIT_MIN_HIDDEN", 1)
        monkeypatch.setattr(tuning, "LIT_MAX_FRACTION", 1.0)
    return request.param


def darken(data, trainer, lit):
    """With ``lit``: the last 4 pixels are never on in the data but often in the reconstructions
    (their visible bias 0), so the lit rows of v0 and v1 differ."""
    if lit:
        assert trainer._lit_limit
        assert not data[:, -4:].any()
        trainer.rbm.b[-4:] = 0.0


def assert_same_parameters(a, b, atol=0.0):
    for x, y in [(a.W, b.W), (a.b, b.b), (a.c, b.c)]:
        if atol:
            np.testing.assert_allclose(x, y, atol=atol)
        else:
            np.testing.assert_array_equal(x, y)


def step_until_diverged(t, match, max_steps):
    """Steps until TrainingDiverged; returns a copy of the model from before the failing step."""
    with pytest.raises(TrainingDiverged, match=match):
        for _ in range(max_steps):
            before = t.rbm.copy()
            t.step()
    assert t.rbm.is_finite() and t.diverged
    return before


def plain(**kw):
    base = dict(n_hidden=5, epochs=2, batch_size=16, learning_rate=0.1, momentum=0.0, initial_momentum=0.0,
                weight_decay=0.0, centering=False, lr_schedule="constant", seed=0, pcd=False)
    base.update(kw)
    return TrainingConfig(**base)


class StepBits:
    """The 16-bit uniforms of a trainer's next step, in the order the engine uses them: one block
    of raw 64-bit words from its bits generator, four int16 lanes per word (read with the
    prefetching helper off, so the generator's state is this step's)."""

    def __init__(self, trainer):
        feeder = trainer._feeder
        assert not feeder.threaded
        bg = type(feeder.bits)()
        bg.state = feeder.bits.state
        self.s, self.cursor = bg.random_raw(feeder.words).view(np.int16), 0

    def take(self, shape):
        n = shape[0] * shape[1]
        self.cursor += n
        return self.s[self.cursor - n:self.cursor].reshape(shape)


def bernoulli16(t, bits):
    """The engine's draw: 1 where a 16-bit uniform s (-32768..32767) < 32768 t, t = 2 p - 1."""
    return (bits.take(t.shape) < 32768 * t).astype(np.float32)


def reference_cd1(rbm, v0, bits, lr, mu=None, lam=None):
    """The CD-1 update written out plainly, drawing random numbers in the engine's order.

    Samples are columns here, as in the engine (the draws fill arrays of that shape), and
    t = tanh(x / 2) = 2 sigmoid(x) - 1 is the probability the draws compare with."""
    W, b, c = (a.astype(np.float32) for a in (rbm.W, rbm.b, rbm.c))
    v0 = v0.astype(np.float32).T
    t0 = np.tanh((W.T @ v0 + c[:, None]) * np.float32(0.5))
    h0 = bernoulli16(t0, bits)
    t1v = np.tanh(W @ (h0 * np.float32(0.5)) + (np.float32(0.5) * b)[:, None])
    v1 = bernoulli16(t1v, bits)
    t1 = np.tanh((W.T @ v1 + c[:, None]) * np.float32(0.5))
    ph0, ph1 = (1 + t0) / 2, (1 + t1) / 2
    m = v0.shape[1]
    mu = np.zeros(W.shape[0], np.float32) if mu is None else mu
    lam = np.zeros(W.shape[1], np.float32) if lam is None else lam
    dW = ((v0 - mu[:, None]) @ (ph0 - lam[:, None]).T - (v1 - mu[:, None]) @ (ph1 - lam[:, None]).T) / m
    db = (v0.sum(1) - v1.sum(1)) / m
    dc = (ph0.sum(1) - ph1.sum(1)) / m
    # centred steps converted to the standard parameters
    return W + lr * dW, b + lr * (db - dW @ lam), c + lr * (dc - mu @ dW)


@pytest.mark.parametrize("centering, batch", [(False, 64), (True, 64), (True, 2)])
def test_one_step_equals_the_cd1_formula(centering, batch, lit):
    # 2 x batch > n_hidden (64) and < n_hidden (2) take the two centring code paths
    data = toy_data(dark=lit)
    cfg = plain(batch_size=batch, centering=centering)
    trainer = Trainer.create(data, cfg, prefetch=False)
    darken(data, trainer, lit)
    before = trainer.rbm.copy()
    idx = trainer._order[:batch].copy()
    bits = StepBits(trainer)
    mu = data.mean(0).astype(np.float32) if centering else None
    lam = np.full(5, 0.5, np.float32) if centering else None
    W, b, c = reference_cd1(before, data[idx], bits, 0.1, mu, lam)
    trainer.step()
    np.testing.assert_allclose(trainer.rbm.W, W, atol=2e-6)
    np.testing.assert_allclose(trainer.rbm.b, b, atol=2e-6)
    np.testing.assert_allclose(trainer.rbm.c, c, atol=2e-6)


@pytest.mark.parametrize("centering", [False, True])
def test_the_short_last_batch_of_an_epoch_equals_the_cd1_formula(centering, lit):
    # 70 samples in batches of 64: the second step trains on the last 6 (a bias-gradient sign
    # bug once hid here: the +1/-1 halves of a short batch were taken from the full-size vector)
    data = toy_data(n=70, dark=lit)
    trainer = Trainer.create(data, plain(batch_size=64, centering=centering), prefetch=False)
    darken(data, trainer, lit)
    trainer.step()
    before = trainer.rbm.copy()
    idx = trainer._order[64:].copy()
    bits = StepBits(trainer)
    mu = data.mean(0).astype(np.float32) if centering else None
    lam = trainer.lam.copy() if centering else None
    W, b, c = reference_cd1(before, data[idx], bits, 0.1, mu, lam)
    info = trainer.step()
    assert info.epoch_ended and len(idx) == 6
    np.testing.assert_allclose(trainer.rbm.W, W, atol=2e-6)
    np.testing.assert_allclose(trainer.rbm.b, b, atol=2e-6)
    np.testing.assert_allclose(trainer.rbm.c, c, atol=2e-6)


@pytest.mark.parametrize("centering", [False, True])
@pytest.mark.parametrize("n_hidden", [5, 20])     # 20 takes the one-product path for P(h|v0), P(h|v1)
def test_one_pcd_step_equals_the_pcd1_formula(n_hidden, centering, lit):
    data = toy_data(dark=lit)
    trainer = Trainer.create(data, plain(batch_size=16, pcd=True, n_hidden=n_hidden, centering=centering),
                             prefetch=False)
    darken(data, trainer, lit)
    trainer.step()
    before = trainer.rbm.copy()
    h = 2 * trainer._chains[:n_hidden, :16]           # the chains' hidden states (columns), 0/1
    idx = trainer._order[16:32].copy()
    bits = StepBits(trainer)
    W, b, c = (a.astype(np.float32) for a in (before.W, before.b, before.c))
    v0 = data[idx].astype(np.float32).T
    v1 = bernoulli16(np.tanh((W @ h + b[:, None]) * np.float32(0.5)), bits)
    ph0 = sigmoid(W.T @ v0 + c[:, None])
    ph1 = sigmoid(W.T @ v1 + c[:, None])
    h_next = bernoulli16(2 * ph1 - 1, bits)
    mu = data.mean(0).astype(np.float32)[:, None] if centering else np.zeros((12, 1), np.float32)
    lam = trainer.lam.copy()[:, None] if centering else np.zeros((n_hidden, 1), np.float32)
    trainer.step()
    lr, m = 0.1, 16
    dW = ((v0 - mu) @ (ph0 - lam).T - (v1 - mu) @ (ph1 - lam).T) / m
    db = (v0.sum(1) - v1.sum(1)) / m - dW @ lam[:, 0]
    dc = (ph0.sum(1) - ph1.sum(1)) / m - mu[:, 0] @ dW
    np.testing.assert_allclose(trainer.rbm.W, W + lr * dW, atol=2e-6)
    np.testing.assert_allclose(trainer.rbm.b, b + lr * db, atol=2e-6)
    np.testing.assert_allclose(trainer.rbm.c, c + lr * dc, atol=2e-6)
    # the chains move on from P(h|v1) (a draw can flip where 32768 t sits within rounding of an integer)
    assert np.mean(2 * trainer._chains[:n_hidden, :16] != h_next) < 0.02


@pytest.mark.parametrize("kw", [dict(), dict(pcd=True), dict(pcd=True, momentum=0.0, initial_momentum=0.0,
                                weight_decay=0.0, centering=False), dict(cd_k=2, centering=False),
                                dict(sparsity_cost=0.01, sparsity_target=0.05), dict(stochastic=True)])
def test_products_over_the_lit_pixels_only_give_the_same_weights_on_mnist(kw, monkeypatch):
    from rbm_gui.data import load_dataset
    kw = dict(kw)
    stochastic = kw.pop("stochastic", False)        # grey levels, binarised afresh per batch
    ds = load_dataset("mnist-sample", "train")
    data = ds.images.reshape(len(ds.images), -1)[:330] if stochastic else ds.binarize(128)[:330]
    assert (data[:100] > 0).any(axis=0).mean() < 0.7     # a third of the pixels dark; 3 batches of 100, 1 of 30
    runs = []
    for min_hidden in (64, 10 ** 9):
        monkeypatch.setattr(tuning, "LIT_MIN_HIDDEN", min_hidden)
        t = Trainer.create(data, TrainingConfig(n_hidden=64, epochs=3, batch_size=100, seed=1, **kw),
                           stochastic=stochastic)
        assert bool(t._lit_limit) == (min_hidden == 64)
        W0 = t.rbm.W.copy()
        while not t.finished:
            t.step()
        runs.append(t.rbm)
    lit, full = runs
    assert_same_parameters(lit, full, atol=2e-5)   # the same sums without their zero terms
    assert np.abs(full.W - W0).max() > 0.005    # it did train (12 steps)


def test_same_seed_gives_bit_identical_weights_and_another_seed_differs():
    data = toy_data()
    def train(seed, pcd=False):
        t = Trainer.create(data, plain(seed=seed, pcd=pcd, centering=True, momentum=0.9, weight_decay=1e-4))
        while not t.finished:
            t.step()
        return t.rbm
    a, b, other = train(3), train(3), train(4)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b) and np.array_equal(a.c, b.c)
    assert not np.array_equal(a.W, other.W)
    assert np.array_equal(train(3, pcd=True).W, train(3, pcd=True).W)


def test_training_does_not_modify_the_data():
    data = toy_data()
    keep = data.copy()
    t = Trainer.create(data, plain())
    t.run_epoch()
    np.testing.assert_array_equal(data, keep)


def test_progress_counts_batches_and_epochs():
    data = toy_data(n=50)
    t = Trainer.create(data, plain(batch_size=16, epochs=2))   # 4 batches: 16, 16, 16, 2
    infos = [t.step() for _ in range(8)]
    assert [i.batch for i in infos] == [1, 2, 3, 0, 1, 2, 3, 0]
    assert [i.epoch_ended for i in infos].count(True) == 2
    assert t.finished and infos[-1].epoch == 2 and infos[0].n_batches == 4


def test_learning_rate_and_momentum_change_between_steps():
    t = Trainer.create(toy_data(), plain())
    assert t.step().learning_rate == pytest.approx(0.1)
    t.set_learning_rate(0.02)
    t.set_momentum(0.7)
    info = t.step()
    assert info.learning_rate == pytest.approx(0.02) and info.momentum == pytest.approx(0.7)
    with pytest.raises(ConfigError):
        t.set_learning_rate(-1)


@pytest.mark.parametrize("kw", [dict(), dict(pcd=True), dict(cd_k=3)])
def test_training_lowers_the_reconstruction_error(kw):
    data = toy_data(n=200)
    t = Trainer.create(data, plain(epochs=40, learning_rate=0.3, momentum=0.5, **kw))
    before = reconstruction_errors(t.rbm, data)[0]
    while not t.finished:
        t.step()
    # 10% of the pixels are noise flips: the best reachable error is about 0.09, the start 0.17
    assert reconstruction_errors(t.rbm, data)[0] < 0.6 * before


def test_sparsity_penalty_pulls_mean_activity_towards_the_target():
    data = toy_data(n=200)
    def activity(**kw):
        t = Trainer.create(data, plain(epochs=20, learning_rate=0.3, **kw))
        while not t.finished:
            t.step()
        return t.rbm.hidden_probs(data).mean()
    free, sparse = activity(), activity(sparsity_target=0.05, sparsity_cost=1.0)
    assert abs(sparse - 0.05) < abs(free - 0.05)


def test_learning_rate_100_on_mnist_is_reported_as_divergence_with_the_default_settings():
    from rbm_gui.data import load_dataset
    data = load_dataset("mnist-sample", "train").binarize()[::5]
    t = Trainer.create(data, TrainingConfig(n_hidden=50, learning_rate=100.0, epochs=10))
    with pytest.raises(TrainingDiverged, match="exploded"):
        while not t.finished:
            t.step()
    assert t.rbm.is_finite()


def test_plain_sgd_on_the_lit_rows_stops_at_divergence_with_the_parameters_before():
    # no momentum, no decay, no centring: the update touches only the lit pixels' rows of theta
    from rbm_gui.data import load_dataset
    data = load_dataset("mnist-sample", "train").binarize()[:400]
    t = Trainer.create(data, TrainingConfig(n_hidden=64, learning_rate=100.0, epochs=500, batch_size=100,
                                            momentum=0.0, initial_momentum=0.0, weight_decay=0.0, centering=False))
    assert t._lit_limit
    before = step_until_diverged(t, "exploded", 2000)
    assert_same_parameters(t.rbm, before)


def test_momentum_switched_on_after_plain_steps_on_the_lit_rows_continues_from_their_last_step(monkeypatch):
    # plain steps keep their gradient as its lit rows only; momentum switched on must see all of it
    from rbm_gui.data import load_dataset
    data = load_dataset("mnist-sample", "train").binarize()[:300]
    runs = []
    for min_hidden in (64, 10 ** 9):
        monkeypatch.setattr(tuning, "LIT_MIN_HIDDEN", min_hidden)
        t = Trainer.create(data, TrainingConfig(n_hidden=64, epochs=4, batch_size=100, momentum=0.0,
                                                initial_momentum=0.0, weight_decay=0.0, centering=False))
        for _ in range(4):
            t.step()
        t.set_momentum(0.9)
        while not t.finished:
            t.step()
        assert t._theta[-1, -1] == 0.0      # the unused corner of [[W, b], [c, 0]]
        runs.append(t.rbm)
    assert_same_parameters(runs[0], runs[1], atol=2e-5)


def test_divergence_raises_and_keeps_the_last_finite_parameters():
    data = toy_data()
    t = Trainer.create(data, plain(learning_rate=100.0, momentum=0.9, initial_momentum=0.9, epochs=1000))
    before = step_until_diverged(t, "diverged", 100_000)
    assert_same_parameters(t.rbm, before)       # exactly those before the failing step


@pytest.mark.parametrize("bad", [dict(learning_rate=0), dict(batch_size=0), dict(cd_k=0), dict(momentum=1.5),
                                 dict(lr_schedule="cosine"), dict(learning_rate=float("nan")),
                                 dict(n_hidden=2.5), dict(sparsity_cost=1.0)])
def test_nonsense_hyperparameters_are_refused_with_a_message(bad):
    with pytest.raises(ConfigError) as err:
        Trainer.create(toy_data(), plain(**bad))
    assert list(bad)[0].split("_")[0] in str(err.value)


def test_stochastic_binarisation_samples_each_batch_with_the_grey_level_as_probability():
    rng = np.random.default_rng(0)
    grey = (rng.random((40, 12)) * 256).astype(np.uint8)
    t = Trainer.create(grey, plain(batch_size=40, centering=True), stochastic=True)
    # initial visible biases and centring offsets come from grey / 255, not from 0/1 values
    p = np.clip(grey.mean(0) / 255, 1e-3, 1 - 1e-3)
    np.testing.assert_allclose(t.rbm.b, np.log(p / (1 - p)), rtol=1e-5)
    np.testing.assert_allclose(t.mu, grey.mean(0) / 255, rtol=1e-6)
    assert t.rbm.is_finite()


def test_stochastic_batches_turn_pixels_on_with_probability_grey_over_255():
    rng = np.random.default_rng(1)
    grey = (rng.random((40, 12)) * 256).astype(np.uint8)
    t = Trainer.create(grey, plain(batch_size=40, learning_rate=1e-6), stochastic=True)
    greys, bits = [], []
    for _ in range(400):
        t.step()
        k = 1 - t._feeder._next                      # the feeder's buffer of this step
        greys.append(t._feeder.rows[k][:40].copy())  # the grey batch of this step
        bits.append(t._feeder.V[k][:12, :40].T.copy())   # its binary sample (as columns)
    greys, bits = np.concatenate(greys).ravel(), np.concatenate(bits).ravel()
    assert set(np.unique(bits)) <= {0.0, 1.0}
    for lo, hi in [(0, 1), (1, 64), (64, 128), (128, 192), (192, 255), (255, 256)]:
        sel = (greys >= lo) & (greys < hi)
        expected = greys[sel].mean() / 255
        assert abs(bits[sel].mean() - expected) < 0.02, (lo, hi)


@pytest.mark.parametrize("kw", [dict(), dict(pcd=True, centering=True, momentum=0.5, weight_decay=1e-3)])
@pytest.mark.parametrize("stochastic", [False, True])
def test_preparing_batches_on_a_helper_thread_gives_bit_identical_weights(kw, stochastic, lit):
    data = toy_data(n=70, dark=lit) * (200 if stochastic else 1)    # 70 = 4 batches of 16 + 6: a short one
    runs = []
    for prefetch in (False, True):
        t = Trainer.create(data, plain(batch_size=16, epochs=3, **kw), blas_threads=1, stochastic=stochastic,
                           prefetch=prefetch)
        assert t._feeder.threaded == prefetch
        darken(data, t, lit)
        while not t.finished:
            t.step()
        runs.append(t.rbm.copy())
    assert_same_parameters(runs[0], runs[1])


def test_the_helper_thread_ends_with_its_trainer():
    import gc
    import threading

    def helpers():      # by identity: helpers of earlier tests may still be ending meanwhile
        return {th for th in threading.enumerate() if th.name == "rbm-batch-feeder" and th.is_alive()}

    before = helpers()
    t = Trainer.create(toy_data(), plain(batch_size=16), blas_threads=1, prefetch=True)
    t.step()
    mine = helpers() - before
    assert len(mine) == 1
    (helper,) = mine
    del t
    gc.collect()
    helper.join(timeout=2.0)
    assert not helper.is_alive()


def test_the_helper_thread_is_used_only_where_it_was_measured_to_pay_off():
    import os
    data = np.zeros((200, 784), np.uint8)
    two_cores = (os.cpu_count() or 1) >= 2
    big = Trainer.create(data, plain(n_hidden=20, batch_size=100), blas_threads=1)
    assert big._feeder.threaded == two_cores
    for batch in (10, 50):
        small_batch = Trainer.create(data, plain(n_hidden=20, batch_size=batch), blas_threads=1)
        assert not small_batch._feeder.threaded
    many_blas_threads = Trainer.create(data, plain(n_hidden=20, batch_size=100), blas_threads=2)
    assert not many_blas_threads._feeder.threaded

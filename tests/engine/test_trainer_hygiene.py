"""The trainer is a good citizen of the process it runs in (a notebook, scikit-learn):

- it sets the BLAS thread count only while it works, and restores it;
- float data are probabilities (never silently cast to 0), bad data get one clear error;
- the caller's RBM stays a valid, usable model while and after training;
- and none of that changed the weights of the 0/1 path (pinned against the code before it).
"""

import hashlib
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset
from rbm_gui.engine import tuning
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.training import Trainer, TrainingDiverged
from test_training import StepBits, plain, reference_cd1, toy_data


def blas_counts():
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def two_blas_threads():
    """The process runs 2 BLAS threads, so that a trainer on 1 thread is a change to undo."""
    with threadpool_limits(limits=2, user_api="blas"):
        assert set(blas_counts()) == {2}
        yield


# ---------------------------------------------------------------------------------- BLAS threads
def test_a_trainer_leaves_the_blas_thread_count_as_it_found_it(two_blas_threads):
    seen = []
    real_step = Trainer._step

    def spy(self):
        seen.append(blas_counts())
        return real_step(self)

    data = toy_data(n=64, nv=12)
    t = Trainer.create(data, plain(pcd=True), blas_threads=1)     # PCD: a product in __init__
    assert set(blas_counts()) == {2}
    Trainer._step = spy
    try:
        t.step()                                  # scoped per step
        assert set(blas_counts()) == {2}
        with t:                                   # scoped once around a loop
            t.run_epoch()
            assert set(blas_counts()) == {1}
        assert set(blas_counts()) == {2}
    finally:
        Trainer._step = real_step
    assert seen and all(set(s) == {1} for s in seen)      # every step ran on its own count


def test_the_count_is_restored_when_a_step_fails(two_blas_threads):
    t = Trainer.create(toy_data(), plain(n_hidden=50, learning_rate=100.0, epochs=50), blas_threads=1)
    with pytest.raises(TrainingDiverged):
        for _ in range(200):
            t.step()
    assert set(blas_counts()) == {2}


# ------------------------------------------------------------------------ bit-identical weights
#: sha256 prefixes of (W, b, c) after training with the code as it was before the trainer
#: stopped setting process-wide thread counts and learned float data (blas_threads=1, the
#: bundled digits), on the platform they were computed on: OpenBLAS's kernels differ elsewhere.
PINNED_ON = ("2.4.6", "0.3.31.188.0", "SkylakeX")
PINNED = {
    "defaults-20": "8d701b77f1492811",
    "cd-plain-100": "34bf93584f385bab",
    "cd-centred-sparse-100": "9ffe14bcdb7cd5cb",
    "pcd-k2-stochastic-20": "73da323f0285c0e3",
}
CASES = {
    "defaults-20": (dict(n_hidden=20, epochs=2), False),
    "cd-plain-100": (dict(n_hidden=100, epochs=2, pcd=False, centering=False, momentum=0.0,
                          initial_momentum=0.0, weight_decay=0.0, batch_size=100), False),
    "cd-centred-sparse-100": (dict(n_hidden=100, epochs=1, pcd=False, sparsity_target=0.05,
                                   sparsity_cost=0.1), False),
    "pcd-k2-stochastic-20": (dict(n_hidden=20, epochs=1, cd_k=2), True),
}


def digest(rbm):
    h = hashlib.sha256()
    for a in (rbm.W, rbm.b, rbm.c):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def platform():
    """numpy's version and its OpenBLAS's (scipy, once imported, brings another OpenBLAS)."""
    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    blas.sort(key=lambda lib: "numpy" not in lib.get("filepath", ""))
    return (np.__version__, blas[0].get("version"), blas[0].get("architecture")) if blas else None


@pytest.fixture(scope="module")
def digits():
    ds = load_dataset("mnist-sample", "train")
    return ds.binarize(128)[:1000], ds.images.reshape(len(ds.images), -1)[:1000]


@pytest.mark.parametrize("name", list(CASES))
def test_weights_are_those_of_the_code_before(name, digits):
    if platform() != PINNED_ON:
        pytest.skip(f"digests pinned on numpy/OpenBLAS/arch {PINNED_ON}, this is {platform()}")
    kw, stochastic = CASES[name]
    X = digits[1] if stochastic else digits[0]
    # learning rate 0.1: the default when the digests were pinned (0.05 since issue 14)
    cfg = TrainingConfig(seed=3, **{"learning_rate": 0.1, **kw})
    t = Trainer.create(X, cfg, blas_threads=1, stochastic=stochastic, prefetch=False)
    while not t.finished:
        t.step()
    assert digest(t.rbm) == PINNED[name]


@pytest.mark.parametrize("dtype", [bool, np.int64, np.float32, np.float64])
def test_0_1_data_of_any_dtype_train_exactly_like_uint8(dtype, digits):
    X = digits[0][:300]
    cfg = TrainingConfig(n_hidden=16, epochs=1, seed=1)
    ref = Trainer.create(X, cfg, blas_threads=1)
    ref.run_epoch()
    t = Trainer.create(X.astype(dtype), cfg, blas_threads=1)
    assert t.data.dtype == np.uint8
    t.run_epoch()
    assert digest(t.rbm) == digest(ref.rbm)


# ----------------------------------------------------------------------------------- float data
@pytest.mark.parametrize("centering", [False, True])
def test_probabilities_enter_the_positive_phase_as_they_are(centering, lit):
    """scikit-learn's semantics: one CD-1 step on grey probabilities is the textbook formula
    with v0 = the probabilities themselves (0.7 stays 0.7)."""
    rng = np.random.default_rng(5)
    data = (toy_data() * rng.uniform(0.5, 1.0, (64, 12))).astype(np.float32)
    trainer = Trainer.create(data, plain(batch_size=64, centering=centering), prefetch=False)
    assert trainer.data.dtype == np.float32 and np.array_equal(trainer.data, data)
    if lit:
        assert trainer._lit_limit
    before = trainer.rbm.copy()
    v0 = data[trainer._order[:64]]
    bits = StepBits(trainer)
    mu = trainer.mu.copy() if centering else None
    lam = trainer.lam.copy() if centering else None
    W, b, c = reference_cd1(before, v0, bits, 0.1, mu, lam)
    trainer.step()
    np.testing.assert_allclose(trainer.rbm.W, W, atol=2e-6)
    np.testing.assert_allclose(trainer.rbm.b, b, atol=2e-6)
    np.testing.assert_allclose(trainer.rbm.c, c, atol=2e-6)


@pytest.fixture(params=[False, True], ids=["all-rows", "lit-rows"])
def lit(request, monkeypatch):
    if request.param:
        monkeypatch.setattr(tuning, "LIT_MIN_HIDDEN", 1)
        monkeypatch.setattr(tuning, "LIT_MAX_FRACTION", 1.0)
    return request.param


def test_stochastic_probabilities_are_drawn_with_their_probability():
    data = np.full((4000, 4), [0.0, 0.3, 0.7, 1.0], np.float32)
    t = Trainer.create(data, plain(batch_size=4000), stochastic=True)
    on = t._binarise(data).mean(axis=0)
    np.testing.assert_allclose(on, [0.0, 0.3, 0.7, 1.0], atol=0.03)
    assert on[0] == 0.0 and on[3] == 1.0


def test_a_model_learns_grey_probabilities_instead_of_zeros():
    data = np.full((500, 6), 0.7)
    t = Trainer.create(data, plain(epochs=20, n_hidden=3, batch_size=50, learning_rate=0.05))
    while not t.finished:
        t.step()
    p = t.rbm.visible_probs(t.rbm.hidden_probs(data)).mean()
    assert 0.6 < p < 0.8          # cast to uint8, as before, it learned to switch every pixel off


@pytest.mark.parametrize("data, stochastic, match", [
    (np.full((4, 3), np.nan), False, "NaN or infinite"),
    (np.full((4, 3), np.inf, np.float32), False, "NaN or infinite"),
    (np.full((4, 3), 1.5), False, r"must lie in \[0, 1\], got values from 1.5 to 1.5"),
    (np.full((4, 3), -0.2), True, r"must lie in \[0, 1\]"),
    (np.full((4, 3), 200, np.uint8), False, r"0..1, got values from 200 to 200 \(grey levels"),
    (np.full((4, 3), -1, np.int64), True, "0..255, got values from -1"),
    (np.full((4, 3), 1 + 1j), False, "bool, integer or float"),
    (np.zeros((0, 3)), False, "empty"),
    (np.zeros((4, 2, 2)), False, "must be"),
])
def test_bad_data_get_one_clear_error(data, stochastic, match):
    with pytest.raises(ValueError, match=match):
        Trainer.create(data, plain(), stochastic=stochastic)
    rbm = RBM.initialise(2, np.zeros((1, 3)), np.random.default_rng(0))
    if data.ndim == 2 and data.shape[1] == 3:
        with pytest.raises(ValueError, match=match):
            Trainer(rbm, data, plain(), stochastic=stochastic)


def test_any_values_lets_finite_out_of_range_floats_through():
    data = np.linspace(-1, 2, 36).reshape(12, 3)
    t = Trainer.create(data, plain(), any_values=True)
    assert t.data.dtype == np.float32
    t.run_epoch()
    assert t.rbm.is_finite()


# ------------------------------------------------------------------------------ the caller's RBM
def test_the_callers_model_is_the_trained_model_between_steps():
    data = toy_data()
    rbm = RBM.initialise(5, data, np.random.default_rng(0))
    start = rbm.copy()
    t = Trainer(rbm, data, plain())
    assert t.rbm is rbm
    np.testing.assert_array_equal(rbm.W, start.W)
    t.step()
    assert np.shares_memory(rbm.W, t._theta) and not np.array_equal(rbm.W, start.W)
    # usable as any model: conditionals, copies, snapshots
    assert rbm.hidden_probs(data).shape == (64, 5)
    snap = rbm.snapshot()
    t.step()
    assert not np.array_equal(snap.W, rbm.W)     # the snapshot stays as it was


def test_parameters_assigned_by_the_caller_are_trained_from_the_next_step():
    data = toy_data()
    t = Trainer.create(data, plain())
    t.step()
    new_W = t.rbm.W + 3.0
    t.rbm.W = new_W
    t.step()
    assert np.shares_memory(t.rbm.W, t._theta)
    assert np.abs(t.rbm.W - new_W).max() < 0.2        # one step away from the caller's weights
    t.rbm.b = np.zeros(3)
    with pytest.raises(ValueError, match="model's b has shape"):
        t.step()


def test_two_trainers_on_one_model_each_continue_from_the_model():
    data = toy_data()
    rbm = RBM.initialise(5, data, np.random.default_rng(0))
    t1 = Trainer(rbm, data, plain())
    t1.step()
    t2 = Trainer(rbm, data, plain(seed=1))
    t2.step()
    after_t2 = rbm.copy()
    t1.step()                             # takes over the model as t2 left it
    assert np.shares_memory(rbm.W, t1._theta)
    assert np.abs(rbm.W - after_t2.W).max() < 0.2


def test_a_read_only_snapshot_is_not_trained():
    data = toy_data()
    snap = RBM.initialise(5, data, np.random.default_rng(0)).snapshot()
    with pytest.raises(ValueError, match="read-only"):
        Trainer(snap, data, plain())


def test_close_gives_the_model_its_own_arrays_and_stops_the_helper():
    data = np.tile(toy_data(n=64, nv=784), (2, 1))
    helpers = lambda: sum(th.name == "rbm-batch-feeder" for th in threading.enumerate())   # noqa: E731
    before = helpers()
    with Trainer.create(data, plain(batch_size=64), blas_threads=1, prefetch=True) as t:
        assert helpers() == before + 1
        t.run_epoch()
        trained = t.rbm.copy()
    rbm = t.rbm
    for a, ref in ((rbm.W, trained.W), (rbm.b, trained.b), (rbm.c, trained.c)):
        assert a.flags.c_contiguous and a.flags.owndata and not np.shares_memory(a, t._theta)
        np.testing.assert_array_equal(a, ref)
    for _ in range(100):
        if helpers() == before:
            break
        threading.Event().wait(0.01)
    assert helpers() == before
    with pytest.raises(RuntimeError, match="closed"):
        t.step()

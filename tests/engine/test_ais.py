"""Forward and reverse AIS against the exact log-likelihood of models small enough to enumerate."""

import itertools

import numpy as np
import pytest

from rbm_gui.config import TrainingConfig
from rbm_gui.data import load_dataset
from rbm_gui.engine.ais import ais_bracket, betas_schedule
from rbm_gui.engine.likelihood import Cancelled, exact_log_partition
from rbm_gui.engine.numerics import logmeanexp
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.training import Trainer


@pytest.fixture(scope="module")
def mnist_model():
    """A 15-unit RBM trained 10 epochs on the 5,000 real digits, 1,000 held-out digits, its exact score."""
    train = load_dataset("mnist-sample", "train").binarize(128)
    held = load_dataset("mnist-sample", "test").binarize(128)[:1000]
    trainer = Trainer.create(train, TrainingConfig(n_hidden=15, epochs=10, seed=0))
    while not trainer.finished:
        trainer.step()
    rbm = trainer.rbm
    exact = float(-rbm.free_energy(held).mean() - exact_log_partition(rbm))
    return rbm, train.mean(axis=0), held, exact


def test_both_estimates_agree_with_the_exact_value(mnist_model):
    rbm, base, held, exact = mnist_model
    res = ais_bracket(rbm, base, held, np.random.default_rng(1), n_runs=100, n_reverse=100, n_betas=1000)
    # measured over seeds 0-5: forward -0.14..+0.39 nats from exact, reverse -0.44..+0.06, sems ~0.2
    assert abs(res.forward.loglik - exact) < 1.0
    assert abs(res.reverse.loglik - exact) < 1.0
    for side in (res.forward, res.reverse):
        assert side.low <= side.loglik <= side.high
        assert 0 < side.sem < 0.5 and 1 <= side.effective_runs <= 100 and side.n_runs == 100


# A model small enough (8 visible, 4 hidden) to compute every distribution AIS involves exactly.
NV, NH = 8, 4
STATES = np.array(list(itertools.product([0, 1], repeat=NV)), dtype=np.float64)
HIDDEN = np.array(list(itertools.product([0, 1], repeat=NH)), dtype=np.float64)


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(2)
    rbm = RBM(rng.normal(0, 1.5, (NV, NH)), rng.normal(0, 1, NV), rng.normal(0, 1, NH))
    return rbm, np.full(NV, 0.3), exact_log_partition(rbm)


def gibbs_matrix(rbm, base, beta):
    """T[v, v'] of one sweep v -> h -> v' at inverse temperature beta (what both directions run)."""
    W, b, c = (a.astype(np.float64) for a in (rbm.W, rbm.b, rbm.c))
    bA = np.log(base / (1 - base))
    ph = 1 / (1 + np.exp(-beta * (STATES @ W + c)))
    Ph = np.prod(np.where(HIDDEN[None] == 1, ph[:, None], 1 - ph[:, None]), axis=2)
    pv = 1 / (1 + np.exp(-(bA + beta * (HIDDEN @ W.T + b - bA))))
    Pv = np.prod(np.where(STATES[None] == 1, pv[:, None], 1 - pv[:, None]), axis=2)
    return Ph @ Pv


def test_forward_weights_are_unbiased_for_z(tiny):
    """E[w] = Z / Z_0 for any number of temperatures: with 20,000 runs of 5, log mean w is log Z."""
    rbm, base, log_z = tiny
    res = ais_bracket(rbm, base, STATES[:1], np.random.default_rng(0), n_runs=20_000, n_reverse=0, n_betas=5)
    assert abs(res.forward.log_z - log_z) < 4 * res.forward.sem + 0.01


def test_reverse_estimate_is_unbiased_for_the_annealing_models_likelihood(tiny):
    """E[p̂(v)] is the probability that forward annealing (p_0, then one sweep at each β_1..β_K) ends
    at v (Burda et al.'s RAISE model), computed here exactly with the sweeps' transition matrices."""
    rbm, base, _ = tiny
    n_betas = 5
    betas = betas_schedule(n_betas).astype(np.float32).astype(np.float64)
    p_raise = np.prod(np.where(STATES == 1, base, 1 - base), axis=1)
    for beta in betas[1:]:
        p_raise = p_raise @ gibbs_matrix(rbm, base, beta)
    F = rbm.free_energy(STATES).astype(np.float64)
    for i in (3, 100, 200):
        res = ais_bracket(rbm, base, np.repeat(STATES[i:i + 1], 20_000, axis=0), np.random.default_rng(i),
                          n_runs=2, n_reverse=20_000, n_betas=n_betas)
        log_z0 = res.reverse.log_z - res.reverse.log_weights.mean()
        log_p_hat = -F[i] - log_z0 - res.reverse.log_weights       # one estimate per chain
        w = np.exp(log_p_hat - log_p_hat.max())
        se = w.std() / w.mean() / np.sqrt(w.size)
        assert abs(logmeanexp(log_p_hat) - np.log(p_raise[i])) < 4 * se + 0.01


def test_each_side_errs_the_expected_way_from_exact_samples(tiny):
    """Reverse chains started from EXACT samples of the model: their log Z is too high on average
    (pessimistic log-likelihood), the forward one too low (optimistic), with 3 temperatures
    (measured, seeds 0-4: reverse +1.75..+1.92 nats, forward -0.40..-1.55)."""
    rbm, base, log_z = tiny
    p = np.exp(-rbm.free_energy(STATES).astype(np.float64) - log_z)
    rng = np.random.default_rng(7)
    fwd, rev = [], []
    for seed in range(5):
        samples = STATES[rng.choice(len(STATES), 200, p=p / p.sum())]
        res = ais_bracket(rbm, base, samples, np.random.default_rng(seed), n_runs=20, n_reverse=200, n_betas=3)
        fwd.append(res.forward.log_z - log_z)
        rev.append(res.reverse.log_z - log_z)
    assert np.mean(fwd) < 0 and min(rev) > 0.5


def test_same_seed_same_bracket_and_the_reverse_runs_are_separate(mnist_model):
    rbm, base, held, _ = mnist_model
    a = ais_bracket(rbm, base, held, np.random.default_rng(3), n_runs=10, n_reverse=10, n_betas=50)
    b = ais_bracket(rbm, base, held, np.random.default_rng(3), n_runs=10, n_reverse=10, n_betas=50)
    np.testing.assert_array_equal(a.forward.log_weights, b.forward.log_weights)
    np.testing.assert_array_equal(a.reverse.log_weights, b.reverse.log_weights)
    only = ais_bracket(rbm, base, held, np.random.default_rng(3), n_runs=10, n_reverse=0, n_betas=50)
    assert only.reverse is None and np.isfinite(only.forward.loglik)
    few = ais_bracket(rbm, base, held[:4], np.random.default_rng(3), n_runs=10, n_reverse=10, n_betas=50)
    assert few.reverse.n_runs == 4       # one chain per distinct digit, never more than there are


def test_progress_and_cancel(mnist_model):
    rbm, base, held, _ = mnist_model
    seen = []
    ais_bracket(rbm, base, held, np.random.default_rng(0), n_runs=10, n_reverse=10, n_betas=300,
                progress=lambda k, n: seen.append((k, n)))
    assert seen and all(n == 299 for _, n in seen) and all(a <= b for (a, _), (b, _) in zip(seen, seen[1:]))
    calls = []
    with pytest.raises(Cancelled):
        ais_bracket(rbm, base, held, np.random.default_rng(0), n_runs=10, n_reverse=10, n_betas=100_000,
                    should_stop=lambda: calls.append(1) or len(calls) > 2)


@pytest.mark.parametrize("kind", ["sigmoid", "salakhutdinov", "linear"])
def test_schedules_run_from_zero_to_one(kind):
    b = betas_schedule(1000, kind)
    assert len(b) == 1000 and b[0] == 0 and b[-1] == 1 and np.all(np.diff(b) >= 0)


def test_bad_arguments(mnist_model):
    rbm, base, held, _ = mnist_model
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="base_means"):
        ais_bracket(rbm, base[:10], held, rng)
    with pytest.raises(ValueError, match="data must be"):
        ais_bracket(rbm, base, held[:, :10], rng)
    with pytest.raises(ValueError, match="2 forward runs"):
        ais_bracket(rbm, base, held, rng, n_runs=1)
    labelled = RBM(rbm.W, rbm.b, rbm.c, U=np.zeros((10, rbm.n_hidden)), d=np.zeros(10))
    with pytest.raises(ValueError, match="label units"):
        ais_bracket(labelled, base, held, rng)
    with pytest.raises(ValueError, match="unknown schedule"):
        betas_schedule(10, "cubic")

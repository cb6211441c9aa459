"""``rbm_gui.BernoulliRBM``: scikit-learn's estimator contract, on the engine, with real digits."""

import io
import pickle
from contextlib import redirect_stdout

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

import scipy.sparse as sp  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from rbm_gui import BernoulliRBM  # noqa: E402
from rbm_gui.config import TrainingConfig  # noqa: E402
from rbm_gui.data import load_dataset  # noqa: E402
from rbm_gui.engine.numerics import softplus  # noqa: E402
from rbm_gui.engine.rbm import RBM  # noqa: E402
from rbm_gui.engine.training import Trainer  # noqa: E402
from rbm_gui.estimator.scoring import flipped_pixels  # noqa: E402
from rbm_gui.io.model_file import load_model  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    """600 bundled training digits (grey / 255, i.e. probabilities) and their labels, and 400 test digits."""
    tr, te = load_dataset("mnist-sample", "train"), load_dataset("mnist-sample", "test")
    idx = np.random.default_rng(0).permutation(tr.n)[:600]
    X = tr.images[idx].reshape(600, -1) / 255.0
    Xt = te.images[:400].reshape(400, -1) / 255.0
    return X, tr.labels[idx], Xt, te.labels[:400]


SMALL = dict(n_components=24, n_iter=3, batch_size=20, random_state=0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")   # array-API check: not set up
@pytest.mark.parametrize("params", [{}, dict(pcd=False, cd_k=2, momentum=0.0, centering=False)],
                         ids=["defaults", "cd2-plain"])
def test_passes_scikit_learns_check_estimator(params):
    results = check_estimator(BernoulliRBM(**params), on_fail=None)
    failed = [(r["check_name"], repr(r["exception"])) for r in results if r["status"] == "failed"]
    assert len(results) > 40 and not failed


def test_works_in_pipeline_gridsearch_and_clone(digits):
    X, y, Xt, yt = digits
    pipe = Pipeline([("rbm", BernoulliRBM(**SMALL)), ("logistic", LogisticRegression(max_iter=300))])
    search = GridSearchCV(pipe, {"rbm__n_components": [16, 32]}, cv=2).fit(X, y)
    assert search.best_estimator_.named_steps["rbm"].components_.shape == (search.best_params_["rbm__n_components"], 784)
    # chance is 0.1; scikit-learn's own BernoulliRBM in the same pipeline: 0.40 at 32 units
    from sklearn.neural_network import BernoulliRBM as ScikitRBM
    theirs = Pipeline([("rbm", ScikitRBM(**dict(SMALL, n_components=32))),
                       ("logistic", LogisticRegression(max_iter=300))]).fit(X, y).score(Xt, yt)
    assert search.score(Xt, yt) > max(0.6, theirs)
    est = BernoulliRBM(**SMALL).fit(X)
    twin = clone(est)
    assert not hasattr(twin, "components_") and twin.get_params() == est.get_params()
    np.testing.assert_array_equal(twin.fit(X).components_, est.components_)


def test_fit_leaves_no_process_wide_setting_changed(digits):
    X = digits[0]
    with threadpool_limits(limits=2, user_api="blas"):
        before = threadpool_info()
        BernoulliRBM(**SMALL, blas_threads=1).fit(X)     # 1 thread while it trains
        assert threadpool_info() == before
        BernoulliRBM(n_components=400, n_iter=1, batch_size=100, random_state=0).fit(X[:200])
        assert threadpool_info() == before


def test_an_int_random_state_is_the_apps_seed(digits):
    """Same data, settings and seed: the weights of the app's trainer (``rbm-gui train --seed``)."""
    X01 = (digits[0] >= 0.5)
    est = BernoulliRBM(n_components=20, n_iter=2, batch_size=50, learning_rate=0.1, random_state=7,
                       lr_schedule="linear").fit(X01.astype(np.float64))
    cfg = TrainingConfig(n_hidden=20, epochs=2, batch_size=50, learning_rate=0.1, seed=7)  # the app's defaults otherwise
    t = Trainer.create(X01, cfg)
    while not t.finished:
        t.step()
    np.testing.assert_array_equal(est.components_, t.rbm.W.T)
    np.testing.assert_array_equal(est.intercept_visible_, t.rbm.b)
    np.testing.assert_array_equal(est.intercept_hidden_, t.rbm.c)


def test_probabilities_are_learned_as_probabilities_not_cast_to_zeros(digits):
    X = digits[0]
    grey = X[(X > 0) & (X < 1)]
    assert grey.size > 0.1 * X.size                       # the bundled digits have real grey edges
    est = BernoulliRBM(**SMALL).fit(X)
    # the model's mean pixel activity follows the data's (cast to 0/1 bytes it would be far lower)
    recon = 1 / (1 + np.exp(-(est.transform(X) @ est.components_ + est.intercept_visible_)))
    assert abs(recon.mean() - X.mean()) < 0.03
    assert abs(X.mean() - (X >= 1).mean()) > 0.05        # ... and that difference would show


def test_binary_input_of_any_type_dense_or_sparse_gives_the_same_model(digits):
    X01 = digits[0] >= 0.5
    ref = BernoulliRBM(**SMALL).fit(X01.astype(np.float64)).components_
    for X in (X01, X01.astype(np.float32), X01.astype(np.uint8), sp.csr_matrix(X01.astype(np.float64)),
              sp.csc_array(X01.astype(np.float32))):
        np.testing.assert_array_equal(BernoulliRBM(**SMALL).fit(X).components_, ref)


def test_sparse_grey_input_and_transform_match_dense(digits):
    X = digits[0][:200]
    dense = BernoulliRBM(**SMALL).fit(X)
    sparse = BernoulliRBM(**SMALL).fit(sp.csr_matrix(X))
    np.testing.assert_array_equal(sparse.components_, dense.components_)
    np.testing.assert_allclose(sparse.transform(sp.csr_matrix(X)), dense.transform(X), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dense.score_samples(sp.csr_matrix(X)), dense.score_samples(X), rtol=1e-9)


def test_fit_does_not_modify_its_input(digits):
    X = digits[0].copy()
    X.flags.writeable = False                             # would raise on any write
    BernoulliRBM(**SMALL).fit(X)
    np.testing.assert_array_equal(X, digits[0])


def test_transform_is_p_h_given_v_in_the_inputs_dtype(digits):
    X = digits[0][:50]
    est = BernoulliRBM(**SMALL).fit(digits[0])
    rbm = RBM(est.components_.T, est.intercept_visible_, est.intercept_hidden_)
    np.testing.assert_allclose(est.transform(X), rbm.hidden_probs(X), rtol=1e-5, atol=1e-6)
    assert est.transform(X.astype(np.float32)).dtype == np.float32
    assert est.transform(X).dtype == np.float64


def test_score_samples_is_the_pseudo_likelihood_of_one_flipped_pixel(digits):
    X = (digits[2][:100] >= 0.5).astype(np.float64)
    est = BernoulliRBM(**SMALL).fit(digits[0])
    rbm = RBM(est.components_.T, est.intercept_visible_, est.intercept_hidden_)
    i = flipped_pixels(X, 0)
    assert len(set(i.tolist())) > 50                      # spread over the pixels
    flipped = X.copy()
    flipped[np.arange(100), i] = 1 - flipped[np.arange(100), i]
    expected = -784 * softplus(rbm.free_energy(X) - rbm.free_energy(flipped))   # 784 log sigmoid(F' - F)
    scores = est.score_samples(X)
    np.testing.assert_allclose(scores, expected, rtol=1e-5)
    assert (scores < 0).all() and scores.min() < -50      # not clipped
    # deterministic, and a sample's score does not depend on the others (order, subset)
    np.testing.assert_array_equal(est.score_samples(X[::-1]), scores[::-1])
    np.testing.assert_array_equal(est.score_samples(X[:7]), scores[:7])


def test_gibbs_fit_transform_and_partial_fit(digits):
    X = digits[0]
    est = BernoulliRBM(**SMALL)
    np.testing.assert_allclose(est.fit_transform(X), clone(est).fit(X).transform(X))
    v = est.gibbs(X[:5])
    assert v.shape == (5, 784) and v.dtype == bool
    part = BernoulliRBM(n_components=8, random_state=0)
    part.partial_fit(X[:50])
    first = part.components_.copy()
    part.partial_fit(X[50:100])
    assert part.n_features_in_ == 784 and not np.array_equal(part.components_, first)
    with pytest.raises(ValueError, match="784 features"):
        part.partial_fit(X[:10, :100])


def test_random_state_instance_is_consumed_like_scikit_learns(digits):
    X = digits[0][:100]
    rs = np.random.RandomState(0)
    est = BernoulliRBM(n_components=8, n_iter=1, random_state=rs)
    a = est.fit(X).components_.copy()
    b = est.fit(X).components_.copy()
    assert not np.array_equal(a, b)
    c = BernoulliRBM(n_components=8, n_iter=1, random_state=np.random.RandomState(0)).fit(X).components_
    np.testing.assert_array_equal(a, c)


def test_verbose_prints_each_epoch(digits):
    out = io.StringIO()
    with redirect_stdout(out):
        BernoulliRBM(**dict(SMALL, n_iter=2), verbose=1).fit(digits[0][:100])
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].startswith("[BernoulliRBM] Iteration 2, pseudo-likelihood = -")


def test_model_file_round_trip_and_pickle(digits, tmp_path):
    X = digits[0][:100]
    est = BernoulliRBM(**SMALL, momentum=0.3).fit(X)
    est.save(tmp_path / "m.npz")
    saved = load_model(tmp_path / "m.npz")
    assert saved.image_shape == (28, 28) and saved.meta["hyperparameters"]["momentum"] == 0.3
    back = BernoulliRBM.from_model(tmp_path / "m.npz")
    assert back.n_components == 24 and back.momentum == 0.3 and back.random_state == 0
    np.testing.assert_array_equal(back.transform(X), est.transform(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(X), est.transform(X))


def test_bad_settings_and_data_get_clear_errors(digits):
    X = digits[0][:20]
    with pytest.raises(ValueError, match="learning_rate must be between"):
        BernoulliRBM(learning_rate=0.0).fit(X)
    with pytest.raises(ValueError, match="n_components must be an int"):
        BernoulliRBM(n_components=2.5).fit(X)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        BernoulliRBM().fit(bad)

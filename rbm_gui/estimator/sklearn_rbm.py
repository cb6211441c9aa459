"""``BernoulliRBM``: scikit-learn's estimator interface on the app's engine (``engine.training``)."""

from __future__ import annotations

import numbers
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from rbm_gui.config import TrainingConfig
from rbm_gui.engine.feeder import training_array
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.training import Trainer
from rbm_gui.estimator import scoring
from rbm_gui.estimator.model_files import from_saved_model, to_saved_model

try:        # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:        # 1.3-1.5: the estimator's own method
    def _validate_data(est, X, **kw):
        return est._validate_data(X, **kw)

#: fit keeps 0/1 bytes as they are (the engine's fastest input); the rest becomes floats
_FIT_DTYPES = (np.float64, np.float32, np.uint8, np.bool_)


class BernoulliRBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Bernoulli Restricted Boltzmann Machine, a drop-in for ``sklearn.neural_network.BernoulliRBM``
    trained by rbm-gui's engine (about twice as fast; CD-k or persistent CD, centring, momentum).

    Parameters
    ----------
    n_components, learning_rate, batch_size, n_iter, verbose, random_state
        As in scikit-learn (same defaults). ``n_iter`` is the number of epochs; ``verbose`` prints
        each epoch's mean ``score_samples`` and time; ``random_state`` (int, RandomState or None)
        seeds the initial weights and the training: an int gives the same weights on every fit,
        the same as ``rbm-gui train --seed N`` would on the same data with the same settings.
    cd_k : Gibbs steps per update (1).
    pcd : persistent chains (True, scikit-learn's algorithm) or CD-k restarted at the data.
    momentum, weight_decay : SGD momentum (0.5) and L2 weight decay (1e-4; biases not decayed).
    centering : the centred gradient (Montavon & Mueller 2012; True): with momentum and decay, the
        settings the app measured best; ``momentum=0, weight_decay=0, centering=False`` is
        scikit-learn's algorithm.
    lr_schedule : "constant" (default), "linear" (to ~0 at the last epoch) or "exponential"
        (``lr_decay`` per epoch).
    sparsity_target, sparsity_cost : a penalty pulling each unit's mean activity to the target.
    offset_rate, lr_decay : centring's moving-average rate; the exponential schedule's factor.
    blas_threads : "auto" (one thread for small products, all cores for large ones), an int, or
        None. Set only while the engine works and restored afterwards.

    Input: dense or scipy sparse; values in [0, 1] are probabilities: they enter the gradient as
    they are, like scikit-learn's (0/1 data take the engine's byte path: same model, faster).
    Values outside [0, 1] are used as they are too, as scikit-learn does (they are no
    probabilities: scale the data to [0, 1]). NaN or infinity raise ValueError.

    Differences from scikit-learn's: the visible biases start at log(p / (1 - p)) of the data's
    pixel means (Hinton's guide), the mini-batches are reshuffled every epoch, random numbers come
    from numpy's Generator (the same seed gives other weights than scikit-learn's), and
    ``score_samples`` flips a pixel chosen from the sample itself (deterministic, see there).

    Attributes
    ----------
    components_ : (n_components, n_features) float32 weights; ``intercept_hidden_``
        (n_components,) and ``intercept_visible_`` (n_features,) float32 biases;
        ``h_samples_`` (batch_size, n_components) the persistent chains' hidden states (PCD);
        ``n_features_in_``, ``feature_names_in_`` as in scikit-learn.
    """

    def __init__(self, n_components=256, *, learning_rate=0.1, batch_size=10, n_iter=10, verbose=0,
                 random_state=None, cd_k=1, pcd=True, momentum=0.5, weight_decay=1e-4, centering=True,
                 lr_schedule="constant", lr_decay=0.9, sparsity_target=0.0, sparsity_cost=0.0,
                 offset_rate=0.01, blas_threads="auto"):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.cd_k = cd_k
        self.pcd = pcd
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.centering = centering
        self.lr_schedule = lr_schedule
        self.lr_decay = lr_decay
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.offset_rate = offset_rate
        self.blas_threads = blas_threads

    # ------------------------------------------------------------------ settings
    def _config(self, epochs: int, batch_size: int | None = None) -> TrainingConfig:
        """The engine's settings (ConfigError, a ValueError, names a bad one)."""
        ints = {"n_components": self.n_components, "batch_size": batch_size or self.batch_size, "cd_k": self.cd_k}
        floats = {"learning_rate": self.learning_rate, "momentum": self.momentum, "lr_decay": self.lr_decay,
                  "weight_decay": self.weight_decay, "sparsity_target": self.sparsity_target,
                  "sparsity_cost": self.sparsity_cost, "offset_rate": self.offset_rate}
        for name, v in ints.items():
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise ValueError(f"{name} must be an int, got {v!r}")
        for name, v in floats.items():
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise ValueError(f"{name} must be a number, got {v!r}")
        config = TrainingConfig(
            n_hidden=int(ints["n_components"]), epochs=max(1, int(epochs)), batch_size=int(ints["batch_size"]),
            cd_k=int(ints["cd_k"]), pcd=bool(self.pcd), centering=bool(self.centering),
            lr_schedule=self.lr_schedule, initial_momentum=float(self.momentum),
            **{k: float(v) for k, v in floats.items()})
        try:
            return config.validate()
        except ValueError as e:         # in the estimator's words
            raise ValueError(str(e).replace("n_hidden", "n_components").replace("initial_momentum", "momentum")) from None

    def _seed(self, random_state) -> int:
        """An int random_state is the engine's seed itself; a RandomState (or None: numpy's
        global one) gives one draw."""
        if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
            return int(random_state)
        return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None):
        """Train a new model on X ((n_samples, n_features), dense or sparse) for ``n_iter`` epochs."""
        X = _validate_data(self, X, accept_sparse="csr", dtype=_FIT_DTYPES)
        if not isinstance(self.n_iter, numbers.Integral) or self.n_iter < 0:
            raise ValueError(f"n_iter must be a non-negative int, got {self.n_iter!r}")
        config = self._config(self.n_iter)
        self.random_state_ = check_random_state(self.random_state)
        data = _engine_data(X)
        rng = np.random.default_rng(self._seed(self.random_state))
        rbm = RBM.initialise(config.n_hidden, data, rng)
        with Trainer(rbm, data, config, rng, self.blas_threads, any_values=True) as trainer:
            begin = time.perf_counter()
            for epoch in range(1, self.n_iter + 1):
                trainer.run_epoch()
                if self.verbose:
                    self._store(rbm)
                    end = time.perf_counter()
                    print(f"[{type(self).__name__}] Iteration {epoch}, pseudo-likelihood = "
                          f"{self.score_samples(X).mean():.2f}, time = {end - begin:.2f}s", flush=True)
                    begin = time.perf_counter()
            self._store(rbm, trainer)
        return self

    def partial_fit(self, X, y=None):
        """One update with all of X as the mini-batch (as scikit-learn's). The first call
        initialises the model from X. Momentum and the persistent chains start afresh each call
        (the chains from X's samples)."""
        first = not hasattr(self, "components_")
        X = _validate_data(self, X, accept_sparse="csr", dtype=_FIT_DTYPES, reset=first)
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        config = self._config(1, batch_size=X.shape[0]).replace(lr_schedule="constant")
        data = _engine_data(X)
        rng = np.random.default_rng(self.random_state_.randint(np.iinfo(np.int32).max))
        rbm = RBM.initialise(config.n_hidden, data, rng) if first else self._rbm()
        with Trainer(rbm, data, config, rng, self.blas_threads, any_values=True) as trainer:
            trainer.step()
            self._store(rbm, trainer)
        return self

    def _store(self, rbm: RBM, trainer: Trainer | None = None) -> None:
        self.components_ = np.array(rbm.W.T, dtype=np.float32, order="C")
        self.intercept_hidden_ = np.array(rbm.c, dtype=np.float32)
        self.intercept_visible_ = np.array(rbm.b, dtype=np.float32)
        self._n_features_out = self.components_.shape[0]
        chains = None if trainer is None else trainer._chains
        if chains is not None:      # stored as 0 / 0.5 with a row of 0.5 (see Trainer)
            self.h_samples_ = (chains[:-1].T * 2.0).astype(np.float32)

    def _rbm(self) -> RBM:
        return RBM(self.components_.T, self.intercept_visible_, self.intercept_hidden_)

    # ------------------------------------------------------------------ using the model
    def transform(self, X):
        """P(h=1|v) for each sample: (n_samples, n_components), in X's float dtype."""
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False)
        return scoring.sigmoid_(scoring.hidden_input(X, self.components_, self.intercept_hidden_))

    def gibbs(self, v):
        """One Gibbs step v -> h -> v' (sampled; bool (n_samples, n_features)), drawing from
        ``random_state_`` like scikit-learn's."""
        check_is_fitted(self)
        v = _validate_data(self, v, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False)
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        rs = self.random_state_
        p = scoring.sigmoid_(scoring.hidden_input(v, self.components_, self.intercept_hidden_))
        h = rs.uniform(size=p.shape) < p
        pv = scoring.sigmoid_(h.astype(np.float32) @ self.components_ + self.intercept_visible_)
        return rs.uniform(size=pv.shape) < pv

    def score_samples(self, X):
        """Pseudo-log-likelihood of each sample, scikit-learn's estimate: ``n_features x
        log P(v_i | v_-i)`` for one pixel ``i`` per sample (float64 (n_samples,); not clipped).

        scikit-learn draws ``i`` by the sample's position; here it is a hash of the sample's own
        values and ``random_state`` (an int; else 0), so a sample scores the same whatever else
        is scored with it and on every call. Its mean over samples is an unbiased estimate of
        the full pseudo-log-likelihood sum_i log P(v_i | v_-i) (the app's PLL metric)."""
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse="csr", reset=False)
        rs = self.random_state
        seed = int(rs) if isinstance(rs, numbers.Integral) and not isinstance(rs, bool) else 0
        return scoring.pseudo_likelihood(X, self.components_, self.intercept_hidden_,
                                         self.intercept_visible_, seed)

    # ------------------------------------------------------------------ the app's model files
    def to_model(self, image_shape=None):
        """The fitted model as the app's ``SavedModel`` (``rbm_gui.io.model_file``): open it in
        the window, or ``rbm-gui eval``/``dream``/``figure`` it after ``save``."""
        check_is_fitted(self)
        return to_saved_model(self, image_shape)

    def save(self, path, image_shape=None) -> None:
        """Write the fitted model as an rbm-gui model file (.npz, atomically)."""
        from rbm_gui.io.model_file import save_model
        save_model(path, self.to_model(image_shape))

    @classmethod
    def from_model(cls, model, **params) -> "BernoulliRBM":
        """A fitted estimator from an rbm-gui model file (path) or ``SavedModel``; its training
        settings become the parameters unless given in ``params``."""
        return from_saved_model(cls, model, params)

    # ------------------------------------------------------------------ scikit-learn's tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _more_tags(self):          # scikit-learn < 1.6
        return {"preserves_dtype": [np.float64, np.float32]}


def _engine_data(X) -> np.ndarray:
    """X as the trainer takes it: 0/1 bytes when it holds only 0s and 1s, else float32."""
    if hasattr(X, "toarray"):
        X = X.astype(np.float32).toarray()
    data, _ = training_array(X, X.shape[1], any_values=True)
    return data

"""Step-wise CD-k / PCD training of an RBM: one mini-batch per ``step()``.

A caller (the CLI's loop, the window's worker thread) calls ``step()`` repeatedly and may pause,
stop, or change the learning rate or momentum between any two steps. All randomness comes from
one seeded ``numpy.random.Generator``: the same data, seed and settings give bit-identical weights.

``Trainer`` holds the schedule, the step loop and the data; the update's math is in
``cd_update`` (buffers: ``step_buffers``, divergence check: ``divergence``), its measured
constants in ``tuning``. Each step's data columns and random bits come from
``feeder.BatchFeeder``, prepared one step ahead on a helper thread when that pays off.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.engine import schedules, tuning
from rbm_gui.engine.blas import BlasThreads, threads_for
from rbm_gui.engine.cd_update import CDUpdate
from rbm_gui.engine.divergence import TrainingDiverged
from rbm_gui.engine.feeder import BatchFeeder, bits_generator, training_array
from rbm_gui.engine.rbm import DTYPE, RBM

__all__ = ["StepInfo", "Trainer", "TrainingDiverged"]


@dataclass
class StepInfo:
    """Progress after one mini-batch."""

    epoch: int            # completed epochs
    batch: int            # mini-batches done in the current epoch (0 right after an epoch ends)
    n_batches: int        # mini-batches per epoch
    epoch_ended: bool     # this step finished an epoch
    samples_per_second: float
    learning_rate: float
    momentum: float


class Trainer(schedules.ScheduledTraining, CDUpdate):
    """Trains ``rbm`` in place on ``data`` with CD-k or PCD, one mini-batch per ``step()``.

    Parameters
    ----------
    rbm : the model, trained in place: its ``W``, ``b`` and ``c`` become views of the trainer's
        parameter array (same values, always a valid model between steps: read them from ``rbm``
        as usual, e.g. ``rbm.snapshot()`` for another thread). Writes into them are training
        input; arrays assigned to ``rbm.W``/``b``/``c`` are taken over at the next step (copied
        in). ``close()`` (or leaving ``with trainer:``) gives ``rbm`` its own arrays back. A
        read-only model (a snapshot) is refused: train a copy.
    data : (N, n_visible) training vectors (not copied unless converted, never modified), see
        ``feeder.training_array``: bool or 0/1 integers; with ``stochastic=True`` uint8 grey
        levels 0..255, binarised afresh for every mini-batch (pixel on with probability
        grey / 255); floats in [0, 1] are probabilities: used as they are in the positive phase
        (as scikit-learn's BernoulliRBM does), or with ``stochastic=True`` binarised afresh for
        every mini-batch. NaN or values out of range raise ValueError (``any_values=True`` lets
        finite floats outside [0, 1] through, as they are: the estimator's scikit-learn mode).
    config : hyperparameters (validated here).
    rng : the one generator for shuffling and sampling; default ``default_rng(config.seed + 1)``
        (``config.seed`` itself initialises the weights, see ``Trainer.create``).
    blas_threads : BLAS thread count for the trainer's own work: "auto" (default) takes one
        thread for small products and all cores for large ones (``blas.threads_for``), an int pins
        it, None leaves it as it is. It is set only while the trainer works (each ``step()``, or
        once around a loop of them inside ``with trainer:``) and restored afterwards: other code
        in the process never finds it changed. Results are bit-identical for the same seed,
        settings and thread count (OpenBLAS picks other kernels for other thread counts).
    prefetch : prepare each mini-batch's data columns and random bits one step ahead on a helper
        thread (``engine/feeder.py``); "auto" (default) does so when the products run on one BLAS
        thread, another core is free and the batch is large enough (``tuning.PREFETCH_MIN_PIXELS``).
        The weights do not depend on it.
    """

    def __init__(self, rbm: RBM, data: np.ndarray, config: TrainingConfig,
                 rng: np.random.Generator | None = None, blas_threads: int | str | None = "auto",
                 stochastic: bool = False, prefetch: bool | str = "auto", *, any_values: bool = False):
        config.validate()
        data, scale = training_array(data, rbm.n_visible, stochastic, any_values)
        if not all(a.flags.writeable for a in (rbm.W, rbm.b, rbm.c)):
            raise ValueError("the model's parameters are read-only (a snapshot?): train a copy, rbm.copy()")
        if blas_threads == "auto":
            blas_threads = threads_for(min(config.batch_size, len(data)), rbm.n_visible, rbm.n_hidden)
        self.blas_threads = blas_threads
        self._blas = BlasThreads(blas_threads)
        self._closed = False
        with self._blas:        # the PCD chains' first product too: same kernels as the steps
            self._setup(rbm, data, scale, config, rng, stochastic, prefetch)

    def _setup(self, rbm, data, scale, config, rng, stochastic, prefetch) -> None:
        self.rbm, self.data, self.config = rbm, data, config
        self.stochastic = bool(stochastic)
        self.rng = rng if rng is not None else np.random.default_rng(config.seed + 1)
        self.epoch = 0
        self.batch = 0
        self.momentum_override: float | None = None
        self.diverged = False
        nv, nh = rbm.n_visible, rbm.n_hidden
        self.batch_size = min(config.batch_size, data.shape[0])
        self.n_batches = -(-data.shape[0] // self.batch_size)
        self._init_update(nv, nh, self.batch_size, config, data, scale)
        self._attach()
        # The random bits of the Bernoulli draws: their own stream (see feeder.bits_generator),
        # one block per step: cd_k hidden and cd_k visible draws of B columns, 4 draws per word.
        words = -(-config.cd_k * (nh + nv) * self.batch_size // 4)
        if prefetch == "auto":
            prefetch = (self.blas_threads == 1 and (os.cpu_count() or 1) >= 2
                        and self.batch_size * nv >= tuning.PREFETCH_MIN_PIXELS)
        binarise = self._binarise if self.stochastic else None
        self._feeder = BatchFeeder(data, self.batch_size, words, bits_generator(self.rng), bool(prefetch), binarise,
                                   lit_rows=bool(self._lit_limit) and not config.pcd)
        self._chains = None
        if config.pcd:   # persistent chains (their hidden states) start from random training vectors
            start = data[self.rng.integers(0, data.shape[0], self.batch_size)].astype(DTYPE) / scale
            h = rbm.sample(rbm.hidden_probs(start), self.rng)
            self._chains = np.full((nh + 1, self.batch_size), 0.5, DTYPE)   # as 0 / 0.5, last row 0.5
            self._chains[:nh] *= h.T
        self._order = self.rng.permutation(data.shape[0])
        self._next_order = None
        self._rate_t0 = time.perf_counter()
        self._rate_samples = 0
        self._rate = 0.0

    @classmethod
    def create(cls, data: np.ndarray, config: TrainingConfig, image_shape: tuple[int, int] | None = None,
               blas_threads: int | str | None = "auto", stochastic: bool = False,
               prefetch: bool | str = "auto", *, any_values: bool = False, labels: np.ndarray | None = None):
        """A new model initialised from ``data`` (Hinton's guide) and its trainer, all from ``config.seed``.

        With ``config.labels`` the model has softmax label units and its trainer is a
        ``labelled_training.LabelledTrainer`` on ``labels`` ((N,) class indices of the rows of ``data``).
        """
        config.validate()
        if config.labels:
            from rbm_gui.engine.labelled_training import LabelledTrainer    # it imports this module
            if labels is None:
                raise ValueError("training with labels needs the labels of the training images")
            return LabelledTrainer.create(data, labels, config, image_shape, blas_threads, stochastic,
                                          any_values=any_values)
        rng = np.random.default_rng(config.seed)
        n_visible = np.shape(data)[1] if np.ndim(data) == 2 else None
        data, scale = training_array(data, n_visible, stochastic, any_values)
        rbm = RBM.initialise(config.n_hidden, data, rng, image_shape, scale=scale)
        return cls(rbm, data, config, rng, blas_threads, stochastic, prefetch, any_values=any_values)

    # ------------------------------------------------------------------ the caller's model
    def _attach(self) -> None:
        """Copy the model's current parameters into theta and make them views of it."""
        nv, nh = self._theta.shape[0] - 1, self._theta.shape[1] - 1
        rbm = self.rbm
        for name, a, shape in (("W", rbm.W, (nv, nh)), ("b", rbm.b, (nv,)), ("c", rbm.c, (nh,))):
            if np.shape(a) != shape:
                raise ValueError(f"the model's {name} has shape {np.shape(a)}, the trainer's {shape}")
        Wv, bv, cv = self._views
        # views of theta already hold their values (another step wrote them): no self-copies
        for view, a in ((Wv, rbm.W), (bv, rbm.b), (cv, rbm.c)):
            if a is not view:
                view[...] = a
        rbm.W, rbm.b, rbm.c = self._views
        self._w_norm = None             # theta may have changed: recompute the divergence bound

    def close(self) -> None:
        """Stop the helper thread and give the model its own (contiguous) arrays back, with the
        trained values. Further steps raise RuntimeError."""
        if self._closed:
            return
        self._closed = True
        self._feeder.close()
        rbm = self.rbm
        Wv, bv, cv = self._views
        if rbm.W is Wv:
            rbm.W = Wv.copy()
        if rbm.b is bv:
            rbm.b = bv.copy()
        if rbm.c is cv:
            rbm.c = cv.copy()

    # ------------------------------------------------------------------ the step
    def step(self) -> StepInfo:
        """Train on one mini-batch. Raises TrainingDiverged (parameters unchanged) on NaN/inf."""
        if self._closed:
            raise RuntimeError("this trainer is closed")
        rbm, (Wv, bv, cv) = self.rbm, self._views
        if rbm.W is not Wv or rbm.b is not bv or rbm.c is not cv:
            self._attach()      # the caller assigned new parameters: train those
        with self._blas:
            return self._step()

    def _step(self) -> StepInfo:
        lr, mom = self.learning_rate, self.momentum
        N = self.data.shape[0]
        B = self.batch_size
        start = self.batch * B
        idx = self._order[start:start + B]
        last = self.batch + 1 >= self.n_batches
        if last and self._next_order is None:     # drawn now so the next batch can be prepared
            self._next_order = self.rng.permutation(N)
        if last:
            next_idx, next_key = self._next_order[:B], (self._next_order, 0)
        else:
            next_idx, next_key = self._order[start + B:start + 2 * B], (self._order, start + B)
        self._cd_update(idx, lr, mom, next_idx, (self._order, start), next_key)
        self.batch += 1
        ended = self.batch >= self.n_batches
        if ended:
            self.epoch += 1
            self.batch = 0
            self._order, self._next_order = self._next_order, None
        self._count(len(idx))
        return StepInfo(self.epoch, self.batch, self.n_batches, ended, self._rate, lr, mom)

    def _binarise(self, grey: np.ndarray) -> np.ndarray:
        """Stochastic binarisation: u uniform on 0..254, so P(u < grey) = grey / 255 exactly;
        probabilities (float32) compare with float uniforms on [0, 1)."""
        out = self._buf.v_bool[:len(grey)]
        if grey.dtype == np.uint8:
            np.less(self.rng.integers(0, 255, size=grey.shape, dtype=np.uint8), grey, out=out)
        else:
            np.less(self.rng.random(grey.shape, dtype=DTYPE), grey, out=out)
        return out

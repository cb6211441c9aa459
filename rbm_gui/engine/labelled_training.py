"""Step-wise training of a labelled RBM (softmax label units, see ``labelled_update``).

``LabelledTrainer`` offers the interface ``TrainingRun`` and the window use on ``Trainer``
(``step()``, the schedule, ``set_learning_rate``/``set_momentum``, ``close()``, ``with``), with
its own update: generative CD-k / PCD over (v, y) plus ``discriminative_weight`` times the exact
gradient of log P(y|v) (``TrainingConfig.discriminative_weight``; 0 is the plain joint RBM), the
latter on digits moved by up to ``shift_pixels`` pixels (augmentation against over-fitting).
Labels travel with their images: every mini-batch takes rows ``idx`` of both. All randomness
comes from one seeded generator: the same data, labels, seed and settings give the same weights.
"""

from __future__ import annotations

import math
import time

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.engine import schedules, tuning
from rbm_gui.engine.blas import BlasThreads, threads_for
from rbm_gui.engine.divergence import TrainingDiverged
from rbm_gui.engine.feeder import training_array
from rbm_gui.engine.labelled_update import (Gradients, centred, discriminative_gradient, generative_gradient,
                                            gibbs_negative, shifted, standard_step)
from rbm_gui.engine.numerics import sigmoid
from rbm_gui.engine.rbm import DTYPE, RBM
from rbm_gui.engine.training import StepInfo

#: Most label units a model may have (the model-file rules use the same bounds).
MIN_LABELS, MAX_LABELS = 2, 100


def label_array(labels, n_rows: int, n_labels: int | None = None) -> np.ndarray:
    """Class indices (n_rows,) int64 checked against ``n_labels`` (or 2..MAX_LABELS classes)."""
    labels = np.asarray(labels)
    if labels.shape != (n_rows,):
        raise ValueError(f"expected {n_rows} labels (one per training image), got shape {labels.shape}")
    if labels.dtype.kind not in "ui":
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    top = n_labels if n_labels is not None else MAX_LABELS
    if n_rows and (labels.min() < 0 or labels.max() >= top):
        raise ValueError(f"labels must be 0..{top - 1}, got values from {labels.min()} to {labels.max()}")
    return labels.astype(np.int64)


def initial_label_parameters(labels: np.ndarray, n_labels: int, n_hidden: int,
                             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """U ~ N(0, 0.01^2) and d = log of the class frequencies (clipped), as Hinton's guide sets b."""
    freq = np.bincount(labels, minlength=n_labels) / max(1, len(labels))
    d = np.log(np.clip(freq, 1e-3, 1.0))
    return rng.normal(0.0, 0.01, size=(n_labels, n_hidden)).astype(DTYPE), d.astype(DTYPE)


class LabelledTrainer(schedules.ScheduledTraining):
    """Trains the labelled ``rbm`` in place (its W, b, c, U, d) on ``data`` and ``labels``.

    data : (N, n_visible) as ``Trainer`` takes it (``feeder.training_array``); labels : (N,) ints
    0..n_labels-1 in the same row order. Other arguments as ``Trainer``'s (no helper thread here).
    """

    def __init__(self, rbm: RBM, data: np.ndarray, labels: np.ndarray, config: TrainingConfig,
                 rng: np.random.Generator | None = None, blas_threads: int | str | None = "auto",
                 stochastic: bool = False, *, any_values: bool = False):
        config.validate()
        if rbm.n_labels == 0:
            raise ValueError("the model has no label units: train it with Trainer")
        if not all(a.flags.writeable for a in rbm.parameters()):
            raise ValueError("the model's parameters are read-only (a snapshot?): train a copy, rbm.copy()")
        self.data, self.scale = training_array(data, rbm.n_visible, stochastic, any_values)
        self.labels = label_array(labels, len(self.data), rbm.n_labels)
        if blas_threads == "auto":
            blas_threads = threads_for(min(config.batch_size, len(self.data)), rbm.n_visible, rbm.n_hidden)
        self.blas_threads = blas_threads
        self._blas = BlasThreads(blas_threads)
        self.rbm, self.config = rbm, config
        self.stochastic = bool(stochastic)
        self.rng = rng if rng is not None else np.random.default_rng(config.seed + 1)
        self.epoch = self.batch = 0
        self.momentum_override: float | None = None
        self.diverged = False
        self._closed = False
        N = len(self.data)
        self.batch_size = min(config.batch_size, N)
        self.n_batches = -(-N // self.batch_size)
        K, nh = rbm.n_labels, rbm.n_hidden
        self._velocity = [np.zeros_like(a) for a in rbm.parameters()]
        if config.centering:
            self.mu = (self.data.mean(axis=0, dtype=np.float64) / self.scale).astype(DTYPE)
            self.nu = (np.bincount(self.labels, minlength=K) / N).astype(DTYPE)
            self.lam = np.full(nh, 0.5, DTYPE)
        else:
            self.mu, self.nu, self.lam = (np.zeros(rbm.n_visible, DTYPE), np.zeros(K, DTYPE),
                                          np.zeros(nh, DTYPE))
        self._q = np.zeros(nh, DTYPE)
        self._norm_limit = tuning.MAX_WEIGHT_RMS
        self._chains = None
        with self._blas:
            if config.pcd:      # persistent chains start from P(h|v, y) of random training pairs
                pick = self.rng.integers(0, N, self.batch_size)
                ph = sigmoid(self._batch(pick) @ rbm.W + rbm.c + rbm.U[self.labels[pick]])
                self._chains = (self.rng.random(ph.shape, dtype=DTYPE) < ph).astype(DTYPE)
        self._order = self.rng.permutation(N)
        self._rate_t0, self._rate_samples, self._rate = time.perf_counter(), 0, 0.0

    @classmethod
    def create(cls, data: np.ndarray, labels: np.ndarray, config: TrainingConfig,
               image_shape: tuple[int, int] | None = None, blas_threads: int | str | None = "auto",
               stochastic: bool = False, n_labels: int | None = None, *,
               any_values: bool = False) -> "LabelledTrainer":
        """A new labelled model (W, b, c as ``Trainer.create``; U, d see ``initial_label_parameters``)
        and its trainer, all from ``config.seed``. ``n_labels``: default max(labels) + 1."""
        config.validate()
        rng = np.random.default_rng(config.seed)
        n_visible = np.shape(data)[1] if np.ndim(data) == 2 else None
        data, scale = training_array(data, n_visible, stochastic, any_values)
        labels = label_array(labels, len(data), n_labels)
        K = int(n_labels if n_labels is not None else labels.max() + 1)
        if not MIN_LABELS <= K <= MAX_LABELS:
            raise ValueError(f"a labelled model needs {MIN_LABELS} to {MAX_LABELS} classes, the labels have {K}")
        rbm = RBM.initialise(config.n_hidden, data, rng, image_shape, scale=scale)
        U, d = initial_label_parameters(labels, K, config.n_hidden, rng)
        rbm = RBM(rbm.W, rbm.b, rbm.c, rbm.image_shape, U, d)
        return cls(rbm, data, labels, config, rng, blas_threads, stochastic, any_values=any_values)

    def close(self) -> None:
        """Further steps raise RuntimeError (the model's arrays are its own throughout)."""
        self._closed = True

    # ------------------------------------------------------------------ the step
    def _batch(self, idx: np.ndarray) -> np.ndarray:
        """Rows ``idx`` as float32 (B, n_visible): 0/1, probabilities, or binarised afresh."""
        rows = self.data[idx]
        if self.stochastic:
            if rows.dtype == np.uint8:
                return (self.rng.integers(0, 255, size=rows.shape, dtype=np.uint8) < rows).astype(DTYPE)
            return (self.rng.random(rows.shape, dtype=DTYPE) < rows).astype(DTYPE)
        return rows.astype(DTYPE)

    def step(self) -> StepInfo:
        """Train on one mini-batch. Raises TrainingDiverged (parameters unchanged) on NaN/inf."""
        if self._closed:
            raise RuntimeError("this trainer is closed")
        with self._blas:
            lr, mom = self.learning_rate, self.momentum
            start = self.batch * self.batch_size
            idx = self._order[start:start + self.batch_size]
            self._update(idx, lr, mom)
            self.batch += 1
            ended = self.batch >= self.n_batches
            if ended:
                self.epoch += 1
                self.batch = 0
                self._order = self.rng.permutation(len(self.data))
            self._count(len(idx))
            return StepInfo(self.epoch, self.batch, self.n_batches, ended, self._rate, lr, mom)

    def _update(self, idx: np.ndarray, lr: float, mom: float) -> None:
        rbm, cfg = self.rbm, self.config
        W, b, c, U, d = rbm.parameters()
        v0, y0 = self._batch(idx), self.labels[idx]
        x0 = v0 @ W + c
        ph0 = sigmoid(x0 + U[y0])
        if self._chains is not None:
            h = self._chains[:len(idx)]
        else:
            h = (self.rng.random(ph0.shape, dtype=DTYPE) < ph0).astype(DTYPE)
        neg = gibbs_negative(W, b, c, U, d, h, cfg.cd_k, self.rng, self._chains is not None)
        grad = generative_gradient(v0, y0, ph0, neg, rbm.n_labels, self.mu, self.nu, self.lam)
        if cfg.discriminative_weight > 0:
            # augmentation for the classifier only: shifted digits in the generative side too
            # spoilt the label-clamped dreams (docs/engine-notes.md)
            vd = shifted(v0, rbm.image_shape, cfg.shift_pixels, self.rng)
            disc, _ = discriminative_gradient(W, c, U, d, vd, y0, x0 if vd is v0 else None)
            for g, dg in zip(grad.arrays(), centred(disc, self.mu, self.nu, self.lam).arrays()):
                g += DTYPE(cfg.discriminative_weight) * dg
        mean_h0 = ph0.mean(axis=0, dtype=DTYPE)
        grad = standard_step(grad, self.mu, self.nu, self.lam)
        if cfg.sparsity_cost > 0:       # as the unlabelled trainer: pull mean activity to the target
            self._q *= 0.9
            self._q += 0.1 * mean_h0
            penalty = cfg.sparsity_cost * (self._q - cfg.sparsity_target)
            grad.c -= penalty
            grad.W -= np.outer(v0.mean(axis=0), penalty).astype(DTYPE)
        steps = self._steps(grad, lr, mom)
        self._check(steps, lr)
        for p, s in zip(rbm.parameters(), steps):
            p += s
        if self._chains is not None:
            self._chains[:len(idx)] = neg.h_next
        if cfg.centering:
            self.lam *= 1.0 - cfg.offset_rate
            self.lam += cfg.offset_rate * mean_h0

    def _steps(self, grad: Gradients, lr: float, mom: float) -> list[np.ndarray]:
        """velocity' = mom velocity + lr gradient - lr wd theta (weights W and U only are decayed),
        in place (a refused update clears the velocity anyway)."""
        decay = lr * self.config.weight_decay
        for i, (g, vel, p) in enumerate(zip(grad.arrays(), self._velocity, self.rbm.parameters())):
            vel *= DTYPE(mom)
            g *= DTYPE(lr)
            vel += g
            if decay and i in (0, 3):
                vel -= DTYPE(decay) * p
        return self._velocity

    def _check(self, steps: list[np.ndarray], lr: float) -> None:
        """Refuse a non-finite update or one that makes W or U explode (RMS beyond the limit).

        |p + s|^2 = |p|^2 + 2 p.s + |s|^2 from three dot products (BLAS, no temporary arrays);
        a finite |s|^2 means every step is finite."""
        rbm = self.rbm
        squares = [float(s.ravel() @ s.ravel()) for s in steps]
        finite = all(math.isfinite(x) for x in squares)
        what = "the update is not finite"
        if finite:
            worst = 0.0
            for p, s, ss in ((rbm.W, steps[0], squares[0]), (rbm.U, steps[3], squares[3])):
                pf, sf = p.ravel(), s.ravel()
                worst = max(worst, math.sqrt(max(0.0, float(pf @ pf) + 2 * float(pf @ sf) + ss) / p.size))
            if worst <= self._norm_limit:
                return
            what = f"the weights exploded (RMS {worst:.3g} > {tuning.MAX_WEIGHT_RMS:g})"
        self._velocity = [np.zeros_like(a) for a in rbm.parameters()]
        self.diverged = True
        raise TrainingDiverged(
            f"training diverged at epoch {self.epoch + 1}, mini-batch {self.batch + 1} "
            f"(learning rate {lr:g}): {what}; parameters kept from the step before. "
            "Lower the learning rate and resume.")


def trainer_for(rbm: RBM, data: np.ndarray, config: TrainingConfig, rng: np.random.Generator | None,
                stochastic: bool = False, labels: np.ndarray | None = None, blas_threads: int | str | None = "auto"):
    """The trainer of an existing model: a ``LabelledTrainer`` for a labelled one (``labels``
    required), else the unlabelled ``Trainer`` (labels, if given, are not used)."""
    from rbm_gui.engine.training import Trainer
    if rbm.n_labels:
        if labels is None:
            raise ValueError("this model has label units: training it needs the training images' labels")
        return LabelledTrainer(rbm, data, labels, config, rng, blas_threads, stochastic)
    return Trainer(rbm, data, config, rng, blas_threads, stochastic)

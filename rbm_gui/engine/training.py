"""Step-wise CD-k / PCD training of an RBM: one mini-batch per ``step()``.

A caller (the CLI's loop, the window's worker thread) calls ``step()`` repeatedly and may pause,
stop, or change the learning rate or momentum between any two steps. All randomness comes from
one seeded ``numpy.random.Generator``: the same data, seed and settings give bit-identical weights.

The hot loop works in float32 on preallocated buffers (no allocation per mini-batch) and fuses
the positive and negative gradient products into one matrix product: the data batch and its
reconstruction are stacked as ``V = [v0; v1]`` (2B x n_visible) and the hidden probabilities as
``H = [ph0; -ph1]`` (2B x n_hidden), so ``V.T @ H = v0.T ph0 - v1.T ph1``.

Centring (Montavon & Mueller 2012; Melchior, Fischer & Wiskott 2016): the gradient is taken in
the centred parameterisation ``E = -(v-mu).W.(h-lam) - ...`` with ``mu`` the data's pixel means and
``lam`` a moving average of the hidden activations; it amounts to subtracting the offsets from
both stacks before the fused product. The model itself stays a standard RBM (the update is
converted back), so sampling and metrics do not know about centring.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.engine import schedules
from rbm_gui.engine.blas import set_blas_threads, threads_for
from rbm_gui.engine.numerics import sigmoid
from rbm_gui.engine.rbm import DTYPE, RBM


class TrainingDiverged(ArithmeticError):
    """The update became NaN or infinite, or the weights exploded; the parameters are those
    before the failing step."""


#: Root-mean-square weight beyond which training counts as diverged. A bounded gradient means a
#: too-large learning rate explodes the weights rather than producing NaN. Measured on MNIST:
#: sensible models stay below RMS 2.1 (10 units, 60 epochs at lr 0.1 without weight decay: 1.2;
#: 5 units, plain CD at lr 0.2: 2.0); learning rate 100 passes 10 within 3 epochs. At RMS 5 a
#: hidden unit's input has a spread of ~50, every sigmoid is saturated and learning has stopped.
MAX_WEIGHT_RMS = 5.0


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


#: Bernoulli draws in the hot loop compare a 16-bit uniform integer with the probability:
#: ``h = s < 32768 * tanh(x / 2)`` with ``s`` uniform on -32768..32767 fires with probability
#: ``ceil(32768 * tanh(x / 2) + 32768) / 65536``, i.e. ``sigmoid(x)`` rounded up to the next
#: multiple of 2^-16 (exact at 0 and 1). Four draws come from one 64-bit output of the
#: generator, 3x cheaper than float32 uniforms, and the sigmoid itself is never formed.
BERNOULLI_BITS = 16


def uniform_int16(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Uniform int16 on -32768..32767: the raw 64-bit output of ``rng`` split into four lanes."""
    n = shape[0] * shape[1]
    return rng.bit_generator.random_raw(-(-n // 4)).view(np.int16)[:n].reshape(shape)


@dataclass
class _Buffers:
    """Preallocated float32 work arrays for a batch size ``B``, feature-major (one column per
    sample): on this machine ``W.T @ V`` and ``W @ h`` with the samples as columns ran ~25%
    faster than the row-major products for 400 hidden units."""

    B: int
    n_visible: int
    n_hidden: int
    batch_u8: np.ndarray = field(init=False)
    v_bool: np.ndarray = field(init=False)  # stochastic binarisation of the batch
    V: np.ndarray = field(init=False)       # (nv, 2B+1): data | negative visibles | centring column
    H: np.ndarray = field(init=False)       # (nh, 2B+1): ph0 - lam | -(ph1 - lam) | correction, scaled
    hs: np.ndarray = field(init=False)      # (nh, B) sampled hidden states, stored as 0 / 0.5
    pv: np.ndarray = field(init=False)      # (nv, B) negative-phase visible input
    y: np.ndarray = field(init=False)       # (nh, B) scratch: thresholds for hidden draws
    G: np.ndarray = field(init=False)       # (nv, nh) gradient
    sign: np.ndarray = field(init=False)    # (2B,) +1 then -1 (bias gradient by one GEMV)

    def __post_init__(self):
        B, nv, nh = self.B, self.n_visible, self.n_hidden
        self.batch_u8 = np.empty((B, nv), dtype=np.uint8)
        self.v_bool = np.empty((B, nv), dtype=bool)
        self.V = np.zeros((nv, 2 * B + 1), dtype=DTYPE)
        self.H = np.zeros((nh, 2 * B + 1), dtype=DTYPE)
        self.hs = np.zeros((nh, B), dtype=DTYPE)
        self.pv = np.empty((nv, B), dtype=DTYPE)
        self.y = np.empty((nh, B), dtype=DTYPE)
        self.G = np.empty((nv, nh), dtype=DTYPE)
        self.sign = np.concatenate([np.ones(B, DTYPE), -np.ones(B, DTYPE)])


class Trainer:
    """Trains ``rbm`` in place on ``data`` with CD-k or PCD, one mini-batch per ``step()``.

    Parameters
    ----------
    rbm : the model, updated in place.
    data : (N, n_visible) bool or uint8 0/1 training vectors (not copied, never modified); with
        ``stochastic=True``, uint8 grey levels 0..255 instead, binarised afresh for every
        mini-batch (pixel on with probability grey / 255).
    config : hyperparameters (validated here).
    rng : the one generator for shuffling and sampling; default ``default_rng(config.seed + 1)``
        (``config.seed`` itself initialises the weights, see ``Trainer.create``).
    blas_threads : BLAS thread count (process-wide) for training: "auto" (default) takes one
        thread for small products and all cores for large ones (``blas.threads_for``), an int pins
        it, None leaves it as it is. Results are bit-identical for the same seed, settings and
        thread count (OpenBLAS picks other kernels for other thread counts).
    """

    def __init__(self, rbm: RBM, data: np.ndarray, config: TrainingConfig,
                 rng: np.random.Generator | None = None, blas_threads: int | str | None = "auto",
                 stochastic: bool = False):
        config.validate()
        if blas_threads == "auto":
            blas_threads = threads_for(min(config.batch_size, len(data)), rbm.n_visible, rbm.n_hidden)
        if blas_threads is not None:
            set_blas_threads(blas_threads)
        self.blas_threads = blas_threads
        data = np.asarray(data)
        if data.ndim != 2 or data.shape[1] != rbm.n_visible:
            raise ValueError(f"training data must be (N, {rbm.n_visible}), got {data.shape}")
        if data.shape[0] < 1:
            raise ValueError("training data is empty")
        if data.dtype == bool:
            data = data.view(np.uint8)         # same bytes, no copy (60,000 digits: 47 MB)
        elif data.dtype != np.uint8:
            data = data.astype(np.uint8)
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
        self._buf = _Buffers(self.batch_size, nv, nh)
        self._vW = np.zeros((nv, nh), DTYPE)
        self._vb = np.zeros(nv, DTYPE)
        self._vc = np.zeros(nh, DTYPE)
        self._decay_buf = np.empty((nv, nh), DTYPE) if config.weight_decay > 0 else None
        # Centring offsets: mu = data means (fixed), lam = moving average of P(h|data).
        scale = 255.0 if self.stochastic else 1.0
        self.mu = (data.mean(axis=0, dtype=np.float64) / scale).astype(DTYPE) if config.centering else None
        self.lam = np.full(nh, 0.5, DTYPE) if config.centering else None
        self._q = np.zeros(nh, DTYPE)      # running mean activity, for the sparsity penalty
        self._w_norm: float | None = None  # upper bound of |W| (see _check_divergence)
        self._norm_age = 0
        self._chains = None
        if config.pcd:   # persistent chains (their hidden states) start from random training vectors
            start = data[self.rng.integers(0, data.shape[0], self.batch_size)].astype(DTYPE) / scale
            h = rbm.sample(rbm.hidden_probs(start), self.rng)
            self._chains = np.ascontiguousarray(0.5 * h.T, dtype=DTYPE)    # (nh, B), as 0 / 0.5
        self._order = self.rng.permutation(data.shape[0])
        self._rate_t0 = time.perf_counter()
        self._rate_samples = 0
        self._rate = 0.0

    @classmethod
    def create(cls, data: np.ndarray, config: TrainingConfig, image_shape: tuple[int, int] | None = None,
               blas_threads: int | str | None = "auto", stochastic: bool = False) -> "Trainer":
        """A new model initialised from ``data`` (Hinton's guide) and its trainer, all from ``config.seed``."""
        config.validate()
        rng = np.random.default_rng(config.seed)
        rbm = RBM.initialise(config.n_hidden, data, rng, image_shape, scale=255.0 if stochastic else 1.0)
        return cls(rbm, data, config, rng, blas_threads, stochastic)

    # ------------------------------------------------------------------ schedule
    @property
    def learning_rate(self) -> float:
        c = self.config
        return schedules.learning_rate(c.learning_rate, c.lr_schedule, self.epoch,
                                       self.batch / self.n_batches, c.epochs, c.lr_decay)

    @property
    def momentum(self) -> float:
        if self.momentum_override is not None:
            return self.momentum_override
        c = self.config
        return schedules.momentum(c.initial_momentum, c.momentum, c.momentum_switch_epoch, self.epoch)

    def set_learning_rate(self, lr: float) -> None:
        """Change the base learning rate; takes effect at the next mini-batch (the schedule continues)."""
        self.config = self.config.replace(learning_rate=float(lr)).validate()

    def set_momentum(self, m: float) -> None:
        """Fix the momentum from the next mini-batch on (overrides the 0.5 -> 0.9 switch)."""
        self.config.replace(momentum=float(m)).validate()
        self.momentum_override = float(m)

    @property
    def finished(self) -> bool:
        return self.epoch >= self.config.epochs

    @property
    def samples_per_second(self) -> float:
        return self._rate

    # ------------------------------------------------------------------ the step
    def step(self) -> StepInfo:
        """Train on one mini-batch. Raises TrainingDiverged (parameters unchanged) on NaN/inf."""
        lr, mom = self.learning_rate, self.momentum
        N = self.data.shape[0]
        start = self.batch * self.batch_size
        idx = self._order[start:start + self.batch_size]
        self._cd_update(idx, lr, mom)
        self.batch += 1
        ended = self.batch >= self.n_batches
        if ended:
            self.epoch += 1
            self.batch = 0
            self._order = self.rng.permutation(N)
        self._count(len(idx))
        return StepInfo(self.epoch, self.batch, self.n_batches, ended, self._rate, lr, mom)

    def run_epoch(self) -> StepInfo:
        """Steps until the current epoch ends."""
        while True:
            info = self.step()
            if info.epoch_ended:
                return info

    def _count(self, n: int) -> None:
        self._rate_samples += n
        now = time.perf_counter()
        if now - self._rate_t0 >= 0.5:
            self._rate = self._rate_samples / (now - self._rate_t0)
            self._rate_t0, self._rate_samples = now, 0

    def _check_divergence(self, vW: np.ndarray, step_b: np.ndarray, step_c: np.ndarray, lr: float) -> None:
        """Raise before applying a non-finite or weight-exploding update.

        Exact test: RMS(W + vW) <= MAX_WEIGHT_RMS. To save two passes over W per step it first
        tries the triangle-inequality bound |W + vW| <= |W| + |vW|, with |W| recomputed exactly
        every 64 steps; only when the bound exceeds the limit is the exact norm computed.
        """
        w, d = self.rbm.W.ravel(), vW.ravel()
        dd = float(d @ d)
        finite = np.isfinite(dd) and np.isfinite(step_b.sum()) and np.isfinite(step_c.sum())
        limit = MAX_WEIGHT_RMS * np.sqrt(w.size)
        if finite:
            if self._w_norm is None or self._norm_age >= 64:
                self._w_norm, self._norm_age = np.sqrt(float(w @ w)), 0
            bound = self._w_norm + np.sqrt(dd)
            if bound <= limit:
                self._w_norm, self._norm_age = bound, self._norm_age + 1
                return
            new_sq = float(w @ w) + 2.0 * float(w @ d) + dd       # |W + vW|^2, exactly
            finite = np.isfinite(new_sq)
            if finite and new_sq <= limit * limit:
                self._w_norm, self._norm_age = np.sqrt(new_sq), 0
                return
        rms = np.sqrt(new_sq / w.size) if finite else float("nan")
        self._vW.fill(0), self._vb.fill(0), self._vc.fill(0)
        self.diverged = True
        what = "the update is not finite" if not finite else f"the weights exploded (RMS {rms:.3g} > {MAX_WEIGHT_RMS:g})"
        raise TrainingDiverged(
            f"training diverged at epoch {self.epoch + 1}, mini-batch {self.batch + 1} "
            f"(learning rate {lr:g}): {what}; parameters kept from the step before. "
            "Lower the learning rate and resume.")

    def _cd_update(self, idx: np.ndarray, lr: float, mom: float) -> None:
        """One CD-k / PCD update on the samples ``idx``, feature-major (samples are columns).

        Hidden and visible probabilities are kept as ``t = tanh(x / 2)`` (``sigmoid(x) =
        (1 + t) / 2``): draws compare ``t`` with 16-bit uniforms (``BERNOULLI_BITS``), and the
        hidden samples are stored as 0 / 0.5 so that ``W @ h`` already carries the 1/2 of the
        visible ``tanh(x / 2)``.
        """
        rbm, buf, cfg, rng = self.rbm, self._buf, self.config, self.rng
        W, b, c = rbm.W, rbm.b, rbm.c
        m = len(idx)
        V, H = buf.V, buf.H
        V0, V1, H0, H1 = V[:, :m], V[:, m:2 * m], H[:, :m], H[:, m:2 * m]
        hs, pv, y = buf.hs[:, :m], buf.pv[:, :m], buf.y[:, :m]
        c_col = c[:, None]

        batch = buf.batch_u8[:m]
        np.take(self.data, idx, axis=0, out=batch)
        if self.stochastic:     # u uniform on 0..254: P(u < grey) = grey / 255 exactly
            vb_ = buf.v_bool[:m]
            np.less(rng.integers(0, 255, size=batch.shape, dtype=np.uint8), batch, out=vb_)
            batch = vb_
        np.copyto(V0, batch.T)
        # positive phase: t0 = tanh((W.T v0 + c) / 2), P(h|v0) = (1 + t0) / 2
        np.matmul(W.T, V0, out=H0)
        H0 += c_col
        H0 *= 0.5
        np.tanh(H0, out=H0)
        if self._chains is None:       # CD: the chain starts at the data
            np.multiply(H0, 32768.0, out=y)
            np.less(uniform_int16(rng, y.shape), y, out=hs)
            hs *= 0.5
        else:                          # PCD: continue from the hidden states sampled last step
            hs = self._chains[:, :m]
        b_half = 0.5 * b[:, None]
        for t in range(cfg.cd_k):
            np.matmul(W, hs, out=pv)                   # (W h + b) / 2, as hs holds h / 2
            pv += b_half
            np.tanh(pv, out=pv)
            pv *= 32768.0
            np.less(uniform_int16(rng, pv.shape), pv, out=V1)
            np.matmul(W.T, V1, out=H1)
            H1 += c_col
            H1 *= 0.5
            np.tanh(H1, out=H1)
            if t + 1 < cfg.cd_k or self._chains is not None:
                # PCD: the chains' next hidden state is drawn now, from P(h|v1) under the
                # weights before this update (as scikit-learn's PCD does): one product fewer.
                hs = buf.hs[:, :m] if t + 1 < cfg.cd_k else self._chains[:, :m]
                np.multiply(H1, 32768.0, out=y)
                np.less(uniform_int16(rng, y.shape), y, out=hs)
                hs *= 0.5
        need_mean_h0 = cfg.centering or cfg.sparsity_cost > 0
        mean_h0 = (0.5 + (0.5 / m) * H0.sum(axis=1)).astype(DTYPE) if need_mean_h0 else None
        # The stacks scaled by lr / m, so the product is lr x the mean gradient directly:
        # top (P(h|v0) - lam) s = (s/2) t0 + s (1/2 - lam); bottom the negative of the same for t1.
        scale = lr / m
        off = (scale * (0.5 - self.lam) if cfg.centering else np.full(c.shape, 0.5 * scale, DTYPE))[:, None]
        H0 *= 0.5 * scale
        H0 += off
        H1 *= -0.5 * scale
        H1 -= off
        dc = H[:, :2 * m].sum(axis=1)                  # lam cancels between the halves
        db = V[:, :2 * m] @ buf.sign[:2 * m]
        db *= scale
        G = buf.G
        if cfg.centering:
            # sum_n (v_n - mu) H_n = V H.T - mu (sum_n H_n): the rank-one correction rides
            # along in the same product as one extra column pair (mu, -dc).
            V[:, 2 * m] = self.mu
            np.negative(dc, out=H[:, 2 * m])
            np.matmul(V[:, :2 * m + 1], H[:, :2 * m + 1].T, out=G)
        else:
            np.matmul(V[:, :2 * m], H[:, :2 * m].T, out=G)
        if cfg.sparsity_cost > 0:
            self._q *= 0.9
            self._q += 0.1 * mean_h0
            penalty = (lr * cfg.sparsity_cost) * (self._q - cfg.sparsity_target)
            dc -= penalty
            G -= np.outer(batch.mean(axis=0), penalty).astype(DTYPE)
        if self._decay_buf is not None:
            np.multiply(W, lr * cfg.weight_decay, out=self._decay_buf)
            G -= self._decay_buf
        # momentum: v <- mom * v + lr * grad (G, db, dc already carry the learning rate)
        if mom == 0.0:       # no momentum: the gradient is the step (swap buffers, no pass)
            self._vW, buf.G = G, self._vW
            self._vb, self._vc = db, dc
        else:
            self._vW *= mom
            self._vW += G
            self._vb *= mom
            self._vb += db
            self._vc *= mom
            self._vc += dc
        vW, vb, vc = self._vW, self._vb, self._vc
        if cfg.centering:   # centred bias steps -> standard parameters (offsets held fixed)
            step_b = vb - vW @ self.lam
            step_c = vc - self.mu @ vW
        else:
            step_b, step_c = vb, vc
        self._check_divergence(vW, step_b, step_c, lr)
        W += vW
        b += step_b
        c += step_c
        if cfg.centering:
            self.lam *= 1.0 - cfg.offset_rate
            self.lam += cfg.offset_rate * mean_h0

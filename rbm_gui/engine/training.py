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


@dataclass
class _Buffers:
    """Preallocated float32 work arrays for a batch size ``B``."""

    B: int
    n_visible: int
    n_hidden: int
    batch_u8: np.ndarray = field(init=False)
    v_bool: np.ndarray = field(init=False)  # sampled visibles before centring
    V: np.ndarray = field(init=False)       # (2B, nv): data on top, negative visibles below
    H: np.ndarray = field(init=False)       # (2B, nh): ph0 on top, -ph1 below
    U_v: np.ndarray = field(init=False)     # uniforms for visible sampling
    U_h: np.ndarray = field(init=False)     # uniforms for hidden sampling
    hs: np.ndarray = field(init=False)      # sampled hidden states (float32 0/1)
    pv: np.ndarray = field(init=False)      # P(v|h) of the negative phase
    G: np.ndarray = field(init=False)       # (nv, nh) gradient
    sign: np.ndarray = field(init=False)    # (2B,) +1 on top, -1 below (bias gradient by one GEMV)

    def __post_init__(self):
        B, nv, nh = self.B, self.n_visible, self.n_hidden
        self.batch_u8 = np.empty((B, nv), dtype=np.uint8)
        self.v_bool = np.empty((B, nv), dtype=bool)
        self.V = np.empty((2 * B, nv), dtype=DTYPE)
        self.H = np.empty((2 * B, nh), dtype=DTYPE)
        self.U_v = np.empty((B, nv), dtype=DTYPE)
        self.U_h = np.empty((B, nh), dtype=DTYPE)
        self.hs = np.empty((B, nh), dtype=DTYPE)
        self.pv = np.empty((B, nv), dtype=DTYPE)
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
            self._chains = rbm.sample(rbm.hidden_probs(start), self.rng).astype(DTYPE)
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
        rbm, buf, cfg, rng = self.rbm, self._buf, self.config, self.rng
        W, b, c = rbm.W, rbm.b, rbm.c
        m = len(idx)
        V, H = buf.V[:2 * m], buf.H[:2 * m]
        V0, V1, H0, H1 = V[:m], V[m:], H[:m], H[m:]
        U_v, U_h, hs, pv = buf.U_v[:m], buf.U_h[:m], buf.hs[:m], buf.pv[:m]

        # Centring the visibles: sum_n (v_n - mu) h_n = V.T H - mu (sum_n h_n). For small models
        # the rank-1 correction (n_visible x n_hidden) is cheapest; for large ones the stacks are
        # written centred in the same pass that creates them, and the hidden inputs get the
        # offset c + mu.W back: (v - mu).W + (c + mu.W) = v.W + c.
        centre_v_after = cfg.centering and rbm.n_hidden < 2 * m
        centre_v_now = cfg.centering and not centre_v_after
        hid_bias = c + self.mu @ W if centre_v_now else c
        batch = buf.batch_u8[:m]
        np.take(self.data, idx, axis=0, out=batch)
        if self.stochastic:     # u uniform on 0..254: P(u < grey) = grey / 255 exactly
            vb_ = buf.v_bool[:m]
            np.less(rng.integers(0, 255, size=V0.shape, dtype=np.uint8), batch, out=vb_)
            batch = vb_
        # the data's pixel means, for the sparsity penalty's weight term
        mean_v0 = batch.mean(axis=0) if cfg.sparsity_cost > 0 else None
        if centre_v_now:
            np.subtract(batch, self.mu, out=V0)
        else:
            np.copyto(V0, batch)
        # positive phase: ph0 = P(h|v0)
        np.matmul(V0, W, out=H0)
        H0 += hid_bias
        sigmoid(H0, out=H0)
        if self._chains is None:       # CD: the chain starts at the data
            rng.random(out=U_h, dtype=DTYPE)
            np.less(U_h, H0, out=hs)
        else:                          # PCD: continue from the hidden states sampled last step
            np.copyto(hs, self._chains[:m])
        for t in range(cfg.cd_k):
            np.matmul(hs, W.T, out=pv)
            pv += b
            sigmoid(pv, out=pv)
            rng.random(out=U_v, dtype=DTYPE)
            if centre_v_now:                   # sampled negative visibles, centred
                np.less(U_v, pv, out=buf.v_bool[:m])
                np.subtract(buf.v_bool[:m], self.mu, out=V1)
            else:
                np.less(U_v, pv, out=V1)
            np.matmul(V1, W, out=H1)
            H1 += hid_bias
            sigmoid(H1, out=H1)
            if t + 1 < cfg.cd_k:
                rng.random(out=U_h, dtype=DTYPE)
                np.less(U_h, H1, out=hs)
        if self._chains is not None:
            # Sample the chains' next hidden state now, from P(h|v1) under the weights before
            # this update (as scikit-learn's PCD does): it saves one matrix product per step.
            rng.random(out=U_h, dtype=DTYPE)
            np.less(U_h, H1, out=self._chains[:m])
        mean_h0 = H0.mean(axis=0) if (cfg.centering or cfg.sparsity_cost > 0) else None
        if cfg.centering:
            H -= self.lam
        H1 *= -1.0
        # Scale the hidden stack by lr / m before the product: G then is lr x the mean gradient
        # without two passes over the (n_visible x n_hidden) result.
        scale = lr / m
        H *= scale
        G = buf.G
        np.matmul(V.T, H, out=G)                       # lr/m (v0.T ph0 - v1.T ph1), centred
        db = (buf.sign[:2 * m] @ V) * scale            # mu cancels between the two halves
        dc = H.sum(axis=0)
        if centre_v_after:
            G -= np.multiply.outer(self.mu, dc)
        if cfg.sparsity_cost > 0:
            self._q *= 0.9
            self._q += 0.1 * mean_h0
            penalty = (lr * cfg.sparsity_cost) * (self._q - cfg.sparsity_target)
            dc -= penalty
            G -= np.outer(mean_v0, penalty).astype(DTYPE)
        if self._decay_buf is not None:
            np.multiply(W, lr * cfg.weight_decay, out=self._decay_buf)
            G -= self._decay_buf
        # momentum: v <- mom * v + lr * grad (G, db, dc already carry the learning rate)
        vW, vb, vc = self._vW, self._vb, self._vc
        vW *= mom
        vW += G
        vb *= mom
        vb += db
        vc *= mom
        vc += dc
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

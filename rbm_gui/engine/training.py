"""Step-wise CD-k / PCD training of an RBM: one mini-batch per ``step()``.

A caller (the CLI's loop, the window's worker thread) calls ``step()`` repeatedly and may pause,
stop, or change the learning rate or momentum between any two steps. All randomness comes from
one seeded ``numpy.random.Generator``: the same data, seed and settings give bit-identical weights.

The hot loop works in float32 on preallocated buffers (no allocation per mini-batch) with the
samples as columns, and is built so that nearly all work happens inside a few BLAS calls:

- The parameters live in one array ``theta = [[W, b], [c, 0]]`` ((n_visible+1) x (n_hidden+1));
  the model's ``W``, ``b`` and ``c`` become views of it (see ``Trainer`` for what that means for
  the caller's model). With a row of ones under the visible
  batch and a constant 1/2 under the hidden samples, the products ``theta.T @ V`` and
  ``theta @ h`` already contain the biases.
- The positive and negative statistics are stacked, ``V = [v0 | v1]`` and ``H = [ph0 | -ph1]``
  (up to an affine part), so ONE product ``V @ H.T`` gives the whole step for ``W``, ``b`` and
  ``c`` (the bias parts come from the ones row and a +-1 row).
- Momentum, weight decay and the step's scale lr / m are one matrix-vector product over the
  stacked rows ``(velocity, gradient, theta)``:
  ``velocity' = mom * velocity + lr / m * gradient - lr * wd * theta``.
- Bernoulli draws compare ``tanh(x / 2)`` with 16-bit uniforms (``BERNOULLI_BITS``); each step's
  bits and data columns come from ``feeder.BatchFeeder``, prepared one step ahead on a helper
  thread when that pays off (``PREFETCH_MIN_PIXELS``).
- Handwriting leaves about a third of a batch's pixels dark in every sample. From
  ``LIT_MIN_HIDDEN`` hidden units on, the products over visible units take only the rows of the
  lit pixels (gathered: ``np.take``), and plain SGD updates only those rows of theta. The sums are
  the same without their zero terms, so only float rounding differs from the all-rows path.

Centring (Montavon & Mueller 2012; Melchior, Fischer & Wiskott 2016): the gradient is taken in
the centred parameterisation ``E = -(v-mu).W.(h-lam) - ...`` with ``mu`` the data's pixel means and
``lam`` a moving average of the hidden activations: the hidden stack is centred, and the
visible centring ``-mu (sum_n H_n)`` rides along in the gradient product as one extra column.
The model itself stays a standard RBM (the update is converted back), so sampling and metrics
do not know about centring.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.engine import schedules
from rbm_gui.engine.blas import BlasThreads, threads_for
from rbm_gui.engine.feeder import BatchFeeder, bits_generator, training_array
from rbm_gui.engine.rbm import DTYPE, RBM


#: The helper thread pays off only when a step's data and bits are worth handing over: measured
#: at 20 hidden units, 784 pixels, one BLAS thread, time per step with / without it (same-process
#: A/B, CD-1 with the defaults): batch 10 +48%, 40 +11%, 50 +-1%, 64 -6%, 80 -7%, 100 -12%.
#: (Before the engine's per-step work shrank, batch 50 gained 9%.) With several BLAS threads it
#: cost 1-3% (400 units, batch 100: the helper takes the core the BLAS's second thread uses).
PREFETCH_MIN_PIXELS = 56 * 784


#: Products over the visible units use only the rows of pixels on somewhere in the batch from
#: this many hidden units on, when at most this fraction of the rows is lit (gathering the rows
#: costs about a third of what skipping them saves on MNIST at 400 hidden units).
LIT_MIN_HIDDEN = 64
LIT_MAX_FRACTION = 0.85


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
_THRESHOLD_SCALE = 2.0 ** (BERNOULLI_BITS - 1)     # 32768: tanh in [-1, 1] -> the int16 range


class _Plan:
    """The views and constants of one step on ``m`` samples with one of the feeder's column
    buffers ``V`` (made once per buffer and batch size: slicing costs microseconds per step)."""

    def __init__(self, buf: "_Buffers", V: np.ndarray, m: int, mu: np.ndarray | None):
        nv, nh = buf.n_visible, buf.n_hidden
        H = buf.H
        self.V = V
        self.V0, self.V1, self.V1v, self.Vs = V[:, :m], V[:, m:2 * m], V[:nv, m:2 * m], V[:, :2 * m]
        self.u_col = V[:, 2 * m]
        k = 2 * m + (2 if mu is not None else 1)     # the gradient product's inner size
        self.Vk, self.HkT = V[:, :k], H[:, :k].T
        self.H0, self.H1, self.Hs = H[:, :m], H[:, m:2 * m], H[:, :2 * m]
        self.a_col, self.sum_col = H[:, 2 * m], H[:, 2 * m + 1]
        self.pv_full, self.pv, self.y = buf.pv[:, :m], buf.pv[:nv, :m], buf.y[:, :m]
        self.hs = buf.hs[:, :m]
        # [sign | ones]: sign_n = +1 for the data, -1 for the model's samples
        self.sign_ones = np.ones((2 * m, 2), DTYPE)
        self.sign_ones[m:, 0] = -1.0
        self.sign = np.ascontiguousarray(self.sign_ones[:, 0])
        self.ur = np.empty((nv + 1, 2), DTYPE)      # V [sign | ones]
        self.ones = np.ones(m, DTYPE)
        self.minus_ones = np.full(2 * m, -1.0, DTYPE)
        self.m, self.mu = m, mu
        # where each draw's bits start in the step's block (see Trainer.__init__): CD's P(h|v0)
        # draw, then per Gibbs step the visible draw and the next hidden draw
        self._bit_slices = {}
        at, nh_m, nv_m = 0, nh * m, nv * m
        for t in range(buf.cd_k + 1):
            if (t > 0) if buf.pcd else (t < buf.cd_k):   # PCD's chains start from hidden states
                self._bit_slices["h", t] = (at, at + nh_m, (nh, m))
                at += nh_m
            if t < buf.cd_k:
                self._bit_slices["v", t] = (at, at + nv_m, (nv, m))
                at += nv_m

    def bits(self, bits: np.ndarray, layer: str, t: int) -> np.ndarray:
        """The 16-bit uniforms of one draw of the step: hidden ("h") or visible ("v") at Gibbs
        step t, shaped like the layer's batch."""
        a, b, shape = self._bit_slices[layer, t]
        return bits[a:b].reshape(shape)

    def prepare_buffer(self) -> None:
        """Constant rows and columns of ``V``, written when the buffer was last used with another m:
        the ones row (biases ride in the products) and, with centring, the column (mu, 0)."""
        V, m, nv = self.V, self.m, self.V.shape[0] - 1
        V[nv] = 1.0
        if self.mu is not None:
            V[:nv, 2 * m + 1] = self.mu
            V[nv, 2 * m + 1] = 0.0


@dataclass
class _Buffers:
    """Preallocated float32 work arrays for a batch size ``B``, samples as columns: on this
    machine ``W.T @ V`` and ``W @ h`` ran ~25% faster than the row-major products at 400 units."""

    B: int
    n_visible: int
    n_hidden: int
    cd_k: int = 1
    pcd: bool = False
    v_bool: np.ndarray = field(init=False)  # stochastic binarisation of the batch
    H: np.ndarray = field(init=False)       # (nh, 2B+2): the hidden stack (see Trainer._update) | 2 columns
    hs: np.ndarray = field(init=False)      # (nh+1, B) sampled hidden states as 0 / 0.5; last row 0.5
    pv: np.ndarray = field(init=False)      # (nv+1, B) negative-phase visible input
    y: np.ndarray = field(init=False)       # (nh, B) scratch: thresholds for hidden draws

    def __post_init__(self):
        B, nv, nh = self.B, self.n_visible, self.n_hidden
        self.Vg = self.Wg = self.Gc = self.Gd = None    # see with_row_gathers
        self.v_bool = np.empty((B, nv), dtype=bool)
        self.H = np.zeros((nh, 2 * B + 2), dtype=DTYPE)
        self.hs = np.zeros((nh + 1, B), dtype=DTYPE)
        self.hs[nh] = 0.5
        self.pv = np.empty((nv + 1, B), dtype=DTYPE)
        self.y = np.empty((nh, B), dtype=DTYPE)
        self._plans: dict[tuple[int, int], _Plan] = {}
        self._buffer_m: dict[int, int] = {}       # id(V) -> the m it is set up for

    def with_row_gathers(self) -> "_Buffers":
        """Room for the rows of V, theta and the gradient of the lit pixels (see the module docstring)."""
        nv, nh = self.n_visible, self.n_hidden
        self.Vg = np.empty((nv + 1, 2 * self.B + 2), DTYPE)
        self.Wg = np.empty((nv + 1, nh + 1), DTYPE)
        self.Gc = np.zeros((nv + 1, nh + 1), DTYPE)      # the lit rows' gradient, b step last
        self.Gd = np.zeros((nv + 1, nh + 1), DTYPE)      # the dark rows' gradient with centring
        return self

    def plan(self, V: np.ndarray, m: int, mu: np.ndarray | None) -> _Plan:
        key = (id(V), m)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self, V, m, mu)
        if self._buffer_m.get(key[0]) != m:
            plan.prepare_buffer()
            self._buffer_m[key[0]] = m
        return plan


class Trainer:
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
        thread, another core is free and the batch is large enough (``PREFETCH_MIN_PIXELS``).
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
        self._buf = _Buffers(self.batch_size, nv, nh, config.cd_k, config.pcd)
        # Rows: velocity A, gradient, theta = [[W, b], [c, 0]], velocity B. The two velocity rows
        # take turns, so that (velocity, gradient, theta) are always three adjacent rows.
        self._P = np.zeros((4, (nv + 1) * (nh + 1)), DTYPE)
        self._G = self._P[1].reshape(nv + 1, nh + 1)
        self._theta = th = self._P[2].reshape(nv + 1, nh + 1)
        self._views = (th[:nv, :nh], th[:nv, nh], th[nv, :nh])      # the model's W, b, c
        self._attach()
        self._vel_row = 0           # which row holds the velocity (0 or 3)
        self._vel_is_gradient = False   # after a step without momentum or decay: velocity = row 1
        self._grad_rows = None          # ... kept as its lit rows only (see _full_gradient)
        # Centring offsets: mu = data means (fixed), lam = moving average of P(h|data).
        self.mu = (data.mean(axis=0, dtype=np.float64) / scale).astype(DTYPE) if config.centering else None
        self.lam = np.full(nh, 0.5, DTYPE) if config.centering else None
        self._q = np.zeros(nh, DTYPE)      # running mean activity, for the sparsity penalty
        self._w_norm: float | None = None  # upper bound of |W| (see _check_divergence)
        self._norm_age = 0
        self._norm_limit = MAX_WEIGHT_RMS * math.sqrt(nv * nh)
        if data.dtype == DTYPE and (data.min() < 0 or data.max() > 1):
            # values outside [0, 1] (any_values): the RMS limit assumes probabilities; only a
            # non-finite update counts as divergence then, as scikit-learn has no check at all
            self._norm_limit = math.inf
        # The random bits of the Bernoulli draws: their own stream (see feeder.bits_generator),
        # one block per step: cd_k hidden and cd_k visible draws of B columns, 4 draws per word.
        words = -(-config.cd_k * (nh + nv) * self.batch_size // 4)
        if prefetch == "auto":
            prefetch = (self.blas_threads == 1 and (os.cpu_count() or 1) >= 2
                        and self.batch_size * nv >= PREFETCH_MIN_PIXELS)
        binarise = self._binarise if self.stochastic else None
        # Products over the visible units skip the rows of pixels that are 0 throughout [v0 | v1]
        # (handwriting leaves ~35% of a batch's pixels dark), when there are enough hidden units
        # for the saved work to outweigh gathering the rows (LIT_MIN_HIDDEN, LIT_MAX_FRACTION).
        self._lit_limit = int(LIT_MAX_FRACTION * (nv + 1)) if nh >= LIT_MIN_HIDDEN else 0
        if self._lit_limit:
            self._buf.with_row_gathers()
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
               prefetch: bool | str = "auto", *, any_values: bool = False) -> "Trainer":
        """A new model initialised from ``data`` (Hinton's guide) and its trainer, all from ``config.seed``."""
        config.validate()
        rng = np.random.default_rng(config.seed)
        n_visible = np.shape(data)[1] if np.ndim(data) == 2 else None
        data, scale = training_array(data, n_visible, stochastic, any_values)
        rbm = RBM.initialise(config.n_hidden, data, rng, image_shape, scale=scale)
        return cls(rbm, data, config, rng, blas_threads, stochastic, prefetch, any_values=any_values)

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

    def __enter__(self) -> "Trainer":
        """``with trainer:`` sets the BLAS thread count once for all steps inside, and closes."""
        self._blas.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.close()
        finally:
            self._blas.__exit__(*exc)

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

    def run_epoch(self) -> StepInfo:
        """Steps until the current epoch ends."""
        with self._blas:
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

    def _check_divergence(self, vel: np.ndarray, lr: float) -> None:
        """Raise before applying a non-finite or weight-exploding update ``vel`` (flat, like theta).

        Exact test: RMS(W + vW) <= MAX_WEIGHT_RMS. To save passes over W it first tries the
        triangle-inequality bound |W + vW| <= |theta| + |vel| (theta holds W, b and c), with
        |theta| recomputed exactly every 64 steps; only when the bound exceeds the limit is the
        exact norm of the new weights computed.
        """
        nv, nh = self.rbm.n_visible, self.rbm.n_hidden
        dd = float(vel @ vel)
        # a finite dd bounds every entry of vel (< 2e19), so the centring corrections (vel times
        # offsets in [0, 1], summed over < 2^24 terms) are finite too
        finite = math.isfinite(dd)
        limit = self._norm_limit
        new_sq = math.nan
        if finite:
            if self._within_bound(dd):
                return
            new_W = self._theta[:nv, :nh] + vel.reshape(nv + 1, nh + 1)[:nv, :nh]
            new_sq = float(np.square(new_W, dtype=np.float64).sum())
            finite = math.isfinite(new_sq)
            if finite and new_sq <= limit * limit:
                self._w_norm, self._norm_age = None, 0
                return
        rms = np.sqrt(new_sq / (nv * nh)) if finite else float("nan")
        self._P[[0, 1, 3]] = 0.0
        self._vel_is_gradient, self._grad_rows = False, None
        self.diverged = True
        what = "the update is not finite" if not finite else f"the weights exploded (RMS {rms:.3g} > {MAX_WEIGHT_RMS:g})"
        raise TrainingDiverged(
            f"training diverged at epoch {self.epoch + 1}, mini-batch {self.batch + 1} "
            f"(learning rate {lr:g}): {what}; parameters kept from the step before. "
            "Lower the learning rate and resume.")

    def _within_bound(self, dd: float) -> bool:
        """Whether |theta| + sqrt(dd) (an update of squared norm dd) stays within the limit; if so
        that bound becomes the known |theta| (see _check_divergence)."""
        if not math.isfinite(dd):
            return False
        if self._w_norm is None or self._norm_age >= 64:
            theta = self._P[2]
            self._w_norm, self._norm_age = math.sqrt(float(theta @ theta)), 0
        bound = self._w_norm + math.sqrt(dd)
        if bound <= self._norm_limit:
            self._w_norm = bound
            self._norm_age += 1
            return True
        return False

    def _full_gradient(self) -> None:
        """Write the last step's gradient, kept as its lit rows only (``_grad_rows``), into G."""
        rows, self._grad_rows = self._grad_rows, None
        if rows is not None:
            G = self._G
            lit = np.zeros(len(G), bool)
            lit[rows] = True
            G[~lit] = 0.0
            G[rows] = self._buf.Gc[:len(rows)]

    def _binarise(self, grey: np.ndarray) -> np.ndarray:
        """Stochastic binarisation: u uniform on 0..254, so P(u < grey) = grey / 255 exactly;
        probabilities (float32) compare with float uniforms on [0, 1)."""
        out = self._buf.v_bool[:len(grey)]
        if grey.dtype == np.uint8:
            np.less(self.rng.integers(0, 255, size=grey.shape, dtype=np.uint8), grey, out=out)
        else:
            np.less(self.rng.random(grey.shape, dtype=DTYPE), grey, out=out)
        return out

    @staticmethod
    def _draw_hidden(t: np.ndarray, scale: float, out: np.ndarray, y: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Hidden states drawn from ``t = tanh(x / 2)`` (``scale`` = +32768; -32768 when the array
        holds ``-t``) with the 16-bit uniforms ``s`` into ``out[:nh]`` as 0 / 0.5; returns ``out``."""
        nh = t.shape[0]
        np.multiply(t, scale, out=y)
        np.less(s, y, out=out[:nh])
        out[:nh] *= 0.5
        return out

    def _cd_update(self, idx: np.ndarray, lr: float, mom: float, next_idx: np.ndarray | None = None,
                   key=None, next_key=None) -> None:
        """One CD-k / PCD update on the samples ``idx`` (see the module docstring).

        Probabilities are kept as ``t = tanh(x / 2)`` (``sigmoid(x) = (1 + t) / 2``): draws
        compare ``t`` with 16-bit uniforms (``BERNOULLI_BITS``), and the hidden samples are stored
        as 0 / 0.5 so that ``theta @ h`` already is the visible ``x / 2``. The hidden stack of the
        gradient product holds ``[t0 | -t1]``: the sign of the negative phase comes free with the
        halving of its input (``x1 * -0.5``), as tanh is odd.
        """
        V, bits, lit = self._feeder.take(idx, key)      # this batch's columns v0 (and a ones row), its bits
        self._feeder.prepare(next_idx, next_key)        # the next batch's, meanwhile, on the helper
        pl = self._buf.plan(V, len(idx), self.mu)
        if self._vel_is_gradient and (mom != 0.0 or self.config.weight_decay > 0):
            self._full_gradient()
            np.copyto(self._P[self._vel_row], self._P[1])   # the last step's velocity, before row 1 is reused
        self._vel_is_gradient = False
        self._grad_rows = None
        lit0 = self._sample(pl, bits, lit)
        rows, Vg, Wg = self._last_products(pl, bits, lit0)
        self._update(pl, rows, Vg, Wg, lr, mom)

    # ------------------------------------------------------------------ the step's parts
    def _sample(self, pl: _Plan, bits: np.ndarray, lit: np.ndarray | None) -> np.ndarray | None:
        """P(h|v0) (CD) and the Gibbs chain up to its last visible sample v1 (into pl.V1).
        Returns the rows of theta gathered into the buffers for the first product, if any."""
        th, cfg, buf = self._theta, self.config, self._buf
        H0, H1, y, m = pl.H0, pl.H1, pl.y, pl.m
        nh = H0.shape[0]
        lit0 = None
        if self._chains is not None:    # PCD: the negative chain continues from last step's hidden states
            hs = self._chains[:, :m]
        else:       # CD: it starts at the data: t0 = tanh((W.T v0 + c) / 2), P(h|v0) = (1 + t0) / 2
            if lit is not None and len(lit) <= self._lit_limit:     # only the lit pixels' rows
                lit0 = lit
                Vg = np.take(pl.V, lit0, axis=0, out=buf.Vg[:len(lit0)], mode="clip")
                Wg = np.take(th, lit0, axis=0, out=buf.Wg[:len(lit0)], mode="clip")
                np.matmul(Wg[:, :nh].T, Vg[:, :m], out=H0)
            else:
                np.matmul(th[:, :nh].T, pl.V0, out=H0)
            H0 *= 0.5
            np.tanh(H0, out=H0)
            hs = self._draw_hidden(H0, _THRESHOLD_SCALE, pl.hs, y, pl.bits(bits, "h", 0))
        for t in range(cfg.cd_k):
            np.matmul(th, hs, out=pl.pv_full)          # (W h + b) / 2, as hs holds h / 2 and 1/2
            pv = pl.pv
            np.tanh(pv, out=pv)
            pv *= _THRESHOLD_SCALE
            np.less(pl.bits(bits, "v", t), pv, out=pl.V1v)
            if t + 1 == cfg.cd_k:
                break
            np.matmul(th[:, :nh].T, pl.V1, out=H1)
            H1 *= 0.5
            np.tanh(H1, out=H1)
            hs = self._draw_hidden(H1, _THRESHOLD_SCALE, pl.hs, y, pl.bits(bits, "h", t + 1))
        return lit0

    def _last_products(self, pl: _Plan, bits: np.ndarray, lit0: np.ndarray | None):
        """P(h|v1) (and PCD's P(h|v0)) into the hidden stack as [t0 | -t1]; PCD's chains move on.

        Products over visible units need only the rows of pixels on somewhere in [v0 | v1]:
        returns those rows and their gathered copies of V and theta (or None, None, None)."""
        th, buf, V, m = self._theta, self._buf, pl.V, pl.m
        H0, H1 = pl.H0, pl.H1
        nh = H0.shape[0]
        pcd = self._chains is not None
        # PCD's last P(h|v1) and P(h|v0) in one product: faster from 16 hidden units on; at 10
        # (OpenBLAS's kernels for so few rows) one product of 2B columns took 60 us, two of B 37 us
        fuse = pcd and nh >= 16
        # u = sum_n sign_n v_n (the a-part of the gradient) and, beside it, how often each pixel
        # is on in [v0 | v1]
        rows = Vg = Wg = None
        if not self._lit_limit:
            np.matmul(pl.Vs, pl.sign, out=pl.u_col)     # u[-1] = sum_n sign_n = 0 exactly
        else:
            ur = np.matmul(pl.Vs, pl.sign_ones, out=pl.ur)
            pl.u_col[:] = ur[:, 0]
            if lit0 is None:
                rows, done = np.flatnonzero(ur[:, 1]), 0     # the ones row is always among them
            else:       # the rows of theta gathered for the first product, then those only v1 lights
                lit_now = ur[:, 1] != 0
                lit_now[lit0] = False
                rows, done = np.concatenate([lit0, np.flatnonzero(lit_now)]), len(lit0)
            if len(rows) > self._lit_limit:
                rows = None
        if rows is not None:
            Vg = np.take(V, rows, axis=0, out=buf.Vg[:len(rows)], mode="clip")
            Wg = buf.Wg[:len(rows)]
            np.take(th, rows[done:], axis=0, out=Wg[done:], mode="clip")
            Wt, Vx = Wg[:, :nh].T, Vg
        else:
            Wt, Vx = th[:, :nh].T, V
        if fuse:
            np.matmul(Wt, Vx[:, :2 * m], out=pl.Hs)        # P(h|v0) and P(h|v1) in one product
        else:
            np.matmul(Wt, Vx[:, m:2 * m], out=H1)
            if pcd:
                np.matmul(Wt, Vx[:, :m], out=H0)
        H1 *= -0.5                              # as -t1: the negative phase's sign
        if pcd:
            H0 *= 0.5
            np.tanh(pl.Hs, out=pl.Hs)
            # the chains' next hidden state, from P(h|v1) under the weights before this update
            # (as scikit-learn's PCD does): one product fewer than sampling it after the update
            self._draw_hidden(H1, -_THRESHOLD_SCALE, self._chains[:, :m], pl.y,
                              pl.bits(bits, "h", self.config.cd_k))
        else:
            np.tanh(H1, out=H1)
        return rows, Vg, Wg

    def _update(self, pl: _Plan, rows, Vg, Wg, lr: float, mom: float) -> None:
        """The gradient product, momentum, weight decay, the divergence check and the update.

        The gradient is ONE product V H.T. Sample n's true hidden stack value is
        sign_n (P(h|v_n) - lam) = sign_n (t_n + a) / 2 with a = 1 - 2 lam: H holds sign_n t_n
        and the a-part, rank one, is the column pair (u = sum_n sign_n v_n, a). So the product
        is G = (2m / lr) x lr grad. When the update is the gradient itself (no momentum, no
        decay) H is scaled by sigma = lr / 2m first; otherwise sigma joins the momentum product.
        """
        cfg, th, P, buf, m = self.config, self._theta, self._P, self._buf, pl.m
        nh = pl.H0.shape[0]
        need_mean_h0 = cfg.centering or cfg.sparsity_cost > 0
        mean_h0 = (0.5 + (0.5 / m) * (pl.H0 @ pl.ones)).astype(DTYPE) if need_mean_h0 else None
        decay = lr * cfg.weight_decay
        sigma = DTYPE(lr / (2 * m))
        direct = mom == 0.0 and decay == 0.0
        rho = sigma if direct else DTYPE(1.0)
        if direct:
            pl.Hs *= sigma
        G, u = self._G, pl.u_col
        if cfg.centering:
            np.multiply(self.lam, -2 * rho, out=pl.a_col)
            pl.a_col += rho
            # sum_n (v_n - mu) H_n = V H.T - mu (sum_n H_n): the column pair (mu, -sum H) (set
            # up in the plan); the a-part sums to 0 over the batch (sum_n sign_n = 0)
            np.matmul(pl.Hs, pl.minus_ones, out=pl.sum_col)
        else:
            pl.a_col.fill(rho)
        if rows is None:
            np.matmul(pl.Vk, pl.HkT, out=G[:, :nh])
            np.multiply(u[:-1], 2 * rho, out=G[:-1, nh])   # grad b = sum_n sign_n v_n / m (mu cancels)
        else:       # the other rows of V are 0 (but for mu): so are their gradients (-mu_i sum_n H_n)
            Gc = buf.Gc[:len(rows)]
            np.matmul(Vg[:, :pl.Vk.shape[1]], pl.HkT, out=Gc[:, :nh])
            np.multiply(u[rows], 2 * rho, out=Gc[:, nh])      # grad b; u[-1] = 0: theta's corner stays 0
            if direct and not cfg.centering and not cfg.sparsity_cost > 0:
                # plain SGD: the dark rows' parameters stay; update the lit rows in their copy
                if self._within_bound(float(Gc.ravel() @ Gc.ravel())):
                    Wg += Gc                        # Wg holds theta's rows `rows`, unchanged so far
                    th[rows] = Wg
                    self._vel_is_gradient, self._grad_rows = True, rows
                    return
                self._grad_rows = rows              # near the limit: the exact test on all of G
                self._full_gradient()
            elif cfg.centering:     # measured: 2-3% faster than all rows in the product
                dark = np.flatnonzero(pl.ur[:, 1] == 0)
                Gd = buf.Gd[:len(dark)]
                np.multiply.outer(self.mu[dark], pl.sum_col.copy(), out=Gd[:, :nh])   # contiguous: SIMD
                G[dark] = Gd                    # whole rows; their b step (last column) is 0
                G[rows] = Gc
            else:
                G[pl.ur[:, 1] == 0] = 0.0
                G[rows] = Gc
        kappa = 1.0 if direct else float(sigma)   # G x kappa = lr x [[grad W, grad b], [grad c, 0]]
        if cfg.sparsity_cost > 0:
            self._q *= 0.9
            self._q += 0.1 * mean_h0
            penalty = (lr * cfg.sparsity_cost / kappa) * (self._q - cfg.sparsity_target)
            G[-1, :nh] -= penalty
            G[:-1, :nh] -= np.outer(pl.V0[:-1].mean(axis=1), penalty).astype(DTYPE)
        # momentum and decay in one product: v' = mom v + kappa G - lr wd theta (biases not decayed)
        if direct:
            new_row, self._vel_is_gradient = 1, True
        else:
            cur = self._vel_row
            new_row = 3 if cur == 0 else 0
            coef = np.array([mom, kappa, -decay] if cur == 0 else [kappa, -decay, mom], DTYPE)
            np.matmul(coef, P[0:3] if cur == 0 else P[1:4], out=P[new_row])
            if decay:
                vel2 = P[new_row].reshape(th.shape)
                vel2[:-1, nh] += decay * th[:-1, nh]
                vel2[-1, :nh] += decay * th[-1, :nh]
        vel = P[new_row]
        self._check_divergence(vel, lr)
        if new_row != 1:
            self._vel_row = new_row
        P[2] += vel                                     # W, b and c in one pass
        if cfg.centering:   # centred bias steps -> standard parameters (offsets held fixed)
            vW = vel.reshape(th.shape)[:-1, :nh]
            th[:-1, nh] -= vW @ self.lam
            th[-1, :nh] -= self.mu @ vW
            self.lam *= 1.0 - cfg.offset_rate
            self.lam += cfg.offset_rate * mean_h0

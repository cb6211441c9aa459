"""The fused CD-k / PCD update of one mini-batch: sampling, the products, the parameter step.

``Trainer`` inherits ``CDUpdate``; it owns the data, the feeder, the chains and the schedule,
this holds the update's own state (made by ``_init_update``) and math. Nearly all work happens
inside a few BLAS calls on preallocated float32 buffers (``step_buffers``), samples as columns:

- The parameters live in one array ``theta = [[W, b], [c, 0]]`` ((n_visible+1) x (n_hidden+1));
  the model's ``W``, ``b`` and ``c`` are views of it. With a row of ones under the visible batch
  and a constant 1/2 under the hidden samples, ``theta.T @ V`` and ``theta @ h`` contain the biases.
- The positive and negative statistics are stacked, ``V = [v0 | v1]`` and ``H = [ph0 | -ph1]``
  (up to an affine part), so ONE product ``V @ H.T`` gives the whole step for ``W``, ``b``, ``c``.
- Momentum, weight decay and the step's scale lr / m are one matrix-vector product over the
  stacked rows ``(velocity, gradient, theta)``:
  ``velocity' = mom * velocity + lr / m * gradient - lr * wd * theta``.
- Bernoulli draws compare ``tanh(x / 2)`` with 16-bit uniforms (``tuning.BERNOULLI_BITS``).
- Handwriting leaves about a third of a batch's pixels dark in every sample. From
  ``tuning.LIT_MIN_HIDDEN`` hidden units on, the products over visible units take only the rows of
  the lit pixels (``np.take``), and plain SGD updates only those rows of theta: the same sums
  without their zero terms, so only float rounding differs from the all-rows path.

Centring (Montavon & Mueller 2012; Melchior, Fischer & Wiskott 2016): the gradient is taken in
the centred parameterisation ``E = -(v-mu).W.(h-lam) - ...`` with ``mu`` the data's pixel means and
``lam`` a moving average of the hidden activations: the hidden stack is centred, and the visible
centring ``-mu (sum_n H_n)`` rides along in the gradient product as one extra column. The model
stays a standard RBM (the update is converted back): sampling and metrics know nothing of it.
"""

from __future__ import annotations

import numpy as np

from rbm_gui.engine import tuning
from rbm_gui.engine.divergence import DivergenceCheck
from rbm_gui.engine.rbm import DTYPE
from rbm_gui.engine.step_buffers import StepBuffers, StepPlan
from rbm_gui.engine.tuning import THRESHOLD_SCALE as _THRESHOLD_SCALE


class CDUpdate(DivergenceCheck):
    """The update's state and steps; mixed into ``Trainer``, which provides ``config``, ``rng``,
    ``_feeder`` (the batches' columns and bits) and ``_chains`` (PCD's hidden states or None)."""

    def _init_update(self, nv: int, nh: int, batch_size: int, config, data: np.ndarray, scale: float) -> None:
        """Allocate the parameters, buffers and offsets for ``nv`` x ``nh`` units and batch ``batch_size``."""
        self._buf = StepBuffers(batch_size, nv, nh, config.cd_k, config.pcd)
        # Rows: velocity A, gradient, theta = [[W, b], [c, 0]], velocity B. The two velocity rows
        # take turns, so that (velocity, gradient, theta) are always three adjacent rows.
        self._P = np.zeros((4, (nv + 1) * (nh + 1)), DTYPE)
        self._G = self._P[1].reshape(nv + 1, nh + 1)
        self._theta = th = self._P[2].reshape(nv + 1, nh + 1)
        self._views = (th[:nv, :nh], th[:nv, nh], th[nv, :nh])      # the model's W, b, c
        self._vel_row = 0           # which row holds the velocity (0 or 3)
        self._vel_is_gradient = False   # after a step without momentum or decay: velocity = row 1
        self._grad_rows = None          # ... kept as its lit rows only (see _full_gradient)
        # Centring offsets: mu = data means (fixed), lam = moving average of P(h|data).
        self.mu = (data.mean(axis=0, dtype=np.float64) / scale).astype(DTYPE) if config.centering else None
        self.lam = np.full(nh, 0.5, DTYPE) if config.centering else None
        self._q = np.zeros(nh, DTYPE)      # running mean activity, for the sparsity penalty
        # Skip the rows of pixels dark throughout [v0 | v1] when there are enough hidden units for
        # the saved work to outweigh gathering the rows (see tuning.LIT_MIN_HIDDEN).
        self._lit_limit = int(tuning.LIT_MAX_FRACTION * (nv + 1)) if nh >= tuning.LIT_MIN_HIDDEN else 0
        if self._lit_limit:
            self._buf.with_row_gathers()
        self._init_divergence_check(nv, nh, data)

    def _full_gradient(self) -> None:
        """Write the last step's gradient, kept as its lit rows only (``_grad_rows``), into G."""
        rows, self._grad_rows = self._grad_rows, None
        if rows is not None:
            G = self._G
            lit = np.zeros(len(G), bool)
            lit[rows] = True
            G[~lit] = 0.0
            G[rows] = self._buf.Gc[:len(rows)]

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
        """One CD-k / PCD update on the samples ``idx`` (see this module's docstring).

        Probabilities are kept as ``t = tanh(x / 2)`` (``sigmoid(x) = (1 + t) / 2``): draws
        compare ``t`` with 16-bit uniforms (``tuning.BERNOULLI_BITS``), and the hidden samples are
        stored as 0 / 0.5 so that ``theta @ h`` already is the visible ``x / 2``. The hidden stack of the
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
    def _sample(self, pl: StepPlan, bits: np.ndarray, lit: np.ndarray | None) -> np.ndarray | None:
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

    def _last_products(self, pl: StepPlan, bits: np.ndarray, lit0: np.ndarray | None):
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

    def _update(self, pl: StepPlan, rows, Vg, Wg, lr: float, mom: float) -> None:
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

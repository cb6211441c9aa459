"""The CD update's preallocated float32 work arrays and, per buffer and batch size, their views.

Samples are columns: on this machine ``W.T @ V`` and ``W @ h`` ran ~25% faster than the row-major
products at 400 hidden units. Nothing here is allocated per mini-batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rbm_gui.engine.rbm import DTYPE


class StepPlan:
    """The views and constants of one step on ``m`` samples with one of the feeder's column
    buffers ``V`` (made once per buffer and batch size: slicing costs microseconds per step)."""

    def __init__(self, buf: "StepBuffers", V: np.ndarray, m: int, mu: np.ndarray | None):
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
        # where each draw's bits start in the step's block (see Trainer._setup): CD's P(h|v0)
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
class StepBuffers:
    """Preallocated float32 work arrays for a batch size ``B``, samples as columns."""

    B: int
    n_visible: int
    n_hidden: int
    cd_k: int = 1
    pcd: bool = False
    v_bool: np.ndarray = field(init=False)  # stochastic binarisation of the batch
    H: np.ndarray = field(init=False)       # (nh, 2B+2): the hidden stack (see CDUpdate._update) | 2 columns
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
        self._plans: dict[tuple[int, int], StepPlan] = {}
        self._buffer_m: dict[int, int] = {}       # id(V) -> the m it is set up for

    def with_row_gathers(self) -> "StepBuffers":
        """Room for the rows of V, theta and the gradient of the lit pixels (see cd_update)."""
        nv, nh = self.n_visible, self.n_hidden
        self.Vg = np.empty((nv + 1, 2 * self.B + 2), DTYPE)
        self.Wg = np.empty((nv + 1, nh + 1), DTYPE)
        self.Gc = np.zeros((nv + 1, nh + 1), DTYPE)      # the lit rows' gradient, b step last
        self.Gd = np.zeros((nv + 1, nh + 1), DTYPE)      # the dark rows' gradient with centring
        return self

    def plan(self, V: np.ndarray, m: int, mu: np.ndarray | None) -> StepPlan:
        key = (id(V), m)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = StepPlan(self, V, m, mu)
        if self._buffer_m.get(key[0]) != m:
            plan.prepare_buffer()
            self._buffer_m[key[0]] = m
        return plan

"""The divergence check: refuse an update that is not finite or makes the weights explode.

A bounded gradient means a too-large learning rate explodes the weights rather than producing
NaN, hence the weight limit (``tuning.MAX_WEIGHT_RMS``) beside the finiteness test.
"""

from __future__ import annotations

import math

import numpy as np

from rbm_gui.engine import tuning
from rbm_gui.engine.rbm import DTYPE


class TrainingDiverged(ArithmeticError):
    """The update became NaN or infinite, or the weights exploded; the parameters are those
    before the failing step."""


class DivergenceCheck:
    """Mixed into ``Trainer`` through ``CDUpdate``: reads the parameters (``_P``, ``_theta``) and
    ``epoch``/``batch`` for the message; a refused update clears the velocity and sets ``diverged``."""

    def _init_divergence_check(self, nv: int, nh: int, data: np.ndarray) -> None:
        self._w_norm: float | None = None  # upper bound of |W| (see _check_divergence)
        self._norm_age = 0
        self._norm_limit = tuning.MAX_WEIGHT_RMS * math.sqrt(nv * nh)
        if data.dtype == DTYPE and (data.min() < 0 or data.max() > 1):
            # values outside [0, 1] (any_values): the RMS limit assumes probabilities; only a
            # non-finite update counts as divergence then, as scikit-learn has no check at all
            self._norm_limit = math.inf

    def _check_divergence(self, vel: np.ndarray, lr: float) -> None:
        """Raise before applying a non-finite or weight-exploding update ``vel`` (flat, like theta).

        Exact test: RMS(W + vW) <= tuning.MAX_WEIGHT_RMS. To save passes over W it first tries the
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
        what = ("the update is not finite" if not finite
                else f"the weights exploded (RMS {rms:.3g} > {tuning.MAX_WEIGHT_RMS:g})")
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

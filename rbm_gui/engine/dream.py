"""Daydreaming: alternating Gibbs chains started from digits, one frame per step (numpy only).

The blog's video gives eight test digits to a trained RBM and shows the visible layer during 1,000
alternating Gibbs steps. This module is the engine side of the dream panel and the ``rbm-gui dream``
command:

* :func:`start_digits` (``engine/dream_starts.py``) picks the start states;
* :class:`DreamChains` advances the chains step by step (Play / Step / Reset in the panel), can
  switch to a newer snapshot of a model being trained, and takes the dream controls of
  ``engine/steer.py`` (label clamp, pixel clamp, temperature) and ``engine/tempering.py``
  (parallel tempering), each changeable between two steps;
* :func:`dream_frames` (``engine/dream_frames.py``) yields the frames of an export.

Without controls all three use :meth:`RBM.gibbs_step` with one ``numpy.random.default_rng(seed)``,
so for the same seed they give exactly the states of ``rbm.gibbs_chain(starts, steps, default_rng(seed))``.
"""

from __future__ import annotations

import numpy as np

from rbm_gui.engine.blas import single_blas_thread  # noqa: F401 (re-exported)
from rbm_gui.engine.completion import MEAN_FROM, RunningMean
from rbm_gui.engine.dream_starts import (MAX_CHAINS, MAX_DATA_CHAINS, SHOW_MODES, START_MODES, _check_show,
                                         as_unit_interval, checked_starts, start_digits)
from rbm_gui.engine.numerics import sigmoid
from rbm_gui.engine.rbm import RBM
from rbm_gui.engine.steer import check_controls, steered_step
from rbm_gui.engine.tempering import Tempering, ladder, replicas
from rbm_gui.engine.wander import FastBiases, check_wander

__all__ = ["START_MODES", "SHOW_MODES", "MAX_CHAINS", "MAX_DATA_CHAINS", "MEAN_FROM", "DreamChains",
           "start_digits", "as_unit_interval", "single_blas_thread"]


class DreamChains:
    """Gibbs chains advanced step by step, for the dream panel.

    ``probs`` is P(v=1|h) of the latest step (for step 0: the start itself) and ``samples`` the
    sampled visibles (step 0: start >= 0.5); both (n_chains, n_visible). Without controls and with
    the same seed the states after k steps equal ``rbm.gibbs_chain(starts, k, default_rng(seed))``.

    Controls (see ``engine/steer.py``; each ``set_*`` takes effect at the next step and keeps the
    step count and states): ``label`` (labelled models; ``label_strength`` a > 1 sharpens it), ``clamp`` ((n_visible,) bool, True = the
    pixel keeps the START's value), ``temperature`` (> 0, divides the energy), ``tempering`` (None,
    0 or 1 = plain Gibbs; K >= 2 = K replicas per chain from ``temperature`` up to ``hottest``,
    default ``DEFAULT_HOTTEST`` x temperature; the chains shown are those at ``temperature``; a clamped
    label keeps its full weight, that of ``temperature``, in every replica: hot replicas cross strokes
    fast but stay in the asked class, and the shown chains still sample exactly; ``temper_label=True``
    divides it by each replica's temperature too, as before — measured slower to mix),
    ``wander`` (0 = off; > 0: repulsive fast biases of that strength make the chains move on from
    digit to digit, ``engine/wander.py``; not with tempering).

    ``completion`` (and ``images("mean")``): each chain's mean of P(v=1|h) over the steps after the
    first ``MEAN_FROM`` (counted from the start, the last reset, or the last change of clamp or label);
    with a pixel clamp it estimates the posterior mean of the free pixels given the clamped ones (it
    averages probabilities, not samples: Rao-Blackwellised), the inpainting's answer.

    Not thread-safe: one thread steps it (the panel's worker); hand the GUI copies of ``images()``.
    """

    def __init__(self, rbm: RBM, starts: np.ndarray, seed: int | None = None, *, label: int | None = None,
                 label_strength: float = 1.0,
                 clamp: np.ndarray | None = None, temperature: float = 1.0, tempering: int | None = None,
                 hottest: float | None = None, wander: float = 0.0, max_chains: int = MAX_CHAINS,
                 temper_label: bool = False):
        self._rbm = rbm
        self._max_chains = int(max_chains)
        self._starts = checked_starts(starts, rbm.n_visible, self._max_chains)
        self._seed = seed
        self._controls = check_controls(rbm, label, clamp, temperature, label_strength)
        self._hottest = hottest
        self._temper_label = bool(temper_label)
        self._k = replicas(tempering, self._controls.temperature, hottest)
        self._wander = check_wander(wander, self._k)
        self.reset()

    # ---------------------------------------------------------------- state
    @property
    def rbm(self) -> RBM:
        return self._rbm

    @property
    def starts(self) -> np.ndarray:
        return self._starts

    @property
    def n_chains(self) -> int:
        return self._starts.shape[0]

    @property
    def image_shape(self) -> tuple[int, int]:
        return self._rbm.image_shape

    @property
    def step_count(self) -> int:
        """Gibbs steps taken since the start (or the last reset)."""
        return self._step

    @property
    def probs(self) -> np.ndarray:
        """(n_chains, n_visible) float32: P(v=1|h) of the current step (the start at step 0)."""
        return self._probs

    @property
    def samples(self) -> np.ndarray:
        """(n_chains, n_visible) bool: the current visible samples."""
        return self._samples

    label = property(lambda self: self._controls.label, doc="the clamped label, or None")
    label_strength = property(lambda self: self._controls.label_strength, doc="weight of the clamped label")
    clamp = property(lambda self: self._controls.clamp, doc="(n_visible,) bool clamp mask, or None")
    temperature = property(lambda self: self._controls.temperature, doc="the temperature of the chains shown")
    wander = property(lambda self: self._wander, doc="wandering strength (0 = off)")

    @property
    def tempering(self) -> int | None:
        """Number of temperatures of parallel tempering, or None for plain Gibbs."""
        return self._k if self._k > 1 else None

    @property
    def temperatures(self) -> np.ndarray | None:
        """(K,) the tempering ladder (the first is ``temperature``), or None without tempering."""
        return None if self._pt is None else self._pt.temperatures

    @property
    def swap_rates(self) -> np.ndarray | None:
        """(K-1,) acceptance rate of each neighbour swap so far, or None without tempering."""
        return None if self._pt is None else self._pt.swap_rates

    @property
    def label_probs(self) -> np.ndarray | None:
        """(n_chains, n_labels) float32 P(y|v) of the current visible state; None for unlabelled models."""
        if self._rbm.n_labels == 0:
            return None
        if self._label_probs is None:
            self._label_probs = self._rbm.label_probs(self._v[: self.n_chains])
        return self._label_probs

    @property
    def completion(self) -> np.ndarray:
        """(n_chains, n_visible) float32 (a new array): the mean of P(v=1|h) over the steps after the
        burn-in (see the class); during the burn-in, the current P(v=1|h). Clamped pixels: the start's."""
        out = self._mean.value(self._probs)
        if self._controls.clamp is not None:
            out[:, self._controls.clamp] = self._starts[:, self._controls.clamp]
        return out

    def restart_mean(self) -> None:
        """Start the completion's average afresh (after a new burn-in of MEAN_FROM steps)."""
        self._mean = RunningMean(self._starts.shape, self._step)

    def images(self, show: str = "probs") -> np.ndarray:
        """Current states as (n_chains, h, w) float32 images in [0, 1] (a new array): P(v=1|h)
        (``probs``), the binary samples (``samples``) or the ``completion`` (``mean``)."""
        _check_show(show)
        src = {"probs": self._probs, "samples": self._samples}.get(show)
        src = self.completion if src is None else src
        return src.astype(np.float32).reshape(self.n_chains, *self.image_shape)

    # ---------------------------------------------------------------- controls
    def set_label(self, label: int | None, strength: float | None = None) -> None:
        c = self._controls
        strength = c.label_strength if strength is None else strength
        self._controls = check_controls(self._rbm, label, c.clamp, c.temperature, strength)
        if label != c.label:
            self.restart_mean()
        if label is None and self._rbm.n_labels and self._y is None:
            self._y = self._rbm.label_probs(self._v)         # free labels continue from P(y|v)

    def set_clamp(self, clamp: np.ndarray | None) -> None:
        c = self._controls
        self._controls = check_controls(self._rbm, c.label, clamp, c.temperature, c.label_strength)
        self.restart_mean()

    def set_temperature(self, temperature: float) -> None:
        c = self._controls
        controls = check_controls(self._rbm, c.label, c.clamp, temperature, c.label_strength)
        if self._k > 1:
            hot = None if self._hottest is None else max(self._hottest, controls.temperature * 1.01)
            ladder(controls.temperature, self._k, hot)
            self._hottest = hot
        self._controls = controls
        self._build_tempering(keep=True)

    def set_tempering(self, k: int | None, hottest: float | None = None) -> None:
        if hottest is not None:
            self._hottest = float(hottest)
        k = replicas(k, self._controls.temperature, self._hottest)
        check_wander(self._wander, k)
        self._k = k
        self._build_tempering(keep=True)

    def set_wander(self, strength: float) -> None:
        """Wandering strength (0 = off); the fast biases start from zero when it is switched on."""
        self._wander = strength = check_wander(strength, self._k)
        if strength and self._fast is not None:
            self._fast.strength = strength
        else:
            self._fast = FastBiases(self.n_chains, self._rbm.n_hidden, strength) if strength else None

    def _build_tempering(self, keep: bool) -> None:
        """(Re)build the replicas; with ``keep`` the shown chains keep their states and the hotter
        replicas start as copies of them."""
        n = self.n_chains
        if keep:
            v, y = self._v[:n], (None if self._y is None else self._y[:n])
        else:
            v, y = self._starts, (None if not self._rbm.n_labels else self._rbm.label_probs(self._starts))
        if self._k > 1:
            self._pt = Tempering(ladder(self._controls.temperature, self._k, self._hottest), n)
            self._v, self._y = self._pt.tile(v), self._pt.tile(y)
            self._clamp_values = self._pt.tile(self._starts)
        else:
            self._pt = None
            self._v, self._y = v, y
            self._clamp_values = self._starts

    # ---------------------------------------------------------------- actions
    def reset(self, starts: np.ndarray | None = None, seed: int | None = None) -> None:
        """Back to step 0 with the same generator seed (so the same frames again).

        New ``starts`` (same model width, as many chains as allowed) or a new ``seed`` may be given.
        The controls are kept.
        """
        if starts is not None:
            self._starts = checked_starts(starts, self._rbm.n_visible, self._max_chains)
        if seed is not None:
            self._seed = seed
        self._rng = np.random.default_rng(self._seed)
        self._probs = self._starts.copy()
        self._samples = self._starts >= 0.5
        self._step = 0
        self._label_probs = None
        self.restart_mean()
        self._fast = FastBiases(self.n_chains, self._rbm.n_hidden, self._wander) if self._wander else None
        self._build_tempering(keep=False)        # first step uses the (possibly grey) start as it is

    def step(self, n: int = 1) -> int:
        """Advance every chain by ``n`` Gibbs steps; returns the new step count."""
        if n < 0:
            raise ValueError("cannot step backwards")
        m = self.n_chains
        for _ in range(int(n)):
            pt = self._pt
            label_beta = None if pt is None or self._temper_label else pt.betas[0]
            res = steered_step(self._rbm, self._v, self._rng, self._controls, y=self._y,
                               clamp_values=self._clamp_values, beta=None if pt is None else pt.beta_rows,
                               energy=pt is not None, fast=self._fast, label_beta=label_beta)
            if pt is not None:
                pt.swap(res, self._rng)
                # the shown rows may hold states from hotter replicas now: draw them at temperature
                res.probs[:m] = sigmoid(res.x_v[:m] * np.float32(pt.betas[0]))
                if self._controls.clamp is not None:
                    res.probs[:m, self._controls.clamp] = self._starts[:, self._controls.clamp]
            self._v, self._y = res.v_in, res.y
            self._probs, self._samples = res.probs[:m], res.v[:m]
            self._step += 1
            self._mean.add(self._step, self._probs)
        self._label_probs = None
        return self._step

    def set_model(self, rbm: RBM) -> None:
        """Continue the chains with another model of the same size (e.g. the trainer's newest snapshot).

        The current states, generator, controls and step count are kept.
        """
        if rbm.n_visible != self._rbm.n_visible:
            raise ValueError(f"the new model has {rbm.n_visible} visible units, the chains have {self._rbm.n_visible}")
        if rbm.n_labels != self._rbm.n_labels:
            c = self._controls
            if c.label is not None and not 0 <= c.label < rbm.n_labels:
                raise ValueError(f"the new model has {rbm.n_labels} label units: label {c.label} cannot stay clamped")
            self._y = None if rbm.n_labels == 0 else rbm.label_probs(self._v)
        if self._fast is not None and rbm.n_hidden != self._rbm.n_hidden:
            self._fast = FastBiases(self.n_chains, rbm.n_hidden, self._wander)
        self._rbm = rbm
        self._label_probs = None

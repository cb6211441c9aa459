"""The dream panel's state: start digits, Gibbs chains, the play clock (Qt-free).

The chains (:class:`rbm_gui.engine.dream.DreamChains`) follow the session's model: a replaced model
(``model_replaced``: new, opened, reset) restarts them from step 0; a new snapshot of the same model
(``session.model`` while training) continues them when ``follow`` is on. Start digits come from the
session's data (one per class of the probe digits), the gallery's picks (``session.selected_digit``),
the drawing board (:meth:`DreamState.use_drawn`) or noise; the same seed gives the same dream.

Playing is clock-driven: :meth:`tick` takes as many steps as ``speed`` x elapsed time asks for (at
most 1/4 s worth after a stall), so the speed holds whatever the caller's tick rate (the panel's
redraw pacing, ``app/frame_pacing.py``); P(y|v) is computed once per tick, for the frame drawn.
"""

from __future__ import annotations

import math
import time

import numpy as np

from rbm_gui.app.class_timeline import ClassTimeline
from rbm_gui.app.dream_controls import DreamControls, apply_controls, label_probs
from rbm_gui.app.observable import ANY, Event, Prop, State
from rbm_gui.engine.blas import BlasThreads
from rbm_gui.engine.dream import MAX_CHAINS, SHOW_MODES, DreamChains, start_digits
from rbm_gui.io.export import chain_columns, compose_frame

START_SOURCES = ("per-class", "gallery", "drawn", "noise")
MAX_SPEED = 120
MAX_STOP = 100_000
#: blank source pixels between chains in the panel (exports use 1)
PANEL_PAD = 3
#: mixed into the seed for picking start digits (as ``rbm-gui dream`` does), apart from the chains' stream
PICK_STREAM = 0xD1617
DREAM_LIMITS = {"n_chains": (1, MAX_CHAINS), "seed": (0, 2**31 - 1), "speed": (1, MAX_SPEED),
                "stop_after": (1, MAX_STOP), "source": START_SOURCES, "show": SHOW_MODES}


class DreamState(State):
    source = Prop("per-class", "where the chains start: one of START_SOURCES")
    n_chains = Prop(8, "number of chains, 1-16 (8 = the blog's 2 x 4 grid)")
    seed = Prop(0, "seed of the start-digit choice and of the chains")
    speed = Prop(25, "Gibbs steps per second while playing")
    stop_after = Prop(1000, "playing stops after this many steps")
    show = Prop("probs", "draw P(v=1|h) ('probs'), the binary samples ('samples') or the completion ('mean')")
    follow = Prop(True, "continue the chains with the newest training snapshot")
    playing = Prop(False, "the clock is running")
    note = Prop("", "a sentence for the user about the start digits or the stop")

    def __init__(self, session, **values):
        super().__init__(**values)
        self.session = session
        self.chains: DreamChains | None = None
        self.starts: np.ndarray | None = None       # (n, n_visible) float32 of the current chains
        self.selection: list[np.ndarray] = []       # gallery picks (newest last)
        self.drawn: np.ndarray | None = None        # drawing-board digit(s), (k, n_visible)
        self.frame_changed = Event()                # the picture changed: views redraw
        self._pick = 0                              # "New digits" presses (changes the picks)
        self._t0, self._step0 = 0.0, 0
        self._one_blas_thread = BlasThreads(1)      # ~0.5 us a tick (threadpoolctl's limit: ~0.1 ms)
        # steering (label, clamp mask, temperature, tempering) and the labelled chains' class timeline
        self.controls = DreamControls()
        self.timeline = ClassTimeline()
        self.label_probs: np.ndarray | None = None  # (n_chains, n_labels) P(y|v) now (labelled models)
        self.unsteered: set[str] = set()            # chosen controls the engine could not take
        self.controls.connect(ANY, self._on_control)
        self.controls.connect("label", self._on_label)
        self._label_noise = self.switching = False  # switching: the source changes by itself (not stored)
        # the chains sample from the effective model (forced units applied); a new override
        # reaches running chains at once, following or not
        session.connect("model", lambda _m: self._on_model(session.effective_model))
        session.overrides.connect("forced", lambda _f: self.chains is not None and session.effective_model is not None
                                  and self.chains.set_model(session.effective_model))
        session.model_replaced.connect(self._on_model_replaced)
        session.connect("selected_digit", self._on_digit)
        for name in ("source", "n_chains", "seed"):
            self.connect(name, lambda _v: self.restart())
        self.connect("source", lambda _v: setattr(self, "_label_noise", self.switching))
        self.connect("show", lambda _v: self.frame_changed.emit())
        self.connect("speed", lambda _v: self._rebase())
        self.connect("stop_after", self._on_stop_after)
        if session.model is not None:
            self._on_model_replaced()

    # ------------------------------------------------------------------ reading
    @property
    def rbm(self):
        return None if self.chains is None else self.chains.rbm

    @property
    def step_count(self) -> int:
        return 0 if self.chains is None else self.chains.step_count

    def frame(self) -> np.ndarray | None:
        """The mosaic of the chains' current state: uint8 greys, ink (1 = black) on white."""
        if self.chains is None:
            return None
        imgs = self.chains.images(self.show)
        return compose_frame(imgs, scale=1, cols=chain_columns(imgs.shape[0]), pad=PANEL_PAD)

    # ------------------------------------------------------------------ start digits
    def make_starts(self, n_visible: int) -> tuple[np.ndarray, str]:
        """Start states for the chosen source and a note for the user (empty when all is as asked)."""
        n, source, note = self.n_chains, self.source, ""
        rng = np.random.default_rng([self.seed, PICK_STREAM, self._pick])
        noise = np.zeros((1, n_visible), np.uint8)
        if source == "noise":
            return start_digits(noise, None, "random-noise", n_chains=n, rng=rng), ""
        if source == "gallery":
            picks = [p for p in self.selection if p.size == n_visible][-n:]
            if picks:
                k = len(picks)
                note = "" if k >= n else f"{k} selected digit(s), repeated over {n} chains."
                return np.stack([picks[i % k] for i in range(n)]).astype(np.float32), note
            note = "No digits selected in the gallery yet: one digit per class instead."
        if source == "drawn":
            if self.drawn is not None and self.drawn.shape[1] == n_visible:
                k = self.drawn.shape[0]
                return np.stack([self.drawn[i % k] for i in range(n)]).astype(np.float32), ""
            note = "Nothing drawn yet (draw a digit and send it to the dream): one digit per class instead."
        data = self.session.data
        if data is None or data.n_visible != n_visible:
            return (start_digits(noise, None, "random-noise", n_chains=n, rng=rng),
                    "No data set of this model's size: random noise instead.")
        probes, labels = data.probes, data.probe_labels
        if labels is not None and len(labels) >= len(probes):
            return start_digits(probes, labels[:len(probes)], "per-class", n_chains=n, rng=rng), note
        idx = rng.choice(len(probes), size=n, replace=len(probes) < n)
        return start_digits(probes, None, "indices", idx, rng=rng), (note or "The data set has no labels: random digits.")

    def use_drawn(self, starts) -> None:
        """Start the chains from drawn digit(s) ((k, n_visible) or (n_visible,) in [0, 1])."""
        a = np.array(starts, dtype=np.float32, ndmin=2)
        self.drawn = a.reshape(a.shape[0], -1)
        if self.source != "drawn":
            self.source = "drawn"            # restarts
        else:
            self.restart()

    def _on_digit(self, digit) -> None:
        """A digit of the data (gallery pick) joins the gallery selection; drawn digits do not."""
        if digit is None or getattr(digit, "key", None) is None:
            return
        self.selection.append(np.clip(np.asarray(digit.vector, dtype=np.float32).reshape(-1), 0, 1))
        del self.selection[:-MAX_CHAINS]
        if self.source == "gallery":
            self.restart()

    # ------------------------------------------------------------------ the model
    def _on_model(self, rbm) -> None:
        """A new snapshot: continue with it when following (a replaced model restarts, below)."""
        if rbm is None:
            self._clear()
        elif (self.chains is None or self.chains.rbm.n_visible != rbm.n_visible
              or self.chains.rbm.n_labels != rbm.n_labels):       # label units come or go: new chains
            self._new_chains(rbm)
        elif self.follow:
            self.chains.set_model(rbm)

    def _on_model_replaced(self, *_) -> None:
        """A different model (new, opened, reset): the same start digits, step 0."""
        rbm = self.session.effective_model
        if rbm is None:
            self._clear()
        elif self.chains is not None and self.starts is not None and self.starts.shape[1] == rbm.n_visible:
            self.chains = DreamChains(rbm, self.starts, self.seed)
            self._steer()
            self._after_restart(self.note)
        else:
            self._new_chains(rbm)

    def _new_chains(self, rbm) -> None:
        self.chains = DreamChains(rbm, np.zeros((1, rbm.n_visible), np.float32), self.seed)
        self.restart()

    def _clear(self) -> None:
        self.playing = False
        self.chains = self.starts = None
        self.note = "No model."
        self.frame_changed.emit()

    # ------------------------------------------------------------------ actions
    def restart(self) -> None:
        """New start digits from the chosen source; back to step 0."""
        if self.chains is None:
            return
        starts, note = self.make_starts(self.chains.rbm.n_visible)
        self.starts = starts
        self.chains.reset(starts, seed=self.seed)
        self._steer()
        self._after_restart(note)

    def _after_restart(self, note: str) -> None:
        self.note = note
        self._rebase()
        self.frame_changed.emit()

    def reset(self) -> None:
        """Back to the same start digits, step 0 (the same frames again)."""
        if self.chains is not None:
            self.chains.reset(seed=self.seed)
            self._steer()
            self._rebase()
            self.frame_changed.emit()

    def new_digits(self) -> None:
        self._pick += 1
        self.restart()

    def step(self, n: int = 1) -> int:
        """Advance every chain by ``n`` Gibbs steps; returns the step count."""
        if self.chains is not None and n > 0:
            with self._one_blas_thread:      # small products: one thread is faster (engine/blas.py)
                self.chains.step(int(n))
                self._record(int(n))         # P(y|v) of the frame drawn, not of every step
            self.frame_changed.emit()
        return self.step_count

    # ------------------------------------------------------------------ steering
    def _steer(self) -> None:
        """Fresh or reset chains: hand them the controls; the timeline starts again at this step."""
        self.controls.set_shape(self.chains.rbm.image_shape)
        self.unsteered = apply_controls(self.chains, self.controls)
        self.timeline.clear(self.chains.n_chains)
        self._record()

    def _on_control(self, name: str, _value) -> None:
        if self.chains is None:
            return
        # the ladder follows T (its top is a multiple of T); tempering and wandering exclude each other
        names = {"mask": ("clamp",), "tempering_k": ("tempering",), "label_strength": ("label",),
                 "hottest": ("tempering",), "temperature": ("temperature", "tempering"),
                 "tempering": ("tempering", "wander")}.get(name, (name,))
        self.unsteered = (self.unsteered - set(names)) | apply_controls(self.chains, self.controls, names)

    def _on_label(self, label) -> None:
        """Dreaming of a digit starts from noise, as ``rbm-gui dream --label`` does, unless start digits
        were chosen (gallery, drawing board): the default one-digit-per-class starts would only show
        those digits turning into the label. Back to "any digit", the default starts come back."""
        if self.rbm is None or not self.rbm.n_labels:
            return
        if label is not None and self.source == "per-class":
            self._switch_source("noise")
            self.note = f"Dreaming of {label} from noise; choose start digits (Run ▸ Digits) to dream from them."
        elif label is None and self._label_noise and self.source == "noise":
            self._switch_source("per-class")

    def _switch_source(self, source: str) -> None:
        self.switching = True
        self.source = source                # restarts
        self.switching = False

    def _record(self, span: int = 1) -> None:
        self.label_probs = label_probs(self.chains)
        if self.label_probs is not None:
            self.timeline.push_probs(self.label_probs, self.chains.step_count, span)

    def play(self, now: float | None = None) -> None:
        if self.chains is None:
            self.playing = False
            return
        if self.chains.step_count >= self.stop_after:
            self.reset()
        self._rebase(now)
        self.playing = True

    def pause(self) -> None:
        self.playing = False

    def _rebase(self, now: float | None = None) -> None:
        self._t0 = time.perf_counter() if now is None else now
        self._step0 = self.step_count

    def tick(self, now: float | None = None) -> int:
        """Take the steps the clock asks for (at most 1/4 s worth after a stall); returns how many."""
        if not self.playing or self.chains is None:
            self.playing = False
            return 0
        now = time.perf_counter() if now is None else now
        due = self._step0 + int((now - self._t0) * self.speed) - self.chains.step_count
        cap = max(1, math.ceil(self.speed / 4))
        if due > cap:               # the caller was blocked: do not catch up in a burst
            due = cap
            self._t0, self._step0 = now, self.chains.step_count + due
        due = min(due, self.stop_after - self.chains.step_count)
        if due > 0:
            self.step(due)
        if self.chains.step_count >= self.stop_after:
            self.playing = False
            self.note = f"Stopped after {self.stop_after:,} steps (Play starts again from step 0)."
        return max(due, 0)

    def _on_stop_after(self, limit: int) -> None:
        if self.playing and self.step_count >= limit:
            self.playing = False

    @property
    def stopped(self) -> bool:
        """Reached the step limit (not merely paused)."""
        return self.chains is not None and not self.playing and self.step_count >= self.stop_after

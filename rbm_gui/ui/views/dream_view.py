"""The dream panel: Gibbs chains started from digits, animated ("daydreaming", the blog's video).

The chains (:class:`rbm_gui.engine.dream.DreamChains`) are stepped on the GUI thread by a QTimer:
a Gibbs step of 16 chains at n_hidden=400 takes ~0.5 ms (one BLAS thread), so even 120 steps/s
costs a few percent of one core and a worker thread would only add copies. The timer ticks at
most ~60 times a second and takes as many steps as the wall clock asks for (speed x elapsed
time), so the speed holds whatever the tick jitter; the mosaic is drawn once per tick as ONE
uint8 ImageItem (black ink on white, as in the video).

The chains follow the model: ``modelChanged`` (new, opened, reset model) restarts them from
step 0; ``frameShown`` (a training snapshot) swaps the model under the running chains when
"Follow training" is on. The window's ``dreamStartRequested`` (the drawing board) and
``digitSelected`` (the gallery) provide start digits.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from rbm_gui.engine.dream import MAX_CHAINS, DreamChains, start_digits
from rbm_gui.engine.blas import single_blas_thread
from rbm_gui.io.export import chain_columns, compose_frame

from rbm_gui.ui.registry import register_view

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

#: start sources: (key, combo text)
START_SOURCES = (("per-class", "One random digit per class"), ("gallery", "Gallery selection"),
                 ("drawn", "Drawn digit"), ("noise", "Random noise"))
SHOW_CHOICES = (("probs", "Probabilities P(v=1|h)"), ("samples", "Binary samples"))
#: blank source pixels between chains in the panel (exports use 1)
PANEL_PAD = 3
MAX_SPEED = 120
MAX_STOP = 100_000
TICK_MS = 16                      # the timer's fastest tick (~60 redraws/s)
#: mixed into the seed for picking start digits (as ``rbm-gui dream`` does), separate from the chains' stream
PICK_STREAM = 0xD1617

_TEST_LABELS: dict[str, np.ndarray | None] = {}


def _test_labels(source: str) -> np.ndarray | None:
    """Labels of the test split of a built-in source (the window's probe digits are its first 1,000)."""
    if source not in ("mnist-sample", "mnist"):
        return None
    if source not in _TEST_LABELS:
        try:
            from rbm_gui.data import load_dataset
            _TEST_LABELS[source] = load_dataset(source, "test").labels
        except Exception:     # missing download etc.: per-class falls back to random digits
            _TEST_LABELS[source] = None
    return _TEST_LABELS[source]


class DreamView(QWidget):
    """Dream panel; built by the view registry as ``DreamView(window)``."""

    frameDrawn = Signal(int)          # the step count of the frame just drawn
    stateChanged = Signal(str)        # "playing", "paused", "stopped" (reached the step limit)

    def __init__(self, window=None, parent=None):
        super().__init__(parent)
        self.window = window
        self.chains: DreamChains | None = None
        self.starts: np.ndarray | None = None       # (n, n_visible) float32 of the current chains
        self.selection: list[np.ndarray] = []       # gallery picks, flat float32 images (newest last)
        self.drawn: np.ndarray | None = None        # drawing board digit(s), (k, n_visible)
        self.frame: np.ndarray | None = None        # the uint8 mosaic last drawn
        self.frames_drawn = 0
        self.model_source = ""
        self._pick = 0                              # "New digits" presses (changes the picks)
        self._play_t0 = 0.0
        self._play_step0 = 0
        self._building = True

        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)

        self._build()
        self._restore()
        self._building = False
        if window is not None:
            window.modelChanged.connect(self._on_model_changed)
            window.frameShown.connect(self._on_frame_shown)
            for name, slot in (("dreamStartRequested", self.set_drawn), ("digitSelected", self._on_digit_selected)):
                sig = getattr(window, name, None)
                if sig is not None:
                    sig.connect(slot)
            hooks = getattr(window, "shutdown_hooks", None)
            if hooks is not None:
                hooks.append(self.shutdown)
            rbm = window.session.rbm
            if rbm is not None:
                self.set_model(rbm.snapshot(), restart=True)

    # ================================================================== construction
    def _build(self) -> None:
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground((24, 28, 36))
        self.glw.ci.setContentsMargins(6, 6, 6, 6)
        self.vb = self.glw.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.vb.setMouseEnabled(False, False)
        self.image = pg.ImageItem()
        self.vb.addItem(self.image)

        self.counter = QLabel("step 0")
        f = QFont(self.counter.font())
        f.setPointSizeF(f.pointSizeF() * 1.6)
        f.setBold(True)
        self.counter.setFont(f)
        self.counter.setToolTip("Gibbs steps since the start digits (step 0 = the start itself).")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color:#9aa4b2;")

        self.play_btn = QPushButton("Play")
        self.play_btn.setCheckable(True)
        self.play_btn.setToolTip("Run the chains at the chosen speed (again: pause).")
        self.play_btn.clicked.connect(lambda checked: self.play() if checked else self.pause())
        self.step_btn = QPushButton("Step")
        self.step_btn.setToolTip("One Gibbs step (v -> h -> v) of every chain.")
        self.step_btn.clicked.connect(lambda: self.step(1))
        self.reset_btn = QPushButton("Reset")
        self.reset_btn.setToolTip("Back to the start digits, step 0 (the same seed gives the same dream).")
        self.reset_btn.clicked.connect(self.reset)
        self.new_btn = QPushButton("New digits")
        self.new_btn.setToolTip("Pick other start digits (and a new seed) and start again.")
        self.new_btn.clicked.connect(self.new_digits)
        buttons = QHBoxLayout()
        for b in (self.play_btn, self.step_btn, self.reset_btn):
            buttons.addWidget(b)

        self.source_combo = QComboBox()
        for key, text in START_SOURCES:
            self.source_combo.addItem(text, key)
        self.source_combo.setToolTip("Where the chains start: digits of the test split, the gallery's selected "
                                     "digits, the drawing board's digit, or random pixels.")
        self.chains_spin = QSpinBox()
        self.chains_spin.setRange(1, MAX_CHAINS)
        self.chains_spin.setValue(8)
        self.chains_spin.setToolTip("Number of chains, 1-16 (8 = the blog's 2 x 4 grid).")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("Seed of the start-digit choice and of the chains: the same seed, the same dream.")
        self.speed_spin = QSpinBox()
        self.speed_spin.setRange(1, MAX_SPEED)
        self.speed_spin.setValue(25)
        self.speed_spin.setSuffix(" steps/s")
        self.speed_spin.setToolTip("Gibbs steps per second while playing (1-120).")
        self.stop_spin = QSpinBox()
        self.stop_spin.setRange(1, MAX_STOP)
        self.stop_spin.setValue(1000)
        self.stop_spin.setGroupSeparatorShown(True)
        self.stop_spin.setSuffix(" steps")
        self.stop_spin.setToolTip("Playing stops after this many steps (up to 100,000); Step still works.")
        self.show_combo = QComboBox()
        for key, text in SHOW_CHOICES:
            self.show_combo.addItem(text, key)
        self.show_combo.setToolTip("Draw the visible probabilities (smooth) or the sampled binary visibles.")
        self.follow_check = QCheckBox("Follow training")
        self.follow_check.setChecked(True)
        self.follow_check.setToolTip("While the model trains, the chains continue with its newest snapshot.")

        box = QGroupBox("Start")
        form = QFormLayout(box)
        form.addRow("Digits", self.source_combo)
        form.addRow("Chains", self.chains_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow(self.new_btn)
        run = QGroupBox("Run")
        rform = QFormLayout(run)
        rform.addRow(buttons)
        rform.addRow("Speed", self.speed_spin)
        rform.addRow("Stop after", self.stop_spin)
        rform.addRow("Show", self.show_combo)
        rform.addRow(self.follow_check)

        side = QWidget()
        side.setFixedWidth(270)
        sl = QVBoxLayout(side)
        sl.setContentsMargins(4, 4, 4, 4)
        sl.addWidget(self.counter)
        sl.addWidget(run)
        sl.addWidget(box)
        sl.addWidget(self.status)
        sl.addStretch(1)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.glw, 1)
        lay.addWidget(side)

        self.source_combo.currentIndexChanged.connect(lambda _i: self._options_changed(restart=True))
        self.chains_spin.valueChanged.connect(lambda _v: self._options_changed(restart=True))
        self.seed_spin.valueChanged.connect(lambda _v: self._options_changed(restart=True))
        self.speed_spin.valueChanged.connect(lambda _v: self._options_changed(restart=False))
        self.stop_spin.valueChanged.connect(lambda _v: self._options_changed(restart=False))
        self.show_combo.currentIndexChanged.connect(lambda _i: self._options_changed(restart=False))
        self.follow_check.toggled.connect(lambda _c: self._options_changed(restart=False))

    # ------------------------------------------------------------------ settings
    def _settings(self):
        return getattr(self.window, "settings", None)

    def _restore(self) -> None:
        s = self._settings()
        if s is None:
            return

        def num(key, default, lo, hi):
            try:
                return min(hi, max(lo, int(s.value(f"dream/{key}", default))))
            except (TypeError, ValueError):
                return default
        self.chains_spin.setValue(num("chains", 8, 1, MAX_CHAINS))
        self.speed_spin.setValue(num("speed", 25, 1, MAX_SPEED))
        self.stop_spin.setValue(num("stop_after", 1000, 1, MAX_STOP))
        for combo, key in ((self.source_combo, "source"), (self.show_combo, "show")):
            i = combo.findData(str(s.value(f"dream/{key}", "")))
            if i >= 0:
                combo.setCurrentIndex(i)
        self.follow_check.setChecked(str(s.value("dream/follow", "true")) == "true")

    def _save(self) -> None:
        s = self._settings()
        if s is None:
            return
        s.setValue("dream/chains", self.n_chains)
        s.setValue("dream/speed", self.speed)
        s.setValue("dream/stop_after", self.stop_after)
        s.setValue("dream/source", self.source)
        s.setValue("dream/show", self.show_mode)
        s.setValue("dream/follow", "true" if self.follow_check.isChecked() else "false")

    # ================================================================== properties
    @property
    def source(self) -> str:
        return self.source_combo.currentData()

    @property
    def show_mode(self) -> str:
        return self.show_combo.currentData()

    @property
    def n_chains(self) -> int:
        return self.chains_spin.value()

    @property
    def seed(self) -> int:
        return self.seed_spin.value()

    @property
    def speed(self) -> int:
        return self.speed_spin.value()

    @property
    def stop_after(self) -> int:
        return self.stop_spin.value()

    @property
    def step_count(self) -> int:
        return 0 if self.chains is None else self.chains.step_count

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    @property
    def rbm(self):
        return None if self.chains is None else self.chains.rbm

    def set_source(self, key: str) -> None:
        i = self.source_combo.findData(key)
        if i < 0:
            raise ValueError(f"unknown start source {key!r}")
        self.source_combo.setCurrentIndex(i)

    def set_show(self, key: str) -> None:
        self.show_combo.setCurrentIndex(self.show_combo.findData(key))

    # ================================================================== start digits
    def make_starts(self, n_visible: int) -> tuple[np.ndarray, str]:
        """Start states for the chosen source and a note for the user (empty when all is as asked)."""
        n, source, note = self.n_chains, self.source, ""
        rng = np.random.default_rng([self.seed, PICK_STREAM, self._pick])
        if source == "noise":
            return start_digits(np.zeros((1, n_visible), np.uint8), None, "random-noise", n_chains=n, rng=rng), ""
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
        data = getattr(getattr(self.window, "session", None), "data", None)
        if data is None or data.n_visible != n_visible:
            return (start_digits(np.zeros((1, n_visible), np.uint8), None, "random-noise", n_chains=n, rng=rng),
                    "No data set of this model's size: random noise instead.")
        probes = data.probes
        labels = getattr(data, "probe_labels", None)
        if labels is None:
            labels = _test_labels(getattr(self.window.session.data_options, "source", ""))
        if labels is not None and len(labels) >= len(probes):
            return start_digits(probes, labels[:len(probes)], "per-class", n_chains=n, rng=rng), note
        idx = rng.choice(len(probes), size=n, replace=len(probes) < n)
        return start_digits(probes, None, "indices", idx, rng=rng), (note or "The data set has no labels: random digits.")

    @Slot(object)
    def set_drawn(self, starts) -> None:
        """Digits from the drawing board (``window.request_dream``): start the chains from them."""
        self.drawn = np.array(starts, dtype=np.float32, ndmin=2)
        self.drawn = self.drawn.reshape(self.drawn.shape[0], -1)
        if self.source != "drawn":
            self.set_source("drawn")         # restarts
        else:
            self.restart()

    @Slot(object)
    def _on_digit_selected(self, digit) -> None:
        """A gallery pick: image(s) with n_visible pixels each, or index(es) of the window's probe digits."""
        data = getattr(getattr(self.window, "session", None), "data", None)
        n_visible = self.chains.rbm.n_visible if self.chains is not None else (data.n_visible if data else None)
        a = np.asarray(digit)
        if n_visible is None:
            return
        if a.dtype.kind in "iu" and a.size != n_visible and a.size % n_visible != 0:
            if data is None:
                return
            images = data.probes[np.atleast_1d(a).astype(np.int64) % len(data.probes)]
        elif a.size % n_visible == 0 and a.size:
            images = a.reshape(-1, n_visible)
        else:
            return
        images = np.asarray(images)
        if images.dtype.kind in "iu" and images.max(initial=0) > 1:
            images = images >= 128
        for im in images:
            self.selection.append(np.clip(np.asarray(im, dtype=np.float32), 0, 1))
        del self.selection[:-MAX_CHAINS]
        if self.source == "gallery":
            self.restart()

    # ================================================================== model
    @Slot(object)
    def _on_model_changed(self, rbm) -> None:
        """A new, opened or reset model (the worker is not running): restart the chains from step 0."""
        self.set_model(None if rbm is None else rbm.snapshot(), restart=True)

    @Slot(object)
    def _on_frame_shown(self, rbm) -> None:
        """A training snapshot (read-only): continue the chains with it."""
        if rbm is None or not self.follow_check.isChecked():
            return
        self.set_model(rbm, restart=False)
        self.model_source = "training snapshot"

    def set_model(self, rbm, restart: bool = True) -> None:
        """Use ``rbm`` (a snapshot: it must not change while the chains use it)."""
        if rbm is None:
            self.pause()
            self.chains = None
            self.starts = None
            self.image.clear()
            self.frame = None
            self._update_labels()
            self.status.setText("No model.")
            return
        if self.chains is not None and not restart and self.chains.rbm.n_visible == rbm.n_visible:
            self.chains.set_model(rbm)
            return
        if self.chains is not None and self.chains.rbm.n_visible == rbm.n_visible and self.starts is not None:
            self.chains = DreamChains(rbm, self.starts, self.seed)
            self.model_source = "model"
            self._after_restart("")
            return
        self.chains = DreamChains(rbm, np.zeros((1, rbm.n_visible), np.float32), self.seed)
        self.model_source = "model"
        self.restart()

    # ================================================================== actions
    def restart(self) -> None:
        """New start digits from the chosen source; back to step 0."""
        if self.chains is None:
            return
        starts, note = self.make_starts(self.chains.rbm.n_visible)
        self.starts = starts
        self.chains.reset(starts, seed=self.seed)
        self._after_restart(note)

    def _after_restart(self, note: str) -> None:
        was_playing = self.playing
        self.status.setText(note)
        self._rebase()
        self.draw()
        if was_playing:
            self._rebase()

    def reset(self) -> None:
        """Back to the same start digits, step 0 (the same frames again)."""
        if self.chains is None:
            return
        self.chains.reset(seed=self.seed)
        self._rebase()
        self.draw()
        self._update_state()

    def new_digits(self) -> None:
        self._pick += 1
        self.restart()

    def step(self, n: int = 1) -> int:
        """Advance every chain by ``n`` Gibbs steps and draw; returns the step count."""
        if self.chains is None or n <= 0:
            return self.step_count
        with single_blas_thread():
            self.chains.step(int(n))
        self.draw()
        return self.chains.step_count

    def play(self) -> None:
        if self.chains is None:
            self.play_btn.setChecked(False)
            return
        if self.chains.step_count >= self.stop_after:
            self.reset()
        self._rebase()
        self.timer.start(max(TICK_MS, int(1000 / self.speed)))
        self._update_state()

    def pause(self) -> None:
        self.timer.stop()
        self._update_state()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _rebase(self) -> None:
        self._play_t0 = time.perf_counter()
        self._play_step0 = self.step_count

    def _tick(self) -> None:
        """Take the steps the clock asks for (at most 1/4 s worth after a stall), draw once."""
        if self.chains is None:
            self.pause()
            return
        due = self._play_step0 + int((time.perf_counter() - self._play_t0) * self.speed) - self.chains.step_count
        cap = max(1, math.ceil(self.speed / 4))
        if due > cap:               # the GUI was blocked: do not try to catch up in a burst
            due = cap
            self._play_t0 = time.perf_counter()
            self._play_step0 = self.chains.step_count + due
        due = min(due, self.stop_after - self.chains.step_count)
        if due > 0:
            with single_blas_thread():
                self.chains.step(due)
            if self.isVisible():
                self.draw()
            else:
                self._update_labels()
        if self.chains.step_count >= self.stop_after:
            self.pause()
            self.status.setText(f"Stopped after {self.stop_after:,} steps (Play starts again from step 0).")

    def _options_changed(self, restart: bool) -> None:
        if self._building:
            return
        self._save()
        if restart:
            self.restart()
        elif self.playing:
            self.timer.setInterval(max(TICK_MS, int(1000 / self.speed)))
            self._rebase()
            if self.step_count >= self.stop_after:
                self.pause()
        if not restart and self.chains is not None:
            self.draw()

    # ================================================================== drawing
    def current_frame(self) -> np.ndarray | None:
        """The mosaic for the chains' current state: uint8 greys, ink (1 = black) on white."""
        if self.chains is None:
            return None
        imgs = self.chains.images(self.show_mode)
        return compose_frame(imgs, scale=1, cols=chain_columns(imgs.shape[0]), pad=PANEL_PAD)

    def draw(self) -> None:
        frame = self.current_frame()
        if frame is None:
            return
        relayout = self.frame is None or self.frame.shape != frame.shape
        self.frame = frame
        self.image.setImage(frame, levels=(0, 255), autoLevels=False)
        if relayout:
            h, w = frame.shape
            self.vb.setRange(QRectF(0, 0, w, h), padding=0.02)
        self.frames_drawn += 1
        self._update_labels()
        self.frameDrawn.emit(self.chains.step_count)

    def _update_labels(self) -> None:
        self.counter.setText(f"step {self.step_count:,}")
        has = self.chains is not None
        for w in (self.play_btn, self.step_btn, self.reset_btn, self.new_btn):
            w.setEnabled(has)

    def _update_state(self) -> None:
        playing = self.playing
        self.play_btn.setChecked(playing)
        self.play_btn.setText("Pause" if playing else "Play")
        self.stateChanged.emit("playing" if playing else
                               ("stopped" if self.chains is not None and self.step_count >= self.stop_after else "paused"))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.chains is not None:
            self.draw()

    # ================================================================== screenshot and closing
    def prepare_screenshot(self, steps: int = 60) -> None:
        """For ``rbm-gui screenshot --tab dream``: 8 chains (one per class) after ``steps`` steps."""
        w = self.window
        if w is not None and not w.running and w.session.rbm is not None:
            self.set_model(w.session.rbm.snapshot(), restart=False)
        self.pause()
        self._building = True
        self.chains_spin.setValue(8)
        self.set_source("per-class")
        self._building = False
        self.restart()
        self.step(steps)

    def shutdown(self) -> None:
        self.timer.stop()


register_view("dream", "Dream", "rbm_gui.ui.views.dream_view:DreamView", 50)

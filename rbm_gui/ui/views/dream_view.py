"""The dream panel: Gibbs chains started from digits, animated ("daydreaming", the blog's video).

Everything the panel shows lives in :class:`rbm_gui.app.dream_state.DreamState` (start digits,
chains, seed, speed, the play clock); this widget binds its controls to it, draws the chains'
mosaic as ONE uint8 ImageItem (black ink on white, as in the video) and ticks the clock from a
QTimer (at most ~60 redraws/s; the state takes as many steps as the wall clock asks for).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from rbm_gui.app.dream_state import DREAM_LIMITS, PANEL_PAD, DreamState  # noqa: F401 (PANEL_PAD: tests)
from rbm_gui.app.dream_controls import CONTROL_LIMITS
from rbm_gui.io.export import chain_columns
from rbm_gui.ui.registry import register_view
from rbm_gui.ui.binding import bind, persist
from rbm_gui.ui.views.class_strip import ClassStrip
from rbm_gui.ui.views.dream_overlays import MosaicOverlays
from rbm_gui.ui.views.steer_panel import SteerPanel, scrolling
from rbm_gui.viz.mosaic import MosaicLayout

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

#: start sources: (key, combo text)
START_SOURCES = (("per-class", "One random digit per class"), ("gallery", "Gallery selection"),
                 ("drawn", "Drawn digit"), ("noise", "Random noise"))
SHOW_CHOICES = (("probs", "Probabilities P(v=1|h)"), ("samples", "Binary samples"))
TICK_MS = 16                      # the timer's fastest tick (~60 redraws/s)
STORED = ("source", "n_chains", "speed", "stop_after", "show", "follow")
STORED_CONTROLS = ("temperature", "tempering", "tempering_k", "label_strength")


class DreamView(QWidget):
    """Dream panel; built by the view registry with the session's :class:`DreamState`."""

    frameDrawn = Signal(int)          # the step count of the frame just drawn
    stateChanged = Signal(str)        # "playing", "paused", "stopped" (reached the step limit)

    def __init__(self, state: DreamState, settings=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.frame: np.ndarray | None = None        # the uint8 mosaic last drawn
        self.frames_drawn = 0
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self._build()
        persist(state, settings, "dream", STORED, DREAM_LIMITS)
        persist(state.controls, settings, "dream", STORED_CONTROLS, CONTROL_LIMITS)
        for name, w in (("source", self.source_combo), ("n_chains", self.chains_spin), ("seed", self.seed_spin),
                        ("speed", self.speed_spin), ("stop_after", self.stop_spin), ("show", self.show_combo),
                        ("follow", self.follow_check)):
            bind(state, name, w)
        state.frame_changed.connect(self._on_frame_changed)
        state.connect("playing", self._on_playing)
        state.connect("speed", lambda _v: self.timer.setInterval(self._interval()))
        state.connect("note", self.status.setText)
        state.controls.connect("mask", lambda _m: self._draw_steering())
        state.controls.connect("tempering", lambda _m: self._draw_steering())
        self.status.setText(state.note)
        self.draw()

    # ================================================================== construction
    def _build(self) -> None:
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground((24, 28, 36))
        self.glw.ci.setContentsMargins(6, 6, 6, 6)
        self.vb = self.glw.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.vb.setMouseEnabled(False, False)
        self.image = pg.ImageItem()
        self.vb.addItem(self.image)
        self.overlays = MosaicOverlays(self.vb)
        self.strip = ClassStrip()
        self.strip.setFixedHeight(150)
        self.steer = SteerPanel(self.state.controls)

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
        self.chains_spin.setRange(*DREAM_LIMITS["n_chains"])
        self.chains_spin.setToolTip("Number of chains, 1-16 (8 = the blog's 2 x 4 grid).")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(*DREAM_LIMITS["seed"])
        self.seed_spin.setToolTip("Seed of the start-digit choice and of the chains: the same seed, the same dream.")
        self.speed_spin = QSpinBox()
        self.speed_spin.setRange(*DREAM_LIMITS["speed"])
        self.speed_spin.setSuffix(" steps/s")
        self.speed_spin.setToolTip("Gibbs steps per second while playing (1-120).")
        self.stop_spin = QSpinBox()
        self.stop_spin.setRange(*DREAM_LIMITS["stop_after"])
        self.stop_spin.setGroupSeparatorShown(True)
        self.stop_spin.setSuffix(" steps")
        self.stop_spin.setToolTip("Playing stops after this many steps (up to 100,000); Step still works.")
        self.show_combo = QComboBox()
        for key, text in SHOW_CHOICES:
            self.show_combo.addItem(text, key)
        self.show_combo.setToolTip("Draw the visible probabilities (smooth) or the sampled binary visibles.")
        self.follow_check = QCheckBox("Follow training")
        self.follow_check.setToolTip("While the model trains, the chains continue with its newest snapshot.")

        box = QGroupBox("Start")
        form = QFormLayout(box)
        form.addRow("Digits", self.source_combo)
        form.addRow("Chains", self.chains_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow(self.new_btn)
        run = QGroupBox("Run")
        rform = QFormLayout(run)
        rform.addRow("Speed", self.speed_spin)
        rform.addRow("Stop after", self.stop_spin)
        rform.addRow("Show", self.show_combo)
        rform.addRow(self.follow_check)
        settings = QWidget()
        stl = QVBoxLayout(settings)
        stl.setContentsMargins(2, 2, 2, 2)
        stl.addWidget(run)
        stl.addWidget(box)
        stl.addStretch(1)
        # the steering controls on a second page: the mosaic keeps its width in the window
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(settings, "Run")
        self.side_tabs.addTab(scrolling(self.steer), "Steer")

        side = QWidget()
        side.setFixedWidth(280)
        sl = QVBoxLayout(side)
        sl.setContentsMargins(4, 4, 4, 4)
        sl.addWidget(self.counter)
        sl.addLayout(buttons)
        sl.addWidget(self.side_tabs, 1)
        sl.addWidget(self.status)

        pictures = QVBoxLayout()
        pictures.setContentsMargins(0, 0, 0, 0)
        pictures.setSpacing(0)
        pictures.addWidget(self.glw, 1)
        pictures.addWidget(self.strip)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(pictures, 1)
        lay.addWidget(side)

    # ================================================================== reading (tests, exports)
    source = property(lambda self: self.state.source)
    show_mode = property(lambda self: self.state.show)
    n_chains = property(lambda self: self.state.n_chains)
    seed = property(lambda self: self.state.seed)
    speed = property(lambda self: self.state.speed)
    stop_after = property(lambda self: self.state.stop_after)
    step_count = property(lambda self: self.state.step_count)
    starts = property(lambda self: self.state.starts)
    rbm = property(lambda self: self.state.rbm)
    playing = property(lambda self: self.state.playing)

    def set_source(self, key: str) -> None:
        if key not in DREAM_LIMITS["source"]:
            raise ValueError(f"unknown start source {key!r}")
        self.state.source = key

    def set_show(self, key: str) -> None:
        self.state.show = key

    # ================================================================== intent -> state
    def step(self, n: int = 1) -> int:
        return self.state.step(n)

    def reset(self) -> None:
        self.state.reset()

    def new_digits(self) -> None:
        self.state.new_digits()

    def play(self) -> None:
        self.state.play()
        if not self.state.playing:
            self.play_btn.setChecked(False)

    def pause(self) -> None:
        self.state.pause()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _interval(self) -> int:
        return max(TICK_MS, int(1000 / self.state.speed))

    def _tick(self) -> None:
        self.state.tick()

    def _on_playing(self, playing: bool) -> None:
        if playing:
            self.timer.start(self._interval())
        else:
            self.timer.stop()
        self.play_btn.setChecked(playing)
        self.play_btn.setText("Pause" if playing else "Play")
        self.stateChanged.emit("playing" if playing else ("stopped" if self.state.stopped else "paused"))

    # ================================================================== drawing
    def _on_frame_changed(self) -> None:
        if self.isVisible():
            self.draw()
        else:
            self._update_labels()

    def draw(self) -> None:
        frame = self.state.frame()
        self._update_labels()
        self._draw_steering()
        if frame is None:
            self.image.clear()
            self.frame = None
            return
        relayout = self.frame is None or self.frame.shape != frame.shape
        self.frame = frame
        self.image.setImage(frame, levels=(0, 255), autoLevels=False)
        if relayout:
            h, w = frame.shape
            self.vb.setRange(QRectF(0, 0, w, h), padding=0.02)
        self.frames_drawn += 1
        self.frameDrawn.emit(self.state.step_count)

    def layout(self) -> MosaicLayout | None:
        """Where each chain's tile sits in the mosaic (None without chains)."""
        ch = self.state.chains
        return None if ch is None else MosaicLayout(ch.n_chains, chain_columns(ch.n_chains), ch.image_shape, PANEL_PAD)

    def _draw_steering(self) -> None:
        """Mask tint, per-chain digits, class strip, label choices, swap rates, the mask brush's digit."""
        st, layout = self.state, self.layout()
        n_labels = 0 if st.rbm is None else st.rbm.n_labels
        self.overlays.draw_mask(layout, st.controls.mask)
        self.overlays.draw_labels(layout, st.label_probs if n_labels else None)
        self.strip.setVisible(n_labels > 0)
        if n_labels:
            self.strip.draw(st.timeline, n_labels)
        self.steer.show_state(st, n_labels)

    def _update_labels(self) -> None:
        self.counter.setText(f"step {self.state.step_count:,}")
        has = self.state.chains is not None
        for w in (self.play_btn, self.step_btn, self.reset_btn, self.new_btn):
            w.setEnabled(has)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.draw()

    # ================================================================== screenshot and closing
    def prepare_screenshot(self, steps: int = 60) -> None:
        """For ``rbm-gui screenshot --tab dream``: 8 chains (one per class) after ``steps`` steps."""
        self.pause()
        self.state.update(n_chains=8, source="per-class")
        self.state.restart()
        self.step(steps)

    def shutdown(self) -> None:
        self.timer.stop()
        self.state.pause()


def make(session, states, window) -> DreamView:
    view = DreamView(states.dream, getattr(window, "settings", None))
    window.shutdown_hooks.append(view.shutdown)
    return view


register_view("dream", "Dream", "rbm_gui.ui.views.dream_view:make", 50)

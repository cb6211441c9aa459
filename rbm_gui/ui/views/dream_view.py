"""The dream panel: Gibbs chains started from digits, animated ("daydreaming", the blog's video).

Everything the panel shows lives in :class:`rbm_gui.app.dream_state.DreamState` (start digits,
chains, seed, speed, the play clock); this widget binds its controls to it, draws the chains'
mosaic as ONE RGBA ImageItem (black ink on white, as in the video; clamped pixels tinted) and ticks
the clock from a QTimer: at most ~60 redraws/s, fewer when steps and redraws would take more than
their share of the GUI thread (``app/frame_pacing.py``); the state takes as many steps per tick as
the wall clock asks for, so the speed holds.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from rbm_gui.app.dream_state import DREAM_LIMITS, PANEL_PAD, DreamState  # noqa: F401 (PANEL_PAD: tests)
from rbm_gui.app.dream_controls import CONTROL_LIMITS
from rbm_gui.app.frame_pacing import FramePacer
from rbm_gui.io.export import chain_columns
from rbm_gui.ui.registry import register_view
from rbm_gui.ui.binding import bind, persist
from rbm_gui.ui.views.class_strip import ClassStrip
from rbm_gui.ui.views.dream_overlays import MosaicOverlays
from rbm_gui.ui.views.dream_run_page import RunPage
from rbm_gui.ui.views.steer_panel import SteerPanel, scrolling
from rbm_gui.ui.views.timed_paint import PaintClock, TimedLayoutWidget
from rbm_gui.viz.mosaic import MosaicLayout

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

TICK_MS = 16                      # the timer's fastest tick (~60 redraws/s)
SIDE_WIDTH = 280                  # the controls' column
STORED = ("source", "n_chains", "speed", "stop_after", "show", "follow")
#: not "tempering" itself: it follows the clamped label / mask (app/dream_controls.py)
STORED_CONTROLS = ("temperature", "tempering_k", "label_strength", "hottest", "wander")


class DreamView(QWidget):
    """Dream panel; built by the view registry with the session's :class:`DreamState`."""

    frameDrawn = Signal(int)          # the step count of the frame just drawn
    stateChanged = Signal(str)        # "playing", "paused", "stopped" (reached the step limit)

    def __init__(self, state: DreamState, settings=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.frame: np.ndarray | None = None        # the uint8 mosaic last drawn
        self.frames_drawn = 0
        # redraw pacing (app/frame_pacing.py): what steps, drawing and painting cost on this thread
        self.pacer, self.paint_clock = FramePacer(), PaintClock()
        self.busy_seconds = 0.0                      # in ticks and paints since the panel was made
        self._drawing = 0.0                          # seconds drawing within the current tick
        self._last_frame: float | None = None        # the last tick's drawing time, its paint to come
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self._build()
        persist(state, settings, "dream", STORED, DREAM_LIMITS, skip=lambda: state.switching)
        persist(state.controls, settings, "dream", STORED_CONTROLS, CONTROL_LIMITS)
        for name, w in (("source", self.source_combo), ("n_chains", self.chains_spin), ("seed", self.seed_spin),
                        ("speed", self.speed_spin), ("stop_after", self.stop_spin), ("show", self.show_combo),
                        ("follow", self.follow_check)):
            bind(state, name, w)
        state.frame_changed.connect(self._on_frame_changed)
        state.connect("playing", self._on_playing)
        state.connect("speed", lambda _v: self.timer.setInterval(self._interval()))
        state.connect("note", self.status.setText)
        state.controls.connect("mask", lambda _m: self._show_frame())
        state.controls.connect("tempering", lambda _m: self._draw_steering())
        self.status.setText(state.note)
        self.draw()

    # ================================================================== construction
    def _build(self) -> None:
        self.glw = TimedLayoutWidget(self.paint_clock)
        self.glw.setBackground((24, 28, 36))
        self.glw.ci.setContentsMargins(6, 6, 6, 6)
        self.vb = self.glw.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.vb.setMouseEnabled(False, False)
        self.image = pg.ImageItem()
        self.vb.addItem(self.image)
        self.overlays = MosaicOverlays(self.vb)
        self.strip = ClassStrip(self.paint_clock)
        self.strip.setFixedHeight(150)
        self.steer = SteerPanel(self.state.controls)

        self.counter = QLabel("step 0")
        f = QFont(self.counter.font())
        f.setPointSizeF(f.pointSizeF() * 1.6)
        f.setBold(True)
        self.counter.setFont(f)
        # a fixed size: a new count repaints the label alone, no relayout of the panel (~0.6 ms a frame)
        self.counter.setFixedSize(SIDE_WIDTH - 8, self.counter.sizeHint().height())
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
        buttons = QHBoxLayout()
        for b in (self.play_btn, self.step_btn, self.reset_btn):
            buttons.addWidget(b)
        page = RunPage()
        (self.source_combo, self.chains_spin, self.seed_spin, self.speed_spin, self.stop_spin, self.show_combo,
         self.follow_check, self.new_btn) = (page.source_combo, page.chains_spin, page.seed_spin, page.speed_spin,
                                             page.stop_spin, page.show_combo, page.follow_check, page.new_btn)
        self.new_btn.clicked.connect(self.new_digits)
        # the steering controls on a second page: the mosaic keeps its width in the window
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(page, "Run")
        self.side_tabs.addTab(scrolling(self.steer), "Steer")

        side = QWidget()
        side.setFixedWidth(SIDE_WIDTH)
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
        paced = self.pacer.interval(self.state.speed) if self.state.playing else 0.0
        return max(TICK_MS, int(1000 / self.state.speed), round(1000 * paced))

    def _tick(self) -> None:
        """The steps the clock asks for and a redraw; the next tick when the pacer says."""
        painted, self.paint_clock.seconds = self.paint_clock.seconds, 0.0
        if self._last_frame is not None:
            self.pacer.add_frame(self._last_frame + painted)
        t0, self._drawing = time.perf_counter(), 0.0
        n = self.state.tick()
        spent = time.perf_counter() - t0
        self.busy_seconds += spent + painted
        self.pacer.add_steps(n, spent - self._drawing)
        self._last_frame = self._drawing if self._drawing else None
        interval = self._interval()      # a new interval restarts the timer: only for a real change
        if self.state.playing and abs(interval - self.timer.interval()) > 0.15 * self.timer.interval():
            self.timer.setInterval(interval)

    def _on_playing(self, playing: bool) -> None:
        if playing:
            self.paint_clock.seconds, self._last_frame = 0.0, None     # paints before Play are not frames
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
        t0 = time.perf_counter()
        self._draw()
        self._drawing += time.perf_counter() - t0

    def _draw(self) -> None:
        frame = self.state.frame()
        self._update_labels()
        self._draw_steering()
        if frame is None:
            self.image.clear()
            self.frame = None
            return
        relayout = self.frame is None or self.frame.shape != frame.shape
        self.frame = frame
        self._show_frame()
        if relayout:
            h, w = frame.shape
            self.vb.setRange(QRectF(0, 0, w, h), padding=0.02)
        self.frames_drawn += 1
        self.frameDrawn.emit(self.state.step_count)

    def _show_frame(self) -> None:
        """The frame as ONE RGBA image, the clamped pixels tinted (dream_overlays: cheaper to paint)."""
        if self.frame is not None:
            rgba = self.overlays.rgba(self.frame, self.layout(), self.state.controls.mask)
            self.image.setImage(rgba, levels=None, autoLevels=False)

    def layout(self) -> MosaicLayout | None:
        """Where each chain's tile sits in the mosaic (None without chains)."""
        ch = self.state.chains
        return None if ch is None else MosaicLayout(ch.n_chains, chain_columns(ch.n_chains), ch.image_shape, PANEL_PAD)

    def _draw_steering(self) -> None:
        """Mask tint, per-chain digits, class strip, label choices, swap rates, the mask brush's digit."""
        st, layout = self.state, self.layout()
        n_labels = 0 if st.rbm is None else st.rbm.n_labels
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

"""Painting time of pyqtgraph widgets: the dream panel's pacer (``app/frame_pacing.py``) needs what a
redraw costs, and most of it is spent in the paint events Qt delivers after the drawing code."""

from __future__ import annotations

import time

import pyqtgraph as pg


class PaintClock:
    """Seconds the widgets sharing it spent painting (the dream panel's redraw cost, for its pacer)."""

    def __init__(self):
        self.seconds = 0.0


class TimedLayoutWidget(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget whose paint events add their duration to ``clock``."""

    def __init__(self, clock: PaintClock | None = None, **kw):
        super().__init__(**kw)
        self.clock = clock

    def paintEvent(self, event) -> None:
        t0 = time.perf_counter()
        super().paintEvent(event)
        if self.clock is not None:
            self.clock.seconds += time.perf_counter() - t0

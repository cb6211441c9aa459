"""A one-line terminal progress bar (stderr), redrawn at most 10 times a second."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, total: float, label: str = "", stream=None, width: int = 30):
        self.total, self.label, self.width = max(total, 1e-12), label, width
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = 0.0
        self._shown = False

    def update(self, done: float, suffix: str = "", force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        frac = min(1.0, max(0.0, done / self.total))
        bar = "#" * int(frac * self.width)
        self.stream.write(f"\r{self.label} [{bar:<{self.width}}] {100 * frac:5.1f}% {suffix}\033[K")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

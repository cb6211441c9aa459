"""How often the playing dream panel redraws (Qt-free): the steps keep the chosen speed, the redraws
take what is left of the GUI thread's budget.

The panel's steps and redraws both run on the GUI thread. A steered step of 16 chains at 500 hidden
units costs ~2 ms idle and twice that while a training run takes the cores; a redraw (mosaic, tint,
tile digits, class strip) ~5 ms. At 120 steps/s and 60 redraws/s that is more than the whole thread
while training, so the panel would lag and the window stop answering. As in a game loop, the
simulation rate is kept and the frame rate gives: the next tick comes after

    interval = frame_cost / (budget - speed x step_cost)

(both costs measured, smoothed), between ``fastest`` (60 redraws/s) and ``slowest`` (15/s), so the
steps and the redraws together use at most ``budget`` of the thread while that is possible. The
state's clock-driven tick then takes as many steps per redraw as the speed asks for.
"""

from __future__ import annotations

#: share of the GUI thread the playing panel may use (the rest answers the user)
BUDGET = 0.7
FASTEST = 0.016          # s between redraws at most 60 redraws/s
SLOWEST = 1 / 15         # never fewer than 15 redraws/s
SMOOTHING = 0.2          # weight of the newest measurement in the running averages


class FramePacer:
    def __init__(self, budget: float = BUDGET, fastest: float = FASTEST, slowest: float = SLOWEST):
        self.budget, self.fastest, self.slowest = float(budget), float(fastest), float(slowest)
        self.step_cost: float | None = None      # seconds per Gibbs step (with its P(y|v))
        self.frame_cost: float | None = None     # seconds per redraw (drawing + painting)

    @staticmethod
    def _mix(old: float | None, new: float) -> float:
        return new if old is None else old + SMOOTHING * (new - old)

    def add_steps(self, n: int, seconds: float) -> None:
        """``n`` steps took ``seconds``."""
        if n > 0:
            self.step_cost = self._mix(self.step_cost, max(seconds, 0.0) / n)

    def add_frame(self, seconds: float) -> None:
        """One redraw took ``seconds``."""
        self.frame_cost = self._mix(self.frame_cost, max(seconds, 0.0))

    def interval(self, speed: float) -> float:
        """Seconds from one redraw to the next while playing at ``speed`` steps/s."""
        if self.frame_cost is None or self.step_cost is None:
            return self.fastest
        left = self.budget - speed * self.step_cost
        if left * self.slowest <= self.frame_cost:        # the steps alone take (nearly) the budget
            return self.slowest
        return min(self.slowest, max(self.fastest, self.frame_cost / left))

    def reset(self) -> None:
        self.step_cost = self.frame_cost = None

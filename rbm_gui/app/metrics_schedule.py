"""Which epochs get their metrics measured in the window, so that metrics never slow training.

Metrics run on the epoch-end snapshots off the training thread, but they still take a core: at
20 hidden units an epoch of 5,000 digits trains in ~0.03 s while the exact log-likelihood takes
~1 s. So the window spends at most ``budget`` (default 10%) of the training time on them: an epoch
is measured when the time spent on metrics so far, plus the expected cost of this measurement,
stays within ``budget`` x the training time so far. Two kinds, each with its own measured cost
and an equal share of the budget (so the cheap kind never starves the dear one): 'basic'
(reconstruction, free energy, pseudo-log-likelihood) and 'exact' (the exact log-likelihood of
small models): cheap ones come often, the exact one sparser, both keep coming.
The first epoch (nothing known yet; the exact likelihood starts from a prior cost from its size)
and the run's final epoch are always measured.

Qt-free and clock-free (callers pass seconds), so the policy is tested without timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rbm_gui.engine.monitor import EXACT_LOGLIK_MAX_HIDDEN

DEFAULT_BUDGET = 0.10
#: Prior cost of the exact likelihood per (hidden state x visible unit), until one was measured:
#: 2^20 x 784 took 0.75 s on this machine's 2 cores when idle (engine-facts); x3 for a busy machine.
EXACT_SECONDS_PER_TERM = 3e-9


@dataclass
class MetricsSchedule:
    n_hidden: int
    n_visible: int = 784
    budget: float = DEFAULT_BUDGET
    train_seconds: float = 0.0            # training (step) time seen so far
    spent: float = 0.0                    # time spent on metrics so far
    spent_by_kind: dict = field(default_factory=dict)
    cost: dict = field(default_factory=dict)   # kind -> seconds of its last measurement
    measured_epochs: list = field(default_factory=list)

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("basic", "exact") if self.n_hidden <= EXACT_LOGLIK_MAX_HIDDEN else ("basic",)

    def epoch_trained(self, seconds: float) -> None:
        """An epoch's training took ``seconds`` (step time)."""
        self.train_seconds += max(0.0, seconds)

    def plan(self, epoch: int, last: bool = False, busy: bool = False) -> tuple[str, ...]:
        """The kinds of metrics to measure for ``epoch`` (empty: skip it).

        ``busy``: a measurement is still running; a non-final epoch is skipped then (the final
        one is queued by the caller).
        """
        if last:
            return self.kinds
        if busy:
            return ()
        share = self.budget * self.train_seconds / len(self.kinds)
        out = []
        for kind in self.kinds:
            expected = self.cost.get(kind)
            if expected is None and kind == "exact":     # too dear to try blindly: a prior from its size
                expected = EXACT_SECONDS_PER_TERM * 2.0 ** self.n_hidden * self.n_visible
            if expected is None:      # first measurement of its kind: learn its cost, one kind at a time
                out.append(kind)
                break
            if self.spent_by_kind.get(kind, 0.0) + expected <= share:
                out.append(kind)
        return tuple(out)

    def measured(self, epoch: int, costs: dict[str, float]) -> None:
        """A measurement of ``epoch`` ended; ``costs``: kind -> seconds it took."""
        for kind, seconds in costs.items():
            self.cost[kind] = float(seconds)
            self.spent += float(seconds)
            self.spent_by_kind[kind] = self.spent_by_kind.get(kind, 0.0) + float(seconds)
        self.measured_epochs.append(epoch)

"""Learning-rate and momentum schedules (pure functions of training progress), and the trainers' use of them."""

from __future__ import annotations

import time


def learning_rate(base: float, schedule: str, epoch: int, fraction: float, epochs: int, decay: float) -> float:
    """Learning rate for a mini-batch.

    Parameters
    ----------
    base : the configured learning rate.
    schedule : "constant"; "exponential" (``base * decay**epoch``, the blog's per-epoch decay);
        "linear" (from ``base`` down to 0 at the end of epoch ``epochs``; after that, the rate of
        the last planned mini-batch's neighbourhood, ``base / (4 * epochs)``, so "+1 epoch" still learns).
    epoch : completed epochs before this mini-batch (0-based).
    fraction : fraction of the current epoch already done, in [0, 1).
    """
    if schedule == "constant":
        return base
    if schedule == "exponential":
        return base * decay ** epoch
    if schedule == "linear":
        t = (epoch + fraction) / max(1, epochs)
        return base * max(1.0 - t, 1.0 / (4 * max(1, epochs)))
    raise ValueError(f"unknown learning-rate schedule {schedule!r}")


def momentum(initial: float, final: float, switch_epoch: int, epoch: int) -> float:
    """Hinton's guide: a small momentum (0.5) while weights settle, then a large one (0.9)."""
    return initial if epoch < switch_epoch else final


class ScheduledTraining:
    """What both trainers (``Trainer``, ``LabelledTrainer``) share: the schedule, the speed count and
    the epoch loop. Needs ``config``, ``epoch``, ``batch``, ``n_batches``, ``momentum_override``,
    ``_rate``, ``_rate_t0``, ``_rate_samples``, ``_blas``, ``step()`` and ``close()`` on the instance."""

    def __enter__(self):
        """``with trainer:`` sets the BLAS thread count once for all steps inside, and closes."""
        self._blas.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.close()
        finally:
            self._blas.__exit__(*exc)

    def run_epoch(self):
        """Steps until the current epoch ends; returns the last step's StepInfo."""
        with self._blas:
            while True:
                info = self.step()
                if info.epoch_ended:
                    return info

    def _count(self, n: int) -> None:
        self._rate_samples += n
        now = time.perf_counter()
        if now - self._rate_t0 >= 0.5:
            self._rate = self._rate_samples / (now - self._rate_t0)
            self._rate_t0, self._rate_samples = now, 0

    @property
    def learning_rate(self) -> float:
        c = self.config
        return learning_rate(c.learning_rate, c.lr_schedule, self.epoch, self.batch / self.n_batches,
                             c.epochs, c.lr_decay)

    @property
    def momentum(self) -> float:
        if self.momentum_override is not None:
            return self.momentum_override
        c = self.config
        return momentum(c.initial_momentum, c.momentum, c.momentum_switch_epoch, self.epoch)

    def set_learning_rate(self, lr: float) -> None:
        """Change the base learning rate; takes effect at the next mini-batch (the schedule continues)."""
        self.config = self.config.replace(learning_rate=float(lr)).validate()

    def set_momentum(self, m: float) -> None:
        """Fix the momentum from the next mini-batch on (overrides the 0.5 -> 0.9 switch)."""
        self.config.replace(momentum=float(m)).validate()
        self.momentum_override = float(m)

    @property
    def finished(self) -> bool:
        return self.epoch >= self.config.epochs

    @property
    def samples_per_second(self) -> float:
        return self._rate

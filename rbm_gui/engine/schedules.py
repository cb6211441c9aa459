"""Learning-rate and momentum schedules (pure functions of training progress)."""

from __future__ import annotations


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

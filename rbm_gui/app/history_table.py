"""The per-epoch history (name -> list of floats, with an 'epoch' column), updated without mutation.

Each update returns a new dict, so the session's ``history`` property notifies its views; missing
values are NaN, and metrics measured later land on the row of the epoch they were measured at.
"""

from __future__ import annotations

import math

import numpy as np

from rbm_gui.engine.monitor import append_history


def with_epochs(history: dict, ends) -> dict:
    """``history`` plus one row per epoch end (its learning rate in use and its speed)."""
    out = {k: list(v) for k, v in history.items()}
    for e in ends:
        append_history(out, e.epoch, {"learning_rate": e.learning_rate, "samples_per_second": e.samples_per_second})
    return out


def with_metrics(history: dict, epoch: int, values: dict) -> dict:
    """``history`` with ``values`` on the row of ``epoch`` (a new row, in epoch order, if there is none)."""
    out = {k: list(v) for k, v in history.items()}
    epochs = out.get("epoch", [])
    if epoch in epochs:
        row = len(epochs) - 1 - epochs[::-1].index(epoch)
        for key, value in values.items():
            column = out.setdefault(key, [math.nan] * len(epochs))
            column.extend([math.nan] * (len(epochs) - len(column)))
            column[row] = float(value)
        return out
    append_history(out, epoch, values)
    order = np.argsort(out["epoch"], kind="stable")
    return {k: [v[i] for i in order] for k, v in out.items()}

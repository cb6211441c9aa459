"""What a change of one setting means — the one list, used by the session and the settings panel.

* ``live``: reaches the running trainer at its next mini-batch (learning rate, momentum, epochs);
* ``stored``: kept for the next run (the trainer is rebuilt around the same parameters);
* ``new_model``: the model's shape or its data change, so the current model must go (asks first).
"""

from __future__ import annotations

LIVE = ("learning_rate", "momentum", "epochs")
ARCHITECTURE = ("n_hidden", "labels")     # label units are part of the model
#: data options (``data.<name>``) all need a new model: other digits, other binarisation
DATA_PREFIX = "data."
#: schedules that use ``lr_decay`` (the others ignore it: its field is disabled)
DECAY_SCHEDULES = ("exponential",)


def kind(name: str) -> str:
    """'live', 'stored' or 'new_model' for setting ``name`` (a TrainingConfig field or data.<option>)."""
    if name.startswith(DATA_PREFIX) or name in ARCHITECTURE:
        return "new_model"
    if name in LIVE:
        return "live"
    return "stored"


def uses_decay(schedule: str) -> bool:
    return schedule in DECAY_SCHEDULES


def editable_while_running(name: str) -> bool:
    return kind(name) == "live"

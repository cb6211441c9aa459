"""What a change of one setting or of the data set does to a session — the one place that decides.

``settings_policy`` says what kind of change a setting is; here the change is carried out on a
:class:`rbm_gui.app.session.Session`: forwarded to the running trainer, stored for the next run,
or a new model, after ``approve`` said yes once when a trained model would be thrown away.
"""

from __future__ import annotations

from typing import Callable

from rbm_gui.app import settings_policy
from rbm_gui.app.data import DataOptions, prepare_data
from rbm_gui.config import ConfigError, TrainingConfig

#: approve(text) -> bool: asked once before the current (trained) model is thrown away; the UI
#: offers to save it there. Without one, the change goes ahead.
Approve = Callable[[str], bool]

_LABELS = {"n_hidden": "the number of hidden units", "labels": "Learn labels"}


def config_problem(config: TrainingConfig) -> str:
    """Why ``config`` cannot train ('' when it can)."""
    try:
        config.validate()
    except ConfigError as exc:
        return str(exc)
    return ""


def set_config(session, config: TrainingConfig) -> None:
    with session.batch():
        session.config = config
        session.config_problem = config_problem(config)


def change_setting(session, name: str, value, approve: Approve | None = None) -> str:
    """Change one setting (a TrainingConfig field, or ``data.<option>``) of ``session``.

    Returns what happened: 'live' (forwarded to the running trainer), 'stored' (for the next
    run), 'new_model' (the model was replaced), 'refused' (``approve`` said no: the old value
    is kept) or 'unchanged'.
    """
    s = session
    data = name.startswith(settings_policy.DATA_PREFIX)
    key = name[len(settings_policy.DATA_PREFIX):] if data else name
    if data:
        old = s.data_options
        if getattr(old, key) == value:
            return "unchanged"
        return open_data(s, DataOptions(**{**old.to_dict(), key: value}), approve)
    if getattr(s.config, key) == value:
        return "unchanged"
    new_config = s.config.replace(**{key: value})
    what = settings_policy.kind(name)
    if what == "new_model" and s.has_model and (s.running or s.dirty or s.epochs_done):
        if approve is not None and not approve(
                f"Changing {_LABELS.get(key, key)} needs a new model: the current one "
                f"({s.epochs_done} epochs) will be thrown away."):
            return "refused"
    set_config(s, new_config)
    if what == "live":
        if s.run is not None and s.running:
            s.run.request(**{key: value})
        return "live"
    if what == "new_model":
        if s.data is not None and not s.config_problem:
            s.reset_model()
        return "new_model"
    return "stored"


def open_data(session, options: DataOptions, approve: Approve | None = None) -> str:
    """Switch ``session`` to other data (a new model); 'refused' when ``approve`` says no, 'failed' with a message."""
    s = session
    # Load first: a file that cannot load must not cost a question, nor stop training.
    try:
        data = prepare_data(options, s.config.seed)
    except Exception as exc:     # DataError, OSError, ValueError: keep the data in use
        s.say(f"Cannot load the data set: {exc}", "error")
        return "failed"
    if s.has_model and (s.running or s.dirty):
        if approve is not None and not approve(
                "Opening another data set needs a new model: the current one "
                f"({s.epochs_done} epochs) will be thrown away."):
            return "refused"
    s.stop_training()
    with s.batch():
        s.data_options, s.data = options, data
    s.say("")
    s.rbm = s.trainer = None
    if not s.config_problem:
        s.reset_model()
    return "new_model"


def add_epoch(session) -> int:
    """One more epoch than now (while training: than the run's target); forwarded to a running trainer."""
    s = session
    base = max(s.config.epochs, s.epochs_done) if s.running else s.epochs_done
    epochs = base + 1
    set_config(s, s.config.replace(epochs=epochs))
    if s.run is not None and s.running:
        s.run.request(epochs=epochs)
    return epochs

"""The session <-> model files: what a saved model holds of a session, and how one is read back."""

from __future__ import annotations

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.session import HISTORY_MAX_UNITS, from_saved, to_saved


def to_saved_model(session, rbm=None):
    """The model file's content of ``session`` (``rbm``: a snapshot to save instead of the live parameters)."""
    rbm = rbm if rbm is not None else session.rbm
    if rbm is None:
        raise ValueError("there is no model to save")
    return freeze(session, rbm)()


def freeze(session, rbm=None):
    """A function that builds the model file's content later, on any thread, from a copy taken now.

    ``rbm``: a read-only snapshot (the live parameters change under a running job). The copy is
    cheap: the history lists and the weight-history list are copied, their arrays never change.
    """
    s = session
    rbm = rbm if rbm is not None else s.rbm.snapshot()
    config, dataset, epochs = s.config, s.dataset_name, s.epochs_done
    history = {k: list(v) for k, v in s.history.items()}
    weight_history, units = list(s.weight_history), s.history_units
    options = s.data_options.to_dict()

    def build():
        wh = np.stack(weight_history) if weight_history else None
        return to_saved(rbm, config, history, dataset, epochs, wh,
                        extra_meta={"data_options": options}, units=units)
    return build


def read_saved(saved, config: TrainingConfig) -> dict:
    """What a saved model sets in a session: rbm, config (``config`` with the file's settings),
    dataset_name, epochs_done, history, history_units, weight_history."""
    meta = saved.meta or {}
    rbm = from_saved(saved)
    hp = meta.get("hyperparameters") or {}
    try:
        cfg = config.replace(**{k: v for k, v in TrainingConfig.from_dict(hp).to_dict().items()
                                if k in hp and k != "extra"})
        cfg = cfg.replace(n_hidden=rbm.n_hidden, labels=bool(rbm.n_labels)).validate()
    except (TypeError, ValueError):
        cfg = config.replace(n_hidden=rbm.n_hidden, labels=bool(rbm.n_labels))
    epochs_done = int(meta.get("epochs_done", 0) or 0)
    wh = saved.arrays.get("weight_history")
    units = saved.arrays.get("history_units")
    if wh is not None and wh.ndim == 3 and wh.shape[1] == rbm.n_visible:
        weight_history = [np.asarray(x, dtype=np.float32) for x in wh]
        units = np.asarray(units, dtype=np.int64) if units is not None else np.arange(wh.shape[2])
    else:      # no stored film strip: it starts at the loaded state
        units = np.arange(min(rbm.n_hidden, HISTORY_MAX_UNITS))
        weight_history = [] if epochs_done else [np.array(rbm.W[:, units], dtype=np.float32)]
    return {"rbm": rbm, "config": cfg, "dataset_name": str(meta.get("dataset", "")), "epochs_done": epochs_done,
            "history": {k: [float(x) for x in v] for k, v in (meta.get("history") or {}).items()},
            "history_units": units, "weight_history": weight_history}

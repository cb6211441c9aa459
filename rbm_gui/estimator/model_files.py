"""The estimator <-> the app's model file (``rbm_gui.io.model_file.SavedModel``)."""

from __future__ import annotations

import numpy as np

from rbm_gui.io.model_file import SavedModel, default_image_shape, load_model

#: estimator parameter <- the model file's hyperparameter (``TrainingConfig`` names)
FROM_CONFIG = {"n_components": "n_hidden", "learning_rate": "learning_rate", "batch_size": "batch_size",
               "n_iter": "epochs", "random_state": "seed", "cd_k": "cd_k", "pcd": "pcd",
               "momentum": "momentum", "weight_decay": "weight_decay", "centering": "centering",
               "lr_schedule": "lr_schedule", "lr_decay": "lr_decay", "sparsity_target": "sparsity_target",
               "sparsity_cost": "sparsity_cost", "offset_rate": "offset_rate"}


def to_saved_model(est, image_shape=None) -> SavedModel:
    W = est.components_.T
    shape = tuple(image_shape) if image_shape is not None else default_image_shape(W.shape[0])
    params = est.get_params()
    hyper = {cfg: params[p] for p, cfg in FROM_CONFIG.items()
             if isinstance(params[p], (bool, int, float, str, np.integer, np.floating))}
    hyper["initial_momentum"] = hyper.get("momentum")
    hyper = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in hyper.items()}
    meta = {"image_shape": list(shape), "hyperparameters": hyper, "dataset": "scikit-learn",
            "epochs_done": int(hyper.get("epochs", 0) or 0), "history": {}}
    return SavedModel(W, est.intercept_visible_, est.intercept_hidden_, meta)


def from_saved_model(cls, model, params: dict):
    saved = model if isinstance(model, SavedModel) else load_model(model)
    hyper = saved.meta.get("hyperparameters") or {}
    kw = {p: hyper[cfg] for p, cfg in FROM_CONFIG.items() if cfg in hyper}
    kw["n_components"] = saved.n_hidden
    kw.update(params)
    est = cls(**{k: v for k, v in kw.items() if k in cls().get_params()})
    est.components_ = np.array(saved.W.T, np.float32, order="C")
    est.intercept_visible_ = np.array(saved.b, np.float32)
    est.intercept_hidden_ = np.array(saved.c, np.float32)
    est.n_features_in_ = saved.n_visible
    est._n_features_out = saved.n_hidden
    return est

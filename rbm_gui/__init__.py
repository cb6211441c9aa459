"""rbm-gui: train a Restricted Boltzmann Machine on handwritten digits and watch it learn."""

__version__ = "0.1.0"

__all__ = ["BernoulliRBM", "__version__"]


def __getattr__(name):
    # loaded on first use, so that `import rbm_gui` stays light (no scikit-learn, no Qt)
    if name == "BernoulliRBM":
        from rbm_gui.estimator import BernoulliRBM
        return BernoulliRBM
    raise AttributeError(f"module 'rbm_gui' has no attribute {name!r}")

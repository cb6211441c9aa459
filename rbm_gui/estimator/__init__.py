"""A scikit-learn estimator on the engine: ``from rbm_gui import BernoulliRBM``.

scikit-learn is optional for the app: without it, importing this gives a one-line hint.
"""

try:
    import sklearn  # noqa: F401
except ImportError:
    raise ImportError('rbm_gui.BernoulliRBM needs scikit-learn: pip install "rbm-gui[sklearn]"') from None

from rbm_gui.estimator.sklearn_rbm import BernoulliRBM  # noqa: E402

__all__ = ["BernoulliRBM"]

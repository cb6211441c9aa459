"""``import rbm_gui`` stays light; the estimator needs scikit-learn (a one-line hint without it) and no Qt."""

import subprocess
import sys

import pytest

QT = ("PySide6", "shiboken6", "pyqtgraph")


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_import_rbm_gui_loads_neither_scikit_learn_nor_qt():
    res = run("import sys, rbm_gui\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'PySide6', 'pyqtgraph'}))")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_the_estimator_trains_without_loading_qt():
    pytest.importorskip("sklearn")
    res = run("import sys, numpy as np\nfrom rbm_gui import BernoulliRBM\n"
              "BernoulliRBM(n_components=4, n_iter=1).fit(np.random.default_rng(0).random((20, 9)))\n"
              f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(QT)!r}))")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


BLOCK_SKLEARN = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError("No module named 'sklearn'")
sys.meta_path.insert(0, Block())
"""


def test_without_scikit_learn_the_import_says_how_to_get_it():
    res = run(BLOCK_SKLEARN + "import rbm_gui\ntry:\n    rbm_gui.BernoulliRBM\n"
              "except ImportError as e:\n    print(e)\nelse:\n    print('imported')")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == 'rbm_gui.BernoulliRBM needs scikit-learn: pip install "rbm-gui[sklearn]"'
    res = run(BLOCK_SKLEARN + "from rbm_gui import BernoulliRBM")
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1] == (
        'ImportError: rbm_gui.BernoulliRBM needs scikit-learn: pip install "rbm-gui[sklearn]"')

"""Window tests run offscreen with a private settings file per test and small data subsets."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # before any QApplication exists

import pytest  # noqa: E402

from rbm_gui.config import TrainingConfig  # noqa: E402
from rbm_gui.app.data import DataOptions  # noqa: E402

#: small enough that an epoch takes a few milliseconds
SMALL_DATA = DataOptions(max_train=300, n_val=100)
_DEFAULT = object()


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    """Autosave checkpoints and downloads go to the test's own folders, never the user's."""
    monkeypatch.setenv("RBM_GUI_DATA_DIR", str(tmp_path / "data-dir"))
    monkeypatch.setenv("RBM_GUI_CACHE_DIR", str(tmp_path / "cache-dir"))
    monkeypatch.setenv("RBM_GUI_NO_FIRST_RUN", "1")


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings
    return QSettings(str(tmp_path / "rbm-gui-test.ini"), QSettings.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    """Build real main windows whose questions are answered without dialogs; joined at teardown."""
    from rbm_gui.ui.main_window import MainWindow
    made = []

    def make(config=_DEFAULT, data=SMALL_DATA, settings_=None, **kw):
        """``config=None`` / ``data=None``: take them from the (test) settings, as the app does.

        Metrics are measured at every epoch here (``metrics_budget=None``) unless a test asks for
        the window's default budget: with these tiny data sets the budget would skip most epochs.
        """
        kw.setdefault("metrics_budget", None)
        cfg = TrainingConfig(n_hidden=10, epochs=3, batch_size=20) if config is _DEFAULT else config
        w = MainWindow(settings=settings_ if settings_ is not None else settings, config=cfg,
                       data_options=data, **kw)
        w.confirm = lambda title, text: True
        w.ask_save = lambda text: "discard"
        w.choose_open_path = lambda *a: None
        w.choose_save_path = lambda *a: None
        qtbot.addWidget(w)
        w.resize(1100, 750)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.shutdown()
        assert not w.running


def wait_finished(qtbot, window, timeout=20_000):
    """Training ended and its metrics (measured off the training thread) have arrived."""
    qtbot.waitUntil(lambda: not window.running and not window.training.metrics_busy, timeout=timeout)

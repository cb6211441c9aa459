"""The Data menu: download full MNIST, the data sets list, the first-run offer, switching the data set.

``DataMenu(window)`` adds the menu (the window keeps it as ``window.data_menu``); the dialogs are in
``ui/dialogs/download.py`` and ``ui/dialogs/data_sets.py``.
Tests point ``window.data_menu.mirrors`` / ``.files`` / ``.dest`` at a local server.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction

from rbm_gui.ui.dialogs.data_sets import DataSetsDialog
from rbm_gui.ui.dialogs.download import (FIRST_RUN_KEY, FULL_NAME, KNOWN_SIZES, NO_FIRST_RUN_ENV,  # noqa: F401
                                         DownloadDialog, human_bytes, plain_reason)

__all__ = ["KNOWN_SIZES", "DataMenu", "DataSetsDialog", "DownloadDialog",
           "FIRST_RUN_KEY", "offer_first_run_download", "plain_reason"]


def _full_mnist_present() -> bool:
    from rbm_gui.data import known_sources
    try:
        return any(s.spec == "mnist" for s in known_sources())
    except Exception:
        return False


# ====================================================================== the menu
class DataMenu(QObject):
    """The Data menu's actions; ``mirrors``/``files``/``dest``/``timeout`` configure downloads."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.mirrors = None
        self.files = None
        self.dest = None
        self.timeout = 30.0
        self.dialog: DownloadDialog | None = None
        self.sets_dialog: DataSetsDialog | None = None
        self.act_download = QAction("Download full MNIST...", window)
        self.act_download.setStatusTip("Download the 60,000-digit MNIST set (about 11.6 MB) with a progress bar.")
        self.act_download.triggered.connect(lambda checked=False: self.download())
        self.act_sets = QAction("Data sets...", window)
        self.act_sets.setStatusTip("The bundled and downloaded data sets, their size and origin; clear the cache.")
        self.act_sets.triggered.connect(lambda checked=False: self.show_data_sets())
        self.act_open = QAction("Open IDX file...", window)
        self.act_open.setStatusTip("Train on digits from an IDX images file.")
        self.act_open.triggered.connect(lambda checked=False: window.open_data_file())
        menu = window.menuBar().addMenu("&Data")
        for a in (self.act_download, self.act_sets, self.act_open):
            menu.addAction(a)
        self.menu = menu

    def download(self, start: bool = False) -> DownloadDialog:
        """Open the download dialog (not blocking); ``start=True`` skips the question."""
        if self.dialog is not None and self.dialog.running:
            self.dialog.raise_()
            return self.dialog
        self.dialog = DownloadDialog(self.window, self.dest, self.mirrors, self.files, self.timeout)
        self.dialog.setWindowModality(Qt.WindowModal)
        self.dialog.done.connect(self._after_download)
        self.dialog.show()
        if start:
            self.dialog.start()
        return self.dialog

    @Slot(str, str)
    def _after_download(self, status: str, _message: str) -> None:
        if self.sets_dialog is not None and self.sets_dialog.isVisible():
            self.sets_dialog.refresh()

    def show_data_sets(self) -> DataSetsDialog:
        if self.sets_dialog is None:
            self.sets_dialog = DataSetsDialog(self.window)
        self.sets_dialog.refresh()
        self.sets_dialog.show()
        self.sets_dialog.raise_()
        return self.sets_dialog

    # ------------------------------------------------------------------ the data set in use
    def select_source(self, spec: str, name: str) -> bool:
        """Make ``spec`` the window's data set, listed as ``name`` in the settings panel's box.

        The session asks before it replaces a trained model; False when refused or it failed.
        """
        w = self.window
        w.panel.add_source(spec, name)
        s = w.session
        if s.data_options.source != spec:
            s.change_setting("data.source", spec, w.approve_replace)
        return s.data_options.source == spec and s.data is not None

    def remove_source(self, spec: str) -> None:
        """Unlist ``spec`` (e.g. the downloaded set after the cache was cleared; never the set in use)."""
        self.window.panel.remove_source(spec)

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.stop_and_join()


def offer_first_run_download(window) -> bool:
    """Once per user (QSettings flag): offer to download full MNIST; True if the download started.

    Skipped when ``$RBM_GUI_NO_FIRST_RUN`` is set or full MNIST is already there. The question
    goes through ``window.confirm``.
    """
    if os.environ.get(NO_FIRST_RUN_ENV):
        return False
    s = window.settings
    if str(s.value(FIRST_RUN_KEY, "false")) == "true":
        return False
    s.setValue(FIRST_RUN_KEY, "true")
    s.sync()
    if _full_mnist_present():
        return False
    if not window.confirm("Welcome to rbm-gui",
                          "rbm-gui comes with a 5,000-digit sample of MNIST, enough to watch an RBM learn.\n\n"
                          "Download the full set (60,000 digits, about 11.6 MB) now? You can do it later "
                          "from Data > Download full MNIST..."):
        return False
    window.data_menu.download(start=True)
    return True

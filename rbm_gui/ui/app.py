"""Start the window: ``rbm-gui`` with no subcommand calls ``run_app``."""

from __future__ import annotations

import os
import sys
import time


def make_app(argv: list[str] | None = None):
    """The QApplication (created once)."""
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        app = QApplication(["rbm-gui", *(argv or [])])
        app.setApplicationName("rbm-gui")
        app.setOrganizationName("rbm-gui")
        app.setStyle("Fusion")
    return app


def run_app(argv: list[str] | None = None) -> int:
    """Open the main window on the bundled MNIST sample and run the event loop; returns the exit code."""
    app = make_app(argv)
    from rbm_gui.ui.main_window import MainWindow
    window = MainWindow()
    app.setWindowIcon(window.windowIcon())
    window.show()
    if os.environ.get("RBM_GUI_EXIT_WHEN_SHOWN"):
        # startup measurement (benchmarks/gui_overhead.py): report when the first events ran, then quit
        from PySide6.QtCore import QTimer
        def _shown():
            print(f"rbm-gui-shown {time.time():.6f}", flush=True)
            window.close()
            app.quit()
        QTimer.singleShot(0, _shown)
    else:
        from PySide6.QtCore import QTimer
        QTimer.singleShot(0, lambda: launch_offers(window))
    code = app.exec()
    window.shutdown()       # the worker thread is joined before the interpreter exits
    return int(code)


def launch_offers(window) -> None:
    """After the window is shown: offer an autosaved model left by a crash, else (once) full MNIST.

    A damaged autosave is never offered: the store removes it and the window says so once.
    """
    from rbm_gui.ui.autosave import offer_restore, report_damaged
    from rbm_gui.ui.data_menu import offer_first_run_download
    if window.autosave.store.pending_restore() is not None:
        offer_restore(window)
    else:
        report_damaged(window)
        offer_first_run_download(window)


if __name__ == "__main__":
    sys.exit(run_app(sys.argv[1:]))

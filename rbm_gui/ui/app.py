"""Start the window: ``rbm-gui`` with no subcommand calls ``run_app``."""

from __future__ import annotations

import sys


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
    window.show()
    code = app.exec()
    window.shutdown()       # the worker thread is joined before the interpreter exits
    return int(code)


if __name__ == "__main__":
    sys.exit(run_app(sys.argv[1:]))

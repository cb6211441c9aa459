"""The Help menu: primer, keyboard shortcuts, About (versions and MNIST's attribution); the window icon."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import numpy
import PySide6
import pyqtgraph
from PySide6 import QtCore

from rbm_gui import __version__

SHOTS = Path(os.environ["RBM_GUI_SHOTS"]) if os.environ.get("RBM_GUI_SHOTS") else None


def shot(widget, name):
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / f"{name}.png"))


def test_about_lists_versions_and_the_mnist_attribution(qtbot, make_window):
    w = make_window()
    dlg = w.help_menu.show_about()
    assert dlg.isVisible()
    text = dlg.browser.toPlainText()
    for v in (__version__, platform.python_version(), numpy.__version__, PySide6.__version__,
              QtCore.qVersion(), pyqtgraph.__version__):
        assert v in text
    assert ('Yann LeCun, Corinna Cortes and Christopher J. C. Burges, "The MNIST database of handwritten '
            'digits"') in text
    assert "CC BY-SA 3.0" in text
    shot(dlg, "about")


def test_primer_opens_with_the_math_and_the_views(qtbot, make_window):
    w = make_window()
    w.help_menu.act_primer.trigger()
    dlg = w.help_menu.dialogs["primer"]
    assert dlg.isVisible()
    text = dlg.browser.toPlainText()
    for words in ("Energy", "P(hj=1 | v)", "CD-k", "ΔW", "Weights", "History", "Metrics"):
        assert words in text, words
    assert w.help_menu.act_primer.shortcut().toString() == "F1"
    shot(dlg, "primer")


def test_shortcuts_are_listed_from_the_windows_actions(qtbot, make_window):
    from rbm_gui.ui.help_menu import shortcuts
    w = make_window()
    rows = dict(shortcuts(w))
    assert rows["Train"] == "Ctrl+T" and rows["Save"] == "Ctrl+S" and rows["RBM primer"] == "F1"
    dlg = w.help_menu.show_shortcuts()
    assert dlg.table.rowCount() == len(rows)
    shot(dlg, "shortcuts")


def test_window_has_the_application_icon(qtbot, make_window):
    w = make_window()
    icon = w.windowIcon()
    assert not icon.isNull() and {16, 256} <= {s.width() for s in icon.availableSizes()}
    assert w.menuBar().actions()[-1].text() == "&Help"

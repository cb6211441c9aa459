"""The window's menu bar and tool bar: File, Training, View (other features add their own menus)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from rbm_gui.ui.actions.files import FileActions
from rbm_gui.ui.actions.likelihood import LikelihoodActions
from rbm_gui.ui.actions.training import TrainingActions


def action(parent, slot, text: str, shortcut=None, tip: str = "") -> QAction:
    a = QAction(text, parent)
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    a.setToolTip(tip or text)
    a.setStatusTip(tip or text)
    a.triggered.connect(lambda checked=False: slot())
    return a


def build(window) -> tuple[FileActions, TrainingActions, QAction]:
    """File and Training menus, the tool bar and the View menu of ``window``; and its Quit action."""
    mb = window.menuBar()
    files = FileActions(window.session, window.training, window.settings, window, window.show_status,
                        window.make_action, mb)
    act_quit = window.make_action("Quit", window.close, QKeySequence.Quit, "Close the window (stops training).")
    files.menu.addAction(act_quit)
    tb = window.addToolBar("Training")
    tb.setObjectName("training_toolbar")
    training = TrainingActions(window.session, window.training, files, window.make_action, mb, tb,
                               max_steps=lambda: window.max_steps)
    window.likelihood = LikelihoodActions(window, training.menu)      # Training > Estimate log-likelihood
    window.shutdown_hooks.append(window.likelihood.shutdown)
    mb.addMenu("&View").addAction(window.dock.toggleViewAction())
    tb.addSeparator()
    tb.addAction(files.act_open)
    tb.addAction(files.act_save)
    return files, training, act_quit

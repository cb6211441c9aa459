"""The window's menu bar and tool bar: File, Edit, Training, View (other features add their own menus)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from rbm_gui.ui.actions.files import FileActions
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
    build_edit_menu(window, mb)
    tb = window.addToolBar("Training")
    tb.setObjectName("training_toolbar")
    training = TrainingActions(window.session, window.training, files, window.make_action, mb, tb,
                               max_steps=lambda: window.max_steps)
    mb.addMenu("&View").addAction(window.dock.toggleViewAction())
    tb.addSeparator()
    tb.addAction(files.act_open)
    tb.addAction(files.act_save)
    return files, training, act_quit


def build_edit_menu(window, mb) -> None:
    """Edit: undo / redo of the unit overrides (knock out, force on) — the only edits a model gets
    in the window; the trained parameters are never changed by them."""
    o = window.session.overrides
    window.edit_menu = mb.addMenu("&Edit")
    window.act_undo = window.make_action("Undo", o.undo, QKeySequence.Undo,
                                         "Undo the last knock-out / force-on of hidden units.")
    window.act_redo = window.make_action("Redo", o.redo, QKeySequence.Redo, "Redo what Undo took back.")
    window.act_release_all = window.make_action("All units as trained", o.release_all, None,
                                                "Release every knocked-out or forced-on unit (undoable).")
    window.act_undo.setShortcuts(QKeySequence.Undo)       # every platform binding (Redo: Ctrl+Y and Ctrl+Shift+Z)
    window.act_redo.setShortcuts(QKeySequence.Redo)
    for a in (window.act_undo, window.act_redo, window.act_release_all):
        window.edit_menu.addAction(a)

    def sync(_forced=None):
        window.act_undo.setEnabled(o.can_undo())
        window.act_redo.setEnabled(o.can_redo())
        window.act_release_all.setEnabled(o.active)
    o.connect("forced", sync)
    sync()

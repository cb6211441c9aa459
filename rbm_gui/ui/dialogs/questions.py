"""The questions the window asks (modal dialogs); the window's methods call these, tests replace those."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox


def confirm(parent, title: str, text: str) -> bool:
    return QMessageBox.question(parent, title, text) == QMessageBox.Yes


def ask_save(parent, text: str) -> str:
    """'save', 'discard' or 'cancel'."""
    box = QMessageBox(QMessageBox.Question, "Save the model?", text,
                      QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, parent)
    answer = box.exec()
    return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")


def choose_open_path(parent, settings, title: str, filters: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, str(settings.value("lastDir", "")), filters)
    if path:
        settings.setValue("lastDir", str(Path(path).parent))
    return path or None


def choose_save_path(parent, settings, title: str, filters: str, suggested: str = "",
                     suffix: str = ".npz") -> str | None:
    """A save dialog in the last folder used, proposing ``suggested``; remembers the folder."""
    start = Path(str(settings.value("lastDir", "") or Path.home())) / suggested
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start), filters)
    if path and not Path(path).suffix:
        path += suffix
    if path:
        settings.setValue("lastDir", str(Path(path).parent))
    return path or None

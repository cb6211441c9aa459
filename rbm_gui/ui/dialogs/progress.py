"""The window-modal progress dialog of a background job (export, log-likelihood): it appears after
0.3 s, stays open at 100% until the job's end closes it, and Cancel reaches the job."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog


def job_progress(parent, title: str, label: str, total: int, on_cancel) -> QProgressDialog:
    dialog = QProgressDialog(label, "Cancel", 0, max(1, total), parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)       # the job's end closes it: a last value must not look like "done"
    dialog.setAutoReset(False)
    dialog.setValue(0)
    dialog.canceled.connect(on_cancel)
    return dialog


def close_progress(dialog: QProgressDialog | None, on_cancel) -> None:
    """Close a ``job_progress`` dialog at its job's end (closing must not count as a Cancel)."""
    if dialog is not None:
        dialog.canceled.disconnect(on_cancel)
        dialog.close()
        dialog.deleteLater()

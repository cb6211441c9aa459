"""The banner: the session's message over the top of the views (it never pushes them down).

It floats over its parent (not in a layout), can be dismissed with its x button, and is cleared
when the user does the next thing (every action clears ``session.message`` first). Information
goes by itself after ``INFO_SECONDS`` (it also stays in the status bar); errors stay until read.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

INFO_SECONDS = 8
BANNER_ERROR = "QFrame#banner { background:#5a1a1a; border-radius:3px; } QLabel { color:#ffd7d7; }"
BANNER_INFO = "QFrame#banner { background:#1d3550; border-radius:3px; } QLabel { color:#dbe9ff; }"


class Banner(QFrame):
    def __init__(self, session, parent):
        super().__init__(parent)
        self.session = session
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("\u2715")
        self.close_button.setToolTip("Dismiss this message.")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.close_button, 0, Qt.AlignTop)
        self._info_timer = QTimer(self)
        self._info_timer.setSingleShot(True)
        self._info_timer.timeout.connect(self._info_expired)
        parent.installEventFilter(self)          # follow the parent's size
        session.connect("message", self._show)
        self._show(session.message)

    def text(self) -> str:
        return self.label.text()

    def dismiss(self) -> None:
        self.session.say("")

    def _show(self, message) -> None:
        text, kind = message
        self.label.setText(text)
        self.setStyleSheet(BANNER_ERROR if kind == "error" else BANNER_INFO)
        self.setVisible(bool(text))
        self._place()
        if text and kind != "error":
            self._info_timer.start(int(INFO_SECONDS * 1000))
        else:
            self._info_timer.stop()

    def _info_expired(self) -> None:
        if self.session.message[1] != "error":
            self.session.say("")

    def _place(self) -> None:
        p = self.parentWidget()
        width = max(100, p.width() - 16)
        self.setFixedWidth(width)
        self.adjustSize()
        self.move(8, 30)          # below the tab bar, over the view
        self.raise_()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Resize and self.isVisible():
            self._place()
        return False

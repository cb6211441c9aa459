"""The banner: the session's message in the free space right of the tabs.

It sits in the tab bar's corner, so it neither pushes the views down nor covers any of them; a long
message is elided (the whole text is its tooltip, and its first line is also in the status bar).
It can be dismissed with its x button and is cleared when the user does the next thing (every action
clears ``session.message`` first). Information goes by itself after ``INFO_SECONDS``; errors stay
until read.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QTabWidget, QToolButton

INFO_SECONDS = 8
MAX_WIDTH = 460       # px: longer messages are elided (whole text in the tooltip and the status bar)
BANNER_ERROR = "QFrame#banner { background:#5a1a1a; border-radius:3px; } QLabel { color:#ffd7d7; }"
BANNER_INFO = "QFrame#banner { background:#1d3550; border-radius:3px; } QLabel { color:#dbe9ff; }"


class Banner(QFrame):
    def __init__(self, session, tabs: QTabWidget):
        super().__init__(tabs)
        self.session = session
        self.setObjectName("banner")
        self._text = ""
        self.label = QLabel()
        self.label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.close_button = QToolButton()
        self.close_button.setText("\u2715")
        self.close_button.setToolTip("Dismiss this message.")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 0, 2, 0)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.close_button, 0)
        # no taller than the tab bar: showing a message must not move the views
        self.setFixedHeight(max(18, tabs.tabBar().sizeHint().height() - 4))
        self.setMinimumWidth(200)
        tabs.setCornerWidget(self, Qt.TopRightCorner)
        self._info_timer = QTimer(self)
        self._info_timer.setSingleShot(True)
        self._info_timer.timeout.connect(self._info_expired)
        session.connect("message", self._show)
        self._show(session.message)

    def text(self) -> str:
        """The whole message (the label may show it elided)."""
        return self._text

    def dismiss(self) -> None:
        self.session.say("")

    def _show(self, message) -> None:
        text, kind = message
        self._text = text
        self.setToolTip(text)
        self.setStyleSheet(BANNER_ERROR if kind == "error" else BANNER_INFO)
        self.updateGeometry()
        self._elide()
        self.setVisible(bool(text))
        if text and kind != "error":
            self._info_timer.start(int(INFO_SECONDS * 1000))
        else:
            self._info_timer.stop()

    def _elide(self) -> None:
        line = " ".join(self._text.split())
        width = max(20, self.label.width() - 4)
        self.label.setText(QFontMetrics(self.label.font()).elidedText(line, Qt.ElideRight, width))

    def sizeHint(self) -> QSize:
        """QTabWidget gives its corner the width of this hint (not the minimum width): the label's
        hint is tiny (it elides), so without this the banner overflowed the window's right edge."""
        line = " ".join(self._text.split())
        wanted = QFontMetrics(self.label.font()).horizontalAdvance(line) + 48
        return QSize(max(self.minimumWidth(), min(wanted, MAX_WIDTH)), super().sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _info_expired(self) -> None:
        if self.session.message[1] != "error":
            self.session.say("")

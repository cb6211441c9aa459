"""What the window keeps between launches (QSettings): settings, data options, geometry, tab, view options."""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, Qt


def stored(settings, key: str, parse, default):
    """``parse(json)`` of a stored value, or ``default`` when absent or unreadable."""
    raw = settings.value(key)
    if not raw:
        return default
    try:
        return parse(json.loads(raw))
    except (TypeError, ValueError, KeyError):
        return default


def restore(window) -> None:
    s = window.settings
    geo = s.value("geometry")
    if isinstance(geo, QByteArray):
        window.restoreGeometry(geo)
    else:
        window.resize(1280, 820)
    state = s.value("windowState")
    if isinstance(state, QByteArray):
        window.restoreState(state)
    else:
        window.resizeDocks([window.dock], [390], Qt.Horizontal)
    tab = s.value("tab")
    if tab in window.views:
        window.tabs.setCurrentWidget(window.views[tab])
    # the views' own options (weights/*, history/*) are kept by their states (ui.views.binding.persist)


def save(window) -> None:
    s = window.settings
    s.setValue("config", json.dumps(window.session.config.to_dict()))
    s.setValue("data", json.dumps(window.session.data_options.to_dict()))
    s.setValue("geometry", window.saveGeometry())
    s.setValue("windowState", window.saveState())
    s.setValue("tab", window.current_tab())
    s.sync()

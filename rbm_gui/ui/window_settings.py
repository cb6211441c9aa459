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
    try:
        window.weights_view.threshold_spin.setValue(float(s.value("weights/threshold", 0.5)))
    except (TypeError, ValueError):
        pass
    window.weights_view.per_tile.setChecked(str(s.value("weights/per_tile", "false")) == "true")


def save(window) -> None:
    s = window.settings
    s.setValue("config", json.dumps(window.session.config.to_dict()))
    s.setValue("data", json.dumps(window.session.data_options.to_dict()))
    s.setValue("geometry", window.saveGeometry())
    s.setValue("windowState", window.saveState())
    s.setValue("tab", window.current_tab())
    s.setValue("weights/threshold", window.weights_view.threshold)
    s.setValue("weights/per_tile", "true" if window.weights_view.per_tile.isChecked() else "false")
    s.sync()

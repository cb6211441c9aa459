"""Bind widgets to state properties, both ways (glue's autoconnect, in a few lines), and keep view
options in the window's QSettings.

A bound widget sets its property when the user edits it and shows the property when anything else
sets it; no value is copied around elsewhere.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QComboBox, QDoubleSpinBox, QSpinBox

from rbm_gui.app.observable import ANY, State
from rbm_gui.app.view_state import restore_values


def bind(state: State, name: str, widget) -> None:
    """Keep ``widget`` (spin box, check box / checkable button, combo box with item data) and
    ``state.<name>`` equal."""
    if isinstance(widget, QComboBox):
        def show(value):
            i = widget.findData(value)
            if i >= 0 and i != widget.currentIndex():
                widget.setCurrentIndex(i)
        widget.currentIndexChanged.connect(lambda _i: setattr(state, name, widget.currentData()))
    elif isinstance(widget, QAbstractButton):
        def show(value):
            widget.setChecked(bool(value))
        widget.toggled.connect(lambda checked: setattr(state, name, bool(checked)))
    elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        cast = float if isinstance(widget, QDoubleSpinBox) else int

        def show(value):
            if value is not None and widget.value() != value:
                widget.setValue(cast(value))
        widget.valueChanged.connect(lambda v: setattr(state, name, cast(v)))
    else:
        raise TypeError(f"cannot bind a {type(widget).__name__}")
    show(getattr(state, name))
    state.connect(name, show)


def persist(state: State, settings, prefix: str, names, limits: dict | None = None) -> None:
    """Restore ``names`` of ``state`` from ``settings`` (bad values ignored) and store every change."""
    if settings is None:
        return
    names = tuple(names)
    restore_values(state, {n: settings.value(f"{prefix}/{n}") for n in names}, limits)

    def store(name, value):
        if name in names:
            settings.setValue(f"{prefix}/{name}", ("true" if value else "false") if isinstance(value, bool) else value)
    state.connect(ANY, store)

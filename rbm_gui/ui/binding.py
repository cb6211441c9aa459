"""Bind a widget to a value of a Qt-free state, both ways (glue's autoconnect, in a few lines),
and keep view options in the window's QSettings (``bind``, ``persist``).

``Binding(widget, read, on_edit)``: the widget shows ``read()`` whenever ``refresh()`` runs, and a
user edit calls ``on_edit(value)``; writes from the state never echo back as edits.
``bind(state, name, widget)`` is that Binding on a ``State`` property, refreshed when it changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QComboBox, QDoubleSpinBox, QSpinBox, QWidget

from rbm_gui.app.observable import ANY, State
from rbm_gui.app.view_state import restore_values

INT_MAX = 2**31 - 1


def widget_value(w: QWidget):
    if isinstance(w, QAbstractButton):
        return w.isChecked()
    if isinstance(w, QComboBox):
        data = w.currentData()
        return data if data is not None else w.currentText()
    return w.value()


def set_widget_value(w: QWidget, value) -> None:
    """Show ``value`` without emitting the widget's change signal."""
    blocked = w.blockSignals(True)
    try:
        if isinstance(w, QAbstractButton):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            i = w.findData(value)
            w.setCurrentIndex(i if i >= 0 else max(0, w.findText(str(value))))
        elif isinstance(w, QSpinBox):
            w.setValue(int(min(value, INT_MAX)))
        elif isinstance(w, QDoubleSpinBox):
            w.setValue(float(value))
    finally:
        w.blockSignals(blocked)


def edited_signal(w: QWidget):
    if isinstance(w, QAbstractButton):
        return w.toggled
    if isinstance(w, QComboBox):
        return w.currentIndexChanged
    if isinstance(w, (QSpinBox, QDoubleSpinBox)):
        return w.valueChanged
    raise TypeError(f"cannot bind a {type(w).__name__}")


class Binding:
    """One widget <-> one value of a state (see module doc)."""

    def __init__(self, widget: QWidget, read, on_edit):
        self.widget, self.read, self.on_edit = widget, read, on_edit
        edited_signal(widget).connect(lambda *_: self.on_edit(widget_value(widget)))
        self.refresh()

    def refresh(self) -> None:
        value = self.read()
        if value is not None and widget_value(self.widget) != value:
            set_widget_value(self.widget, value)


def bind(state: State, name: str, widget) -> None:
    """Keep ``widget`` (spin box, check box / checkable button, combo box with item data) and
    ``state.<name>`` equal (the panel's ``ui.binding.Binding`` on a state property)."""
    binding = Binding(widget, lambda: getattr(state, name), lambda value: setattr(state, name, value))
    state.connect(name, lambda _value: binding.refresh())


def persist(state: State, settings, prefix: str, names, limits: dict | None = None, skip=None) -> None:
    """Restore ``names`` of ``state`` from ``settings`` (bad values ignored) and store every change
    (but those made while ``skip()`` is true: changes the state made by itself)."""
    if settings is None:
        return
    names = tuple(names)
    restore_values(state, {n: settings.value(f"{prefix}/{n}") for n in names}, limits)

    def store(name, value):
        if name in names and not (skip is not None and skip()):
            settings.setValue(f"{prefix}/{name}", ("true" if value else "false") if isinstance(value, bool) else value)
    state.connect(ANY, store)

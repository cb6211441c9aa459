"""Bind widgets to state properties, both ways (glue's autoconnect, in a few lines), and keep view
options in the window's QSettings.

A bound widget sets its property when the user edits it and shows the property when anything else
sets it; no value is copied around elsewhere.
"""

from __future__ import annotations

from rbm_gui.app.observable import ANY, State
from rbm_gui.app.view_state import restore_values
from rbm_gui.ui.binding import Binding


def bind(state: State, name: str, widget) -> None:
    """Keep ``widget`` (spin box, check box / checkable button, combo box with item data) and
    ``state.<name>`` equal (the panel's ``ui.binding.Binding`` on a state property)."""
    binding = Binding(widget, lambda: getattr(state, name), lambda value: setattr(state, name, value))
    state.connect(name, lambda _value: binding.refresh())


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

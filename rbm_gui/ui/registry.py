"""The window's views (tabs), by name: built in here, and registered by later features (Qt-free).

A feature adds a tab with ``register_view("dream", "Dream", "rbm_gui.ui.views.dream_view:DreamView")``;
the factory is imported only when a window is built and is called as ``factory(window)``. It can
follow the window's ``modelChanged(rbm)`` and ``frameShown(rbm)`` signals. ``rbm-gui screenshot
--tab NAME`` accepts every registered name.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ViewSpec:
    name: str               # used by --tab and saved in the settings
    title: str              # tab text
    factory: str            # "module:callable" building the widget
    order: int = 100


_VIEWS: dict[str, ViewSpec] = {}

#: Modules imported when a window is built, so that they can register their views.
PLUGIN_MODULES: list[str] = ["rbm_gui.ui.views.dream_view", "rbm_gui.ui.views.reconstruct_view"]


def register_view(name: str, title: str, factory: str, order: int = 100) -> None:
    _VIEWS[name] = ViewSpec(name, title, factory, order)


def views() -> list[ViewSpec]:
    for mod in list(PLUGIN_MODULES):
        importlib.import_module(mod)
    return sorted(_VIEWS.values(), key=lambda v: (v.order, v.name))


def view_names() -> list[str]:
    return [v.name for v in views()]


def build(spec: ViewSpec, session, states, window):
    module, _, attr = spec.factory.partition(":")
    return getattr(importlib.import_module(module), attr)(session, states, window)


register_view("weights", "Weights", "rbm_gui.ui.views.weights_view:make", 10)
register_view("history", "History", "rbm_gui.ui.views.history_view:make", 20)
register_view("metrics", "Metrics", "rbm_gui.ui.views.metrics_view:make", 30)

"""Plain state objects whose attributes notify subscribers when they change (glue's callback
properties, in a few lines): the one mechanism by which Qt-free state reaches the views.

    class WeightsState(State):
        per_tile = Prop(False, "scale each tile to its own largest weight")

    state.connect("per_tile", view.redraw)      # called with the new value
    state.per_tile = True                        # -> view.redraw(True)

Callbacks run synchronously in the thread that sets the value; the Qt layer only sets state on
the GUI thread, so widgets are only touched there.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable

import numpy as np

_MISSING = object()
ANY = "*"


def _same(old: Any, new: Any) -> bool:
    """True when setting ``new`` over ``old`` is no change (arrays compare by identity)."""
    if old is new:
        return True
    if isinstance(old, np.ndarray) or isinstance(new, np.ndarray) or type(old) is not type(new):
        return False
    try:
        return bool(old == new)
    except Exception:    # objects whose == raises or is ambiguous: treat as changed
        return False


class Prop:
    """A declared attribute of a :class:`State`; setting a different value notifies subscribers."""

    def __init__(self, default: Any = None, doc: str = "", *, factory: Callable[[], Any] | None = None):
        self.default, self.factory = default, factory
        self.__doc__ = doc
        self.name = ""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def initial(self) -> Any:
        return self.factory() if self.factory is not None else self.default

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        try:
            return obj.__dict__[self.name]
        except KeyError:
            value = obj.__dict__[self.name] = self.initial()
            return value

    def __set__(self, obj, value) -> None:
        old = obj.__dict__.get(self.name, _MISSING)
        if old is not _MISSING and _same(old, value):
            return
        obj.__dict__[self.name] = value
        obj._notify(self.name, value)


class Event:
    """A plain signal for happenings that are not attribute values (e.g. "a frame arrived")."""

    def __init__(self) -> None:
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> Callable[[], None]:
        self._callbacks.append(callback)
        return lambda: self.disconnect(callback)

    def disconnect(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for cb in list(self._callbacks):
            cb(*args)


class State:
    """Base of every application and view state: declared :class:`Prop` attributes, callbacks."""

    def __init__(self, **values: Any) -> None:
        self._callbacks: dict[str, list[Callable]] = {}
        self._deferred: dict[str, Any] | None = None
        for name, value in values.items():
            if name not in self.prop_names():
                raise TypeError(f"{type(self).__name__} has no property {name!r}")
            setattr(self, name, value)

    @classmethod
    def prop_names(cls) -> list[str]:
        return [n for klass in reversed(cls.__mro__) for n, v in vars(klass).items() if isinstance(v, Prop)]

    def connect(self, name: str, callback: Callable) -> Callable[[], None]:
        """Call ``callback(value)`` when ``name`` changes (``ANY``: ``callback(name, value)``).

        Returns a function that disconnects it.
        """
        if name != ANY and name not in self.prop_names():
            raise AttributeError(f"{type(self).__name__} has no property {name!r}")
        self._callbacks.setdefault(name, []).append(callback)
        return lambda: self.disconnect(name, callback)

    def disconnect(self, name: str, callback: Callable) -> None:
        cbs = self._callbacks.get(name, [])
        if callback in cbs:
            cbs.remove(callback)

    def _notify(self, name: str, value: Any) -> None:
        if self._deferred is not None:
            self._deferred[name] = value
            return
        for cb in list(self._callbacks.get(name, ())):
            cb(value)
        for cb in list(self._callbacks.get(ANY, ())):
            cb(name, value)

    @contextmanager
    def batch(self):
        """Change several properties; subscribers hear each changed one once, at the end."""
        if self._deferred is not None:     # nested: the outer batch notifies
            yield
            return
        self._deferred = {}
        try:
            yield
        finally:
            pending, self._deferred = self._deferred, None
            for name in pending:
                self._notify(name, getattr(self, name))

    def update(self, **values: Any) -> None:
        """Set several properties at once (one notification each, after all are set)."""
        unknown = set(values) - set(self.prop_names())
        if unknown:
            raise AttributeError(f"{type(self).__name__} has no properties {sorted(unknown)}")
        with self.batch():
            for name, value in values.items():
                setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in self.prop_names()}

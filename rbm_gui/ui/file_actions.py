"""The File menu's work for the main window: save, save as, open, import legacy, recent files.

A mixin of ``MainWindow``: it uses the window's ``session``, ``controller``, ``settings``,
``recent_menu`` and its question methods (``ask_save``, ``choose_*_path``, ``show_message``),
which tests replace on the instance.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MAX_RECENT = 8
MODEL_FILTER = "rbm-gui models (*.npz);;All files (*)"
LEGACY_FILTER = "Legacy RBM pickles (*.pkl);;All files (*)"


class FileActions:
    def _offer_save(self, why: str) -> bool:
        """Ask to save a model with unsaved training; False when the user cancels."""
        s = self.session
        if not (s.has_model and s.dirty):
            return True
        with self.controller.paused():
            answer = self.ask_save(f"{why}\nThe model has unsaved training ({s.epochs_done} epochs). Save it?")
            if answer == "cancel":
                return False
            if answer == "save":
                return self.save_model()
        return True

    def save_model(self, path: str | None = None) -> bool:
        s = self.session
        if not s.has_model:
            return False
        path = path or s.path
        if not path:
            return self.save_model_as()
        from rbm_gui.io.model_file import ModelFileError, save_model
        with self.controller.paused():
            try:
                saved = s.to_saved_model()
                save_model(path, saved)
            except (ModelFileError, OSError, ValueError) as exc:
                self.show_message(f"Could not save: {exc}", error=True)
                return False
        s.path, s.dirty = str(path), False
        self._add_recent(str(path))
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 8000)
        return True

    def save_model_as(self, path: str | None = None) -> bool:
        path = path or self.choose_save_path("Save model", MODEL_FILTER)
        if not path:
            return False
        return self.save_model(path)

    def open_model(self, path: str | None = None) -> bool:
        from rbm_gui.io.model_file import load_model
        path = path or self.choose_open_path("Open model", MODEL_FILTER)
        saved = self._read_model(path, load_model, "Could not open the model")
        return saved is not None and self._show_saved(saved, str(path), "")

    def import_legacy(self, path: str | None = None) -> bool:
        from rbm_gui.io.legacy import import_legacy
        path = path or self.choose_open_path("Import legacy model", LEGACY_FILTER)
        saved = self._read_model(path, import_legacy, "Could not import")
        return saved is not None and self._show_saved(saved, None, f"imported from {Path(path).name}")

    def _read_model(self, path, reader, failure: str):
        """``reader(path)``, or None (with a message) when there is no path or the file is bad."""
        if not path:
            return None
        try:
            return reader(path)
        except (OSError, ValueError) as exc:        # ModelFileError and LegacyModelError are ValueErrors
            self.show_message(f"{failure}: {exc}", error=True)
            return None

    def _show_saved(self, saved, path: str | None, note: str) -> bool:
        if not self._offer_save("Opening another model replaces the current one."):
            return False
        self.stop()
        s = self.session
        s.load_saved(saved, path, note)
        self.panel.set_config(s.config)
        if path:
            self._add_recent(path)
        if not s.trainable:
            self.show_message(f"This model has {s.rbm.n_visible} visible units and the data set "
                              f"{s.data.n_visible if s.data else '?'}: it can be viewed, not trained.")
        else:
            self.show_message(f"Opened {Path(path).name}" if path else f"Model {note}")
        self._model_changed()
        return True

    def _recent(self) -> list[str]:
        raw = self.settings.value("recentFiles")
        try:
            items = json.loads(raw) if raw else []
        except (TypeError, ValueError):
            items = []
        return [p for p in items if isinstance(p, str)]

    def _add_recent(self, path: str) -> None:
        path = os.path.abspath(path)
        items = [path] + [p for p in self._recent() if p != path]
        self.settings.setValue("recentFiles", json.dumps(items[:MAX_RECENT]))
        self.settings.setValue("lastDir", str(Path(path).parent))
        self._update_recent_menu()

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = self._recent()
        for p in items:
            a = self.recent_menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.triggered.connect(lambda checked=False, p=p: self.open_model(p))
        self.recent_menu.setEnabled(bool(items))

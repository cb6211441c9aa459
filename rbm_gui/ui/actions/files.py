"""The File menu: new, open, open recent, save, save as, import legacy, quit.

``FileActions`` gets everything it uses in its constructor: the session, the training control
(to hold the trainer while the model is read), the settings (recent files, last folder), the
``asker`` (an object with ``ask_save``, ``choose_open_path`` and ``choose_save_path``: the window,
whose methods tests replace) and a ``status`` callable for short status-bar notes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtGui import QKeySequence

MAX_RECENT = 8
MODEL_FILTER = "rbm-gui models (*.npz);;All files (*)"
LEGACY_FILTER = "Legacy RBM pickles (*.pkl);;All files (*)"


class FileActions:
    def __init__(self, session, training, settings, asker, status, make_action, menu_bar):
        self.session, self.training, self.settings = session, training, settings
        self.asker, self.status = asker, status
        A = make_action
        self.act_new = A("New", self.new_model, QKeySequence.New, "A new untrained model with the current settings.")
        self.act_open = A("Open model...", lambda: self.open_model(), QKeySequence.Open, "Open a saved model (.npz).")
        self.act_save = A("Save", lambda: self.save_model(), QKeySequence.Save, "Save the model (.npz).")
        self.act_save_as = A("Save as...", lambda: self.save_model_as(), QKeySequence.SaveAs,
                             "Save the model under a new name.")
        self.act_import = A("Import legacy model...", lambda: self.import_legacy(), None,
                            "Import a pickled model of the original blog code (.pkl, read safely).")
        self.menu = menu_bar.addMenu("&File")
        for a in (self.act_new, self.act_open):
            self.menu.addAction(a)
        self.recent_menu = self.menu.addMenu("Open recent")
        self.menu.addSeparator()
        for a in (self.act_save, self.act_save_as, self.act_import):
            self.menu.addAction(a)
        self.menu.addSeparator()
        self.update_recent_menu()

    # ------------------------------------------------------------------ unsaved work
    def offer_save(self, why: str) -> bool:
        """Ask (once) to save a model with unsaved training; False when the user cancels."""
        s = self.session
        if not (s.has_model and s.dirty):
            return True
        with self.training.hold():
            answer = self.asker.ask_save(f"{why}\nThe model has unsaved training ({s.epochs_done} epochs). Save it?")
            if answer == "cancel":
                return False
            if answer == "save":
                return self.save_model()
        return True

    def new_model(self) -> bool:
        """Throw the model away (asks first) and initialise a new one from the settings."""
        s = self.session
        if s.has_model and (s.epochs_done > 0 or s.dirty):
            if not self.offer_save("A new model throws the current one away."):
                return False
        s.say("")
        if s.data is None:
            s.stop_training()
            return False
        return s.reset_model()

    # ------------------------------------------------------------------ save
    def suggested_name(self) -> str:
        s = self.session
        if s.path:
            return Path(s.path).name
        n = s.rbm.n_hidden if s.rbm is not None else s.config.n_hidden
        return f"rbm-{n}h-{s.epochs_done}ep.npz"

    def save_model(self, path: str | None = None) -> bool:
        s = self.session
        if not s.has_model:
            return False
        path = path or s.path
        if not path:
            return self.save_model_as()
        from rbm_gui.io.model_file import ModelFileError, save_model
        with self.training.hold():
            try:
                save_model(path, s.to_saved_model())
            except (ModelFileError, OSError, ValueError) as exc:
                s.say(f"Could not save: {exc}", "error")
                return False
        s.update(path=str(path), dirty=False)
        self.add_recent(str(path))
        self.status(f"Saved {path}")
        return True

    def save_model_as(self, path: str | None = None) -> bool:
        path = path or self.asker.choose_save_path("Save model", MODEL_FILTER, self.suggested_name())
        if not path:
            return False
        return self.save_model(path)

    # ------------------------------------------------------------------ open
    def open_model(self, path: str | None = None) -> bool:
        from rbm_gui.io.model_file import load_model
        path = path or self.asker.choose_open_path("Open model", MODEL_FILTER)
        saved = self._read_model(path, load_model, "Could not open the model")
        return saved is not None and self.show_saved(saved, str(path), "")

    def import_legacy(self, path: str | None = None) -> bool:
        from rbm_gui.io.legacy import import_legacy
        path = path or self.asker.choose_open_path("Import legacy model", LEGACY_FILTER)
        saved = self._read_model(path, import_legacy, "Could not import")
        return saved is not None and self.show_saved(saved, None, f"imported from {Path(path).name}")

    def _read_model(self, path, reader, failure: str):
        """``reader(path)``, or None (with a message) when there is no path or the file is bad."""
        if not path:
            return None
        try:
            return reader(path)
        except (OSError, ValueError) as exc:        # ModelFileError and LegacyModelError are ValueErrors
            self.session.say(f"{failure}: {exc}", "error")
            return None

    def show_saved(self, saved, path: str | None, note: str) -> bool:
        """Show a model read from a file (asks first when unsaved training would be lost)."""
        if not self.offer_save("Opening another model replaces the current one."):
            return False
        s = self.session
        s.load_saved(saved, path, note)
        if path:
            self.add_recent(path)
        if not s.trainable:
            s.say(f"This model has {s.rbm.n_visible} visible units and the data set "
                  f"{s.data.n_visible if s.data else '?'}: it can be viewed, not trained.")
        else:
            s.say(f"Opened {Path(path).name}" if path else f"Model {note}")
        return True

    # ------------------------------------------------------------------ recent files
    def recent(self) -> list[str]:
        raw = self.settings.value("recentFiles")
        try:
            items = json.loads(raw) if raw else []
        except (TypeError, ValueError):
            items = []
        return [p for p in items if isinstance(p, str)]

    def add_recent(self, path: str) -> None:
        path = os.path.abspath(path)
        items = [path] + [p for p in self.recent() if p != path]
        self.settings.setValue("recentFiles", json.dumps(items[:MAX_RECENT]))
        self.settings.setValue("lastDir", str(Path(path).parent))
        self.update_recent_menu()

    def update_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = self.recent()
        for p in items:
            a = self.recent_menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.triggered.connect(lambda checked=False, p=p: self.open_model(p))
        self.recent_menu.setEnabled(bool(items))

"""The main window: the frame around the session — settings dock, view tabs, menus, status bar.

State lives in the Qt-free ``Session`` (``rbm_gui.app.session``); the window builds the parts,
binds them to it and asks the user questions. Training and every other background job run on the
one ``Runner``. Questions go through ``confirm``, ``ask_save`` and the ``choose_*_path`` methods,
which tests replace on the instance (no modal dialog in tests).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from rbm_gui.app.data import DataOptions
from rbm_gui.app.metrics_schedule import DEFAULT_BUDGET
from rbm_gui.app.session import Session
from rbm_gui.app.view_state import ViewStates
from rbm_gui.config import ConfigError, TrainingConfig
from rbm_gui.ui import registry, window_settings
from rbm_gui.ui.actions import menus
from rbm_gui.ui.banner import Banner
from rbm_gui.ui.dialogs import questions
from rbm_gui.ui.runner import Runner
from rbm_gui.ui.settings_panel import SettingsPanel
from rbm_gui.ui.status_bar import StatusBar
from rbm_gui.ui.training import TrainingControl
from rbm_gui.ui.binding import persist


PAUSED_HINT = "Paused: Space or Train resumes."


def default_settings() -> QSettings:
    return QSettings("rbm-gui", "rbm-gui")


class MainWindow(QMainWindow):
    modelChanged = Signal(object)     # a different model is shown (read-only RBM or None)
    frameShown = Signal(object)       # a live snapshot (read-only RBM) was handed to the views
    epochRecorded = Signal(int)
    trainingStateChanged = Signal(str)   # the session's run_state
    dreamStartRequested = Signal(object)  # (n, n_visible) float32 start states for the dream panel
    digitSelected = Signal(object)        # a digit picked in a gallery (viz.gallery.SelectedDigit)

    def __init__(self, settings: QSettings | None = None, config: TrainingConfig | None = None,
                 data_options: DataOptions | None = None, load_data: bool = True,
                 max_fps: float = 15.0, metrics_budget: float | None = DEFAULT_BUDGET):
        super().__init__()
        self.setWindowTitle("rbm-gui")
        self.settings = settings if settings is not None else default_settings()
        self.max_steps: int | None = None          # stop after this many mini-batches (screenshot)
        self.frames_drawn = 0
        self.last_error = ""
        self.shutdown_hooks: list = []             # called by shutdown() (features: stop and join)
        if config is None:
            config = window_settings.stored(self.settings, "config", TrainingConfig.from_dict, TrainingConfig())
            try:
                config.validate()
            except ConfigError:
                config = TrainingConfig()
        if data_options is None:
            data_options = window_settings.stored(self.settings, "data", DataOptions.from_dict, DataOptions())
        self.session = Session(config, data_options)
        self.runner = Runner(self)
        self.runner.errorOccurred.connect(lambda name, msg: self.session.say(f"{name} failed: {msg}", "error"))
        self.training = TrainingControl(self.session, self.runner, max_fps=max_fps,
                                        metrics_budget=metrics_budget, parent=self)
        self.training.epochRecorded.connect(self.epochRecorded)
        self._shut_down = False

        self._build_views()
        self._build_panel()
        self._build_actions()
        self.status = StatusBar(self.statusBar(), self.session, self.training)
        self._bind_session()
        self._restore_ui()
        self._build_features()
        if load_data:
            self.load_data()

    # ================================================================== construction
    def _build_views(self) -> None:
        """The view tabs: each binds to the session and its own view state, and only draws."""
        s = self.session
        self.view_states = ViewStates(s)
        persist(self.view_states.weights, self.settings, "weights", ("threshold", "per_tile"))
        persist(self.view_states.history, self.settings, "history", ("first_unit", "count", "zoom", "per_tile"))
        self.tabs = QTabWidget()
        self.views: dict[str, QWidget] = {}
        for spec in registry.views():
            self.views[spec.name] = registry.build(spec, s, self.view_states, self)
            self.tabs.addTab(self.views[spec.name], spec.title)
        self.weights_view, self.history_view, self.metrics_view = (self.views[n] for n in ("weights", "history", "metrics"))
        s.model_replaced.connect(self.modelChanged.emit)
        s.connect("model", self._on_frame)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.tabs, 1)
        self.banner = Banner(s, self.tabs)
        self.setCentralWidget(central)

    def _build_features(self) -> None:
        """The menus of the features, each a plain object with its dependencies declared here."""
        from rbm_gui.ui.autosave import Autosave, ask_restore
        from rbm_gui.ui.data_menu import DataMenu
        from rbm_gui.ui.actions.export import ExportActions
        from rbm_gui.ui.help_menu import HelpMenu, app_icon
        self.data_menu = DataMenu(self)          # Data menu: download full MNIST, data sets
        self.exports = ExportActions(self)       # Export menu: dream animations, figures
        self.help_menu = HelpMenu(self)          # Help menu
        self.autosave = Autosave(self)           # checkpoint after every epoch
        from rbm_gui.ui.actions.unit_actions import UnitActions
        self.units = UnitActions(self)           # unit inspector, forced units' sign and metrics
        self.ask_restore = lambda text: ask_restore(self, text)     # tests replace it
        self.shutdown_hooks += [self.data_menu.shutdown, self.exports.shutdown, self.autosave.close]
        icon = app_icon()
        if not icon.isNull():
            self.setWindowIcon(icon)

    def _build_panel(self) -> None:
        self.panel = SettingsPanel(self.session, self.approve_replace)
        self.panel.openDataRequested.connect(self.open_data_file)
        self.dock = QDockWidget("Training", self)
        self.dock.setObjectName("training_dock")
        self.dock.setWidget(self.panel)
        self.dock.setMinimumWidth(330)
        self.addDockWidget(Qt.LeftDockWidgetArea, self.dock)

    def make_action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        """An action whose use clears the banner first (the message was about the previous action)."""
        return menus.action(self, lambda: (self.session.say(""), slot()), text, shortcut, tip)

    def _build_actions(self) -> None:
        self.files, self.train_actions, self.act_quit = menus.build(self)
        for name in ("act_new", "act_open", "act_save", "act_save_as", "act_import", "recent_menu"):
            setattr(self, name, getattr(self.files, name))
        for name in ("act_train", "act_pause", "act_stop", "act_more", "act_reset"):
            setattr(self, name, getattr(self.train_actions, name))

    def _bind_session(self) -> None:
        s = self.session
        s.connect("path", lambda _p: self._update_title())
        s.connect("dirty", lambda _d: self._update_title())
        s.connect("run_state", self.trainingStateChanged.emit)
        s.connect("message", self._on_message)
        s.connect("run_state", self._say_run_state)

    def _say_run_state(self, state: str) -> None:
        # the hint belongs to the pause; any older message is stale once training runs again
        if state == "paused":
            self.show_status(PAUSED_HINT)
        elif state == "running" or self.status.message.full_text == PAUSED_HINT:
            self.show_status("", 0)        # what was said before (stopped, an error) is over now

    def _restore_ui(self) -> None:
        window_settings.restore(self)

    def save_settings(self) -> None:
        window_settings.save(self)

    # ================================================================== questions (tests override)
    def confirm(self, title: str, text: str) -> bool:
        return questions.confirm(self, title, text)

    def ask_save(self, text: str) -> str:
        """'save', 'discard' or 'cancel'."""
        return questions.ask_save(self, text)

    def choose_open_path(self, title: str, filters: str) -> str | None:
        return questions.choose_open_path(self, self.settings, title, filters)

    def choose_save_path(self, title: str, filters: str, suggested: str = "") -> str | None:
        return questions.choose_save_path(self, self.settings, title, filters, suggested)

    def approve_replace(self, text: str) -> bool:
        """Asked once before a trained model is replaced: save it, throw it away, or keep it."""
        if self.session.dirty:
            return self.files.offer_save(text)
        return self.confirm("Start a new model?", text + " Go on?")

    def show_message(self, text: str, error: bool = False) -> None:
        """A message over the views (not modal: training and tests never block on it)."""
        self.session.say(text, "error" if error else "info")

    def _on_message(self, message) -> None:
        text, kind = message
        if kind == "error" and text:
            self.last_error = text
        if text:
            self.status.show(text)

    def show_status(self, text: str, timeout_ms: int = 8000) -> None:
        self.status.show(text, timeout_ms)

    # ================================================================== data and model
    def load_data(self) -> bool:
        ok = self.session.load_data_and_model()
        if ok:
            self.show_status(self.session.data.describe())
        return ok

    def _update_title(self) -> None:
        s = self.session
        name = Path(s.path).name if s.path else "untitled"
        self.setWindowTitle(f"{name}{' *' if s.dirty else ''} — rbm-gui")

    def open_data_file(self) -> None:
        path = self.choose_open_path("Open IDX images", "IDX files (*idx* *.gz);;All files (*)")
        if path:
            self.session.change_setting("data.source", path, self.approve_replace)

    # ================================================================== training (the actions' intent)
    @property
    def running(self) -> bool:
        return self.training.running

    @property
    def paused(self) -> bool:
        return self.training.paused

    # the actions' intent, reachable on the window for scripts, features and tests
    train = property(lambda self: self.train_actions.train)
    stop = property(lambda self: self.train_actions.stop)
    add_epoch = property(lambda self: self.train_actions.add_epoch)
    toggle_pause = property(lambda self: self.training.toggle_pause)
    pause = property(lambda self: self.training.pause)
    resume = property(lambda self: self.training.resume)
    reset = new_model = property(lambda self: self.files.new_model)
    open_model = property(lambda self: self.files.open_model)
    save_model = property(lambda self: self.files.save_model)
    save_model_as = property(lambda self: self.files.save_model_as)
    import_legacy = property(lambda self: self.files.import_legacy)
    _show_saved = property(lambda self: self.files.show_saved)

    # ================================================================== frames
    def _on_frame(self, rbm) -> None:
        """A snapshot reached the session: each view draws it now, or when its tab is shown."""
        self.frames_drawn += 1
        self.frameShown.emit(rbm)

    # ================================================================== views
    def current_tab(self) -> str:
        w = self.tabs.currentWidget()
        return next((n for n, v in self.views.items() if v is w), "")

    def show_tab(self, name: str) -> None:
        if name not in self.views:
            raise KeyError(f"no view named {name!r}; views: {', '.join(self.views)}")
        self.tabs.setCurrentWidget(self.views[name])

    def request_dream(self, starts) -> None:
        """Hand start states ((n, n_visible) or (n_visible,) in [0, 1]) to the dream panel."""
        starts = np.array(starts, dtype=np.float32, ndmin=2)
        self.view_states.dream.use_drawn(starts)
        self.dreamStartRequested.emit(starts)
        if "dream" in self.views:
            self.show_tab("dream")

    def select_digit(self, vector, label: int | None = None, source: str = "", key=None) -> None:
        """Make this digit the selected one: the explorer shows it, the weights view probes with it."""
        from rbm_gui.viz.gallery import SelectedDigit
        digit = vector if isinstance(vector, SelectedDigit) else SelectedDigit(
            np.array(vector, dtype=np.float32).reshape(-1), label, source, key)
        self.session.selected_digit = digit
        self.digitSelected.emit(digit)

    # ================================================================== closing
    def shutdown(self) -> None:
        """Stop and join every background job (idempotent)."""
        if self._shut_down:
            return
        self._shut_down = True
        if self.training.running:
            self.session.run_state = "stopping"
            self.show_status("Stopping...")
        self.training.stop()
        self.training.stop_metrics()
        for hook in self.shutdown_hooks:
            hook()
        self.runner.shutdown()

    def closeEvent(self, event) -> None:
        was_running = self.training.running and not self.training.paused
        if was_running:                    # hold the trainer at once: the question comes without delay
            self.training.pause()
        if not self.files.offer_save("The window is closing."):
            if was_running:
                self.training.resume()
            event.ignore()
            return
        self.shutdown()
        self.save_settings()
        event.accept()

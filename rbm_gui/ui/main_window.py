"""The main window: training panel (dock), views (tabs), menus, tool bar, status bar.

It wires the Qt-free ``Session`` (what is shown) to the ``TrainingController`` (the worker
thread) and the views. Questions to the user go through ``confirm``, ``ask_save`` and the
``choose_*_path`` methods, which tests replace on the instance (no modal dialog in tests).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QTabWidget, QVBoxLayout, QWidget)

from rbm_gui.app.session import Session as ViewSession
from rbm_gui.app.view_state import ViewStates
from rbm_gui.config import ConfigError, TrainingConfig
from rbm_gui.ui import registry
from rbm_gui.ui.file_actions import FileActions
from rbm_gui.ui.settings_panel import ARCHITECTURE, LIVE, SettingsPanel
from rbm_gui.ui.state import DataOptions, Session, format_duration, time_left
from rbm_gui.ui.views.binding import persist
from rbm_gui.ui.worker import EpochResult, Frame, TrainingController, TrainingWorker

BANNER_ERROR = "background:#5a1a1a; color:#ffd7d7; padding:6px; border-radius:3px;"
BANNER_INFO = "background:#1d3550; color:#dbe9ff; padding:6px; border-radius:3px;"


def default_settings() -> QSettings:
    return QSettings("rbm-gui", "rbm-gui")


class MainWindow(FileActions, QMainWindow):
    modelChanged = Signal(object)     # a new model is shown (RBM or None); parameters may be read
    frameShown = Signal(object)       # a live snapshot (read-only RBM) was drawn
    epochRecorded = Signal(int)
    trainingStateChanged = Signal(str)   # "running", "paused", "stopped", "diverged"
    dreamStartRequested = Signal(object)  # (n, n_visible) float32 start states for the dream panel
    digitSelected = Signal(object)        # a digit picked in a gallery (viz.gallery.SelectedDigit)

    def __init__(self, settings: QSettings | None = None, config: TrainingConfig | None = None,
                 data_options: DataOptions | None = None, load_data: bool = True,
                 max_fps: float = 15.0):
        super().__init__()
        self.setWindowTitle("rbm-gui")
        self.settings = settings if settings is not None else default_settings()
        self.max_fps = max_fps
        self.max_steps: int | None = None          # stop after this many mini-batches (screenshot)
        self.frames_drawn = 0
        self.last_error = ""
        if config is None:
            config = self._stored("config", TrainingConfig.from_dict, TrainingConfig())
            try:
                config.validate()
            except ConfigError:
                config = TrainingConfig()
        if data_options is None:
            data_options = self._stored("data", DataOptions.from_dict, DataOptions())
        self.session = Session(config, data_options)
        self.controller = TrainingController(self)
        self.controller.frame.connect(self._on_frame)
        self.controller.epochEnded.connect(self._on_epoch)
        self.controller.diverged.connect(self._on_diverged)
        self.controller.failed.connect(self._on_failed)
        self.controller.finished.connect(self._on_finished)
        self._pending_frame: Frame | None = None
        self._state = "stopped"
        self.shutdown_hooks: list = []             # called by shutdown() (views, exports: stop and join)

        self._build_views()
        self._build_panel()
        self._build_actions()
        self._build_status()
        self._restore_ui()
        self._update_actions()
        from rbm_gui.ui.autosave import install_autosave
        from rbm_gui.ui.data_menu import install_data_menu
        from rbm_gui.ui.help_menu import install_help_menu
        install_data_menu(self)        # Data menu: download full MNIST, data sets
        from rbm_gui.ui.export_actions import attach as attach_exports
        attach_exports(self)           # Export menu (window.exports): dream animations, figures
        install_help_menu(self)        # Help menu, window icon
        install_autosave(self)         # checkpoint after every epoch; ended by shutdown()
        if load_data:
            self.load_data()

    # ================================================================== construction
    def _stored(self, key: str, parse, default):
        raw = self.settings.value(key)
        if not raw:
            return default
        try:
            return parse(json.loads(raw))
        except (TypeError, ValueError, KeyError):
            return default

    def _build_views(self) -> None:
        # The views bind to the Qt-free session and their view states (rbm_gui.app). Until the
        # training side keeps its model in that session too, _show_session() mirrors self.session.
        self.view_session = ViewSession(config=self.session.config, data_options=self.session.data_options)
        self.view_states = ViewStates(self.view_session)
        persist(self.view_states.weights, self.settings, "weights", ("threshold", "per_tile"))
        persist(self.view_states.history, self.settings, "history", ("first_unit", "count", "zoom", "per_tile"))
        self.tabs = QTabWidget()
        self.views: dict[str, QWidget] = {}
        for spec in registry.views():
            self.views[spec.name] = registry.build(spec, self.view_session, self.view_states, self)
            self.tabs.addTab(self.views[spec.name], spec.title)
        self.weights_view, self.history_view, self.metrics_view = (self.views[n] for n in ("weights", "history", "metrics"))
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.banner)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

    def _build_panel(self) -> None:
        self.panel = SettingsPanel(self.session.config, self.session.data_options)
        self.panel.changed.connect(self._on_setting_changed)
        self.panel.openDataRequested.connect(self.open_data_file)
        self.dock = QDockWidget("Training", self)
        self.dock.setObjectName("training_dock")
        self.dock.setWidget(self.panel)
        self.dock.setMinimumWidth(330)
        self.addDockWidget(Qt.LeftDockWidgetArea, self.dock)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.setToolTip(tip or text)
        a.setStatusTip(tip or text)
        a.triggered.connect(lambda checked=False: slot())
        return a

    def _build_actions(self) -> None:
        A = self._action
        self.act_train = A("Train", self.train, "Ctrl+T", "Start training (or continue the current model).")
        self.act_pause = A("Pause", self.toggle_pause, Qt.Key_Space, "Pause or resume training (Space).")
        self.act_stop = A("Stop", self.stop, "Ctrl+.", "Stop training; the model is kept and can be trained further.")
        self.act_more = A("+1 epoch", self.add_epoch, "Ctrl+E", "Train one more epoch.")
        self.act_reset = A("Reset", self.reset, None, "Throw the model away and start from new random weights (asks first).")
        self.act_new = A("New", self.new_model, QKeySequence.New, "A new untrained model with the current settings.")
        self.act_open = A("Open model...", self.open_model, QKeySequence.Open, "Open a saved model (.npz).")
        self.act_save = A("Save", self.save_model, QKeySequence.Save, "Save the model (.npz).")
        self.act_save_as = A("Save as...", self.save_model_as, QKeySequence.SaveAs, "Save the model under a new name.")
        self.act_import = A("Import legacy model...", self.import_legacy,
                            None, "Import a pickled model of the original blog code (.pkl, read safely).")
        self.act_quit = A("Quit", self.close, QKeySequence.Quit, "Close the window (stops training).")
        fm = self.menuBar().addMenu("&File")
        for a in (self.act_new, self.act_open):
            fm.addAction(a)
        self.recent_menu = fm.addMenu("Open recent")
        fm.addSeparator()
        for a in (self.act_save, self.act_save_as, self.act_import):
            fm.addAction(a)
        fm.addSeparator()
        fm.addAction(self.act_quit)
        tm = self.menuBar().addMenu("&Training")
        for a in (self.act_train, self.act_pause, self.act_stop, self.act_more, self.act_reset):
            tm.addAction(a)
        vm = self.menuBar().addMenu("&View")
        vm.addAction(self.dock.toggleViewAction())
        tb = self.addToolBar("Training")
        tb.setObjectName("training_toolbar")
        for a in (self.act_train, self.act_pause, self.act_stop, self.act_more, self.act_reset):
            tb.addAction(a)
        tb.addSeparator()
        tb.addAction(self.act_open)
        tb.addAction(self.act_save)
        self._update_recent_menu()

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.epoch_label = QLabel("epoch -/-")
        self.epoch_label.setMinimumWidth(150)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setTextVisible(True)
        self.progress.setFormat("batch %v/%m")
        self.progress.setToolTip("Mini-batches done in the current epoch.")
        self.speed_label = QLabel("")
        self.speed_label.setToolTip("Training speed in digits per second.")
        self.eta_label = QLabel("")
        self.eta_label.setToolTip("Time left at the current speed.")
        for w in (self.epoch_label, self.progress, self.speed_label, self.eta_label):
            sb.addPermanentWidget(w)

    def _restore_ui(self) -> None:
        geo = self.settings.value("geometry")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 820)
        state = self.settings.value("windowState")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        else:
            self.resizeDocks([self.dock], [390], Qt.Horizontal)
        tab = self.settings.value("tab")
        if tab in self.views:
            self.tabs.setCurrentWidget(self.views[tab])

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("config", json.dumps(self.panel.config().to_dict()))
        s.setValue("data", json.dumps(self.panel.data_options().to_dict()))
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())
        s.setValue("tab", self.current_tab())
        s.sync()

    # ================================================================== questions (tests override)
    def confirm(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.Yes

    def ask_save(self, text: str) -> str:
        """'save', 'discard' or 'cancel'."""
        box = QMessageBox(QMessageBox.Question, "Save the model?", text,
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self)
        answer = box.exec()
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def choose_open_path(self, title: str, filters: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, title, str(self.settings.value("lastDir", "")), filters)
        return path or None

    def choose_save_path(self, title: str, filters: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(self.settings.value("lastDir", "")), filters)
        if path and not Path(path).suffix:
            path += ".npz"
        return path or None

    def show_message(self, text: str, error: bool = False) -> None:
        """A message at the top of the views (not modal: training and tests never block on it)."""
        self.banner.setText(text)
        self.banner.setStyleSheet(BANNER_ERROR if error else BANNER_INFO)
        self.banner.setVisible(bool(text))
        if error:
            self.last_error = text
        self.statusBar().showMessage(text.split("\n")[0], 10_000)

    # ================================================================== data and model
    def load_data(self) -> bool:
        try:
            self.session.load_data()
        except Exception as exc:      # DataError, OSError, ValueError: tell the user, keep the window
            self.show_message(f"Cannot load the data set: {exc}", error=True)
            return False
        d = self.session.data
        self.view_session.update(data_options=self.session.data_options, data=d)
        if not self.session.has_model:
            self.session.new_model()
        self._model_changed()
        self.statusBar().showMessage(d.describe(), 8000)
        return True

    def _model_changed(self) -> None:
        """Redraw everything from the session (the worker must not be running)."""
        s = self.session
        self.view_session.selected_unit = None           # a different model: its views start afresh
        self._show_session(s.rbm.snapshot() if s.rbm is not None else None)
        self.view_session.model_replaced.emit(self.view_session.model)
        self._update_status(None)
        self._update_title()
        self.modelChanged.emit(s.rbm)

    def _show_session(self, model) -> None:
        """Mirror the training session into the views' session (model: a read-only snapshot)."""
        s = self.session
        self.view_session.update(model=model, epochs_done=s.epochs_done, history={k: list(v) for k, v in s.history.items()},
                                 weight_history=list(s.weight_history), history_units=s.history_units,
                                 path=s.path, dirty=s.dirty)

    def _update_title(self) -> None:
        s = self.session
        name = Path(s.path).name if s.path else "untitled"
        self.setWindowTitle(f"{name}{' *' if s.dirty else ''} — rbm-gui")

    # ================================================================== training control
    @property
    def running(self) -> bool:
        return self.controller.running

    @property
    def paused(self) -> bool:
        return self.running and self.controller.paused_state

    def train(self) -> bool:
        """Start (or continue) training; resumes when paused."""
        if self.running:
            if self.paused:
                self.resume()
            return True
        problem = self.panel.check()
        if problem:
            self.show_message(f"Fix the settings first: {problem}", error=True)
            return False
        s = self.session
        if s.data is None and not self.load_data():
            return False
        s.config = self.panel.config()
        try:
            trainer = s.ensure_trainer()
        except (ValueError, ConfigError) as exc:
            self.show_message(str(exc), error=True)
            return False
        if trainer.finished:
            self.show_message(f"All {s.config.epochs} epochs are done: raise Epochs or press +1 epoch.")
            return False
        self.show_message("")
        worker = TrainingWorker(trainer, s.history_units, s.data.monitor_train, s.data.monitor_val,
                                max_fps=self.max_fps, max_steps=self.max_steps,
                                initial_metrics=not s.history)
        self.controller.start(worker)
        self.panel.set_running(True)
        self._set_state("running")
        return True

    def toggle_pause(self) -> None:
        if not self.running:
            return
        if self.paused:
            self.resume()
        else:
            self.pause()

    def pause(self) -> None:
        if self.running and not self.paused:
            self.controller.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self.running and self.paused:
            self.show_message("")
            self.controller.resume()
            self._set_state("running")

    def stop(self) -> None:
        """Stop and join the worker; the model is kept (Train continues it) and can be saved."""
        if self.running:
            self.controller.stop()
            if self.session.dirty:
                self.show_message(f"Training stopped after {self.session.epochs_done} epochs. The model is kept: "
                                  "Train continues it, File > Save (Ctrl+S) keeps it.")

    def add_epoch(self) -> None:
        """While training: extend the run by one epoch; otherwise train exactly one more epoch."""
        s = self.session
        epochs = (max(self.panel.config().epochs, s.epochs_done) if self.running else s.epochs_done) + 1
        self.panel._set_value("epochs", epochs)
        s.config = s.config.replace(epochs=epochs)
        if self.running:
            self.controller.request(epochs=epochs)
            if self.paused:
                self.resume()
        else:
            self.train()

    def reset(self) -> bool:
        """Throw the model away (asks first) and initialise a new one from the settings."""
        s = self.session
        if s.has_model and (s.epochs_done > 0 or s.dirty):
            if not self._offer_save("Reset throws the current model away."):
                return False
        self.stop()
        s.config = self.panel.config()
        s.clear_model()
        if s.data is not None:
            try:
                s.new_model()
            except (ValueError, ConfigError) as exc:
                self.show_message(str(exc), error=True)
        self.show_message("")
        self._model_changed()
        return True

    def new_model(self) -> bool:
        return self.reset()

    def _set_state(self, state: str) -> None:
        self._state = state
        self._update_actions()
        self.trainingStateChanged.emit(state)

    def _update_actions(self) -> None:
        running = self.running
        self.act_pause.setEnabled(running)
        self.act_pause.setText("Resume" if self.paused else "Pause")
        self.act_stop.setEnabled(running)
        self.act_train.setEnabled(not running or self.paused)

    # ================================================================== settings edits
    def _on_setting_changed(self, name: str) -> None:
        s = self.session
        self.save_settings()
        if name in LIVE:
            value = getattr(self.panel.config(), name)
            s.config = s.config.replace(**{name: value})
            if self.running:
                self.controller.request(**{name: value})
            return
        if name in ARCHITECTURE or name.startswith("data."):
            needs_data = name.startswith("data.")
            if self.running or s.epochs_done > 0 or s.dirty:
                what = "the data set" if needs_data else "the architecture"
                if not self.confirm("Start a new model?",
                                    f"Changing {what} needs a new model. Throw the current model away?"):
                    self.panel.set_config(s.config)             # put the old value back
                    self.panel.set_data_options(s.data_options)
                    return
                if not self._offer_save("The current model will be replaced."):
                    self.panel.set_config(s.config)
                    self.panel.set_data_options(s.data_options)
                    return
            self.stop()
            s.config = self.panel.config()
            s.clear_model()
            if needs_data:
                s.data_options = self.panel.data_options()
                s.data = None
                self.load_data()
            else:
                try:
                    s.config.validate()
                    s.new_model()
                except (ValueError, ConfigError) as exc:
                    self.show_message(str(exc), error=True)
                self._model_changed()
            return
        if not self.running:
            s.config = self.panel.config()

    def open_data_file(self) -> None:
        path = self.choose_open_path("Open IDX images", "IDX files (*idx* *.gz);;All files (*)")
        if not path:
            self.panel.set_data_options(self.session.data_options)
            return
        self.panel.add_source(path)
        self._on_setting_changed("data.source")

    # ================================================================== worker signals
    def _on_frame(self, frame: Frame) -> None:
        self._update_status(frame.info)
        self._pending_frame = frame
        self._draw_pending()

    def _draw_pending(self) -> None:
        frame = self._pending_frame
        if frame is None:
            return
        self._pending_frame = None
        self.view_session.model = frame.rbm      # each view draws it now or when its tab is shown
        self.frames_drawn += 1
        self.frameShown.emit(frame.rbm)

    def _on_epoch(self, result: EpochResult) -> None:
        s = self.session
        s.record_epoch(result.epoch, result.values, result.W_tracked)
        self._show_session(self.view_session.model)
        self._update_title()
        self.epochRecorded.emit(result.epoch)

    def _on_diverged(self, message: str) -> None:
        self.show_message("Training diverged and is paused; the last good parameters are kept.\n" + message,
                          error=True)
        self._set_state("paused")

    def _on_failed(self, message: str) -> None:
        self.show_message("Training failed: " + message, error=True)

    def _on_finished(self, reason: str) -> None:
        self.panel.set_running(False)
        self._pending_frame = None
        s = self.session
        if s.rbm is not None:      # the thread is joined: the parameters can be read directly
            self._show_session(s.rbm.snapshot())
        self._set_state("stopped")
        if reason == "done":
            self.statusBar().showMessage(f"Training finished: {s.epochs_done} epochs.", 10_000)
        self._update_status(None)

    def _update_status(self, info) -> None:
        s = self.session
        total = s.config.epochs
        if info is None:
            t = s.trainer
            epoch = s.epochs_done
            batch, n_batches = (t.batch, t.n_batches) if t is not None else (0, 1)
            rate = float("nan")
        else:
            epoch, batch, n_batches, rate = info.epoch, info.batch, info.n_batches, info.samples_per_second
        self.epoch_label.setText(f"epoch {min(epoch + (1 if batch else 0), max(total, epoch))}/{total}"
                                 if self.running else f"epochs done {s.epochs_done}/{total}")
        self.progress.setMaximum(max(1, n_batches))
        self.progress.setValue(batch)
        if info is not None and rate > 0:
            bs = s.trainer.batch_size if s.trainer is not None else s.config.batch_size
            left = ((total - epoch) * n_batches - batch) * bs
            self.speed_label.setText(f"{rate:,.0f} digits/s")
            self.eta_label.setText(f"{format_duration(time_left(rate, left))} left")
        elif not self.running:
            self.speed_label.setText("")
            self.eta_label.setText("")

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
        """Make this digit the selected one: the explorer shows it, the weights view probes with it.

        ``vector``: (n_visible,) in [0, 1], or a ``SelectedDigit``; emits ``digitSelected(SelectedDigit)``.
        """
        from rbm_gui.viz.gallery import SelectedDigit
        digit = vector if isinstance(vector, SelectedDigit) else SelectedDigit(
            np.array(vector, dtype=np.float32).reshape(-1), label, source, key)
        self.view_session.selected_digit = digit
        self.digitSelected.emit(digit)

    # ================================================================== closing
    def shutdown(self) -> None:
        """Stop and join the worker (idempotent)."""
        self.controller.stop()
        for hook in self.shutdown_hooks:
            hook()

    def closeEvent(self, event) -> None:
        if not self._offer_save("The window is closing."):
            event.ignore()
            return
        self.shutdown()
        self.save_settings()
        event.accept()

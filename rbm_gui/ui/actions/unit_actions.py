"""Units in the window: the unit inspector (opened by clicking a tile), its statistics job, the
status-bar sign that units are forced, and the metrics of the model with its forced units.

Everything here talks to the session (``session.overrides``, ``session.effective_model``) and the
inspector's Qt-free state; jobs run on the window's runner.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from rbm_gui.app.inspector_state import InspectorState, stats_job
from rbm_gui.app.unit_overrides import compare_metrics

INDICATOR_STYLE = "QLabel { background:#6a3d00; color:#ffe2b8; border-radius:3px; padding:0 6px; }"


class UnitActions:
    def __init__(self, window):
        self.window, self.session, self.runner = window, window.session, window.runner
        s = self.session
        self.state = InspectorState(s)
        self.inspector = None
        self.stats_job = None
        self.metrics_job = None
        self._metrics_pending = False      # an epoch ended while the comparison was being measured
        self.indicator = QLabel()
        self.indicator.setObjectName("overrides_indicator")
        self.indicator.setStyleSheet(INDICATOR_STYLE)
        self.indicator.setToolTip("Forced units change what the views show (reconstructions, P(h|v), dreams, "
                                  "the metrics' comparison) but never the trained model: Save, autosave and "
                                  "exports of the model write the trained parameters.")
        self.indicator.hide()
        window.statusBar().addPermanentWidget(self.indicator)
        act = window.make_action("Inspect selected unit...", self.open_selected, "Ctrl+I",
                                 "Open the unit inspector on the selected hidden unit.")
        window.edit_menu.addSeparator()
        window.edit_menu.addAction(act)
        window.act_inspect = act
        window.weights_view.unitClicked.connect(self.open)
        s.overrides.connect("forced", self._on_forced)
        s.model_replaced.connect(lambda *_: self._schedule_stats())
        s.connect("epochs_done", self._on_epoch)
        s.connect("data", lambda _d: self._schedule_stats())
        window.act_save.triggered.connect(self._after_save)
        window.act_save_as.triggered.connect(self._after_save)

    # ------------------------------------------------------------------ the inspector
    def open(self, unit: int) -> None:
        """Show the inspector on ``unit`` (one window, reused)."""
        if self.inspector is None:
            from rbm_gui.ui.views.unit_inspector import UnitInspector
            self.inspector = UnitInspector(self.session, self.state, self.window)
            self.inspector.digitChosen.connect(self.explore_digit)
        self.state.unit = int(unit)
        self.inspector.show()
        self.inspector.raise_()
        self._schedule_stats()

    def open_selected(self) -> None:
        k = self.session.selected_unit
        if k is not None:
            self.open(k)

    def explore_digit(self, index: int) -> None:
        """A top digit was clicked: it becomes the selected digit, shown in the explorer."""
        d = self.session.data
        if d is None or not 0 <= index < len(d.probes):
            return
        label = None if d.probe_labels is None else int(d.probe_labels[index])
        self.window.select_digit(d.probes[index], label, f"test digit #{index}", key=("test", index))
        if "reconstruct" in self.window.views:
            self.window.show_tab("reconstruct")

    def _schedule_stats(self) -> None:
        """Measure every unit's statistics when the inspector is open and they are out of date."""
        if self.inspector is None or not self.inspector.isVisible() or not self.state.needs_stats():
            return
        if self.stats_job is not None:
            return                      # _stats_done looks again when it ends
        key, model, data = self.state.current_key(), self.session.model, self.session.data
        self.state.busy = True
        self.stats_job = self.runner.start(
            "unit statistics", lambda c: stats_job(model, data, c),
            on_return=lambda result: result is not None and self.state.set_stats(key, result),
            on_finish=self._stats_done)

    def _stats_done(self, _reason) -> None:
        self.stats_job = None
        self.state.busy = False
        self._schedule_stats()

    # ------------------------------------------------------------------ forced units
    def _on_forced(self, _forced) -> None:
        o = self.session.overrides
        self.indicator.setText(o.describe())
        self.indicator.setVisible(o.active)
        self._measure_override_metrics()

    def _on_epoch(self, _epoch) -> None:
        self._schedule_stats()
        if self.session.overrides.active:        # the comparison follows training, one job at a time
            if self.metrics_job is not None:
                self._metrics_pending = True
            else:
                self._measure_override_metrics(keep=True)

    def _measure_override_metrics(self, keep: bool = False) -> None:
        """The cheap metrics of the trained and the effective model on the same digits (Metrics tab).

        ``keep``: the shown figures stay until the new ones arrive (a new epoch, same forced units).
        """
        s, o = self.session, self.session.overrides
        if self.metrics_job is not None:
            self.metrics_job.cancel()
            self.metrics_job = None
        self._metrics_pending = False
        if not keep:
            o.metrics = None
        if not o.active or s.model is None or s.data is None or s.data.n_visible != s.model.n_visible:
            return
        trained, effective, forced, epoch = s.model, s.effective_model, o.forced, s.epochs_done
        d = s.data

        def job(control):
            yield "start"                # a cancel before the work is honoured here
            return {**compare_metrics(trained, effective, d.monitor_train, d.monitor_val), "epoch": epoch}

        def done(result):
            if o.forced == forced:       # not an older override's figures
                o.metrics = result
        self.metrics_job = job_ = self.runner.start("override metrics", job, on_return=done,
                                                    on_finish=lambda _r: self._metrics_done(job_))

    def _metrics_done(self, job) -> None:
        if self.metrics_job is job:
            self.metrics_job = None
            if self._metrics_pending and self.session.overrides.active:
                self._measure_override_metrics(keep=True)

    def _after_save(self, *_) -> None:
        o = self.session.overrides
        if o.active and not self.session.dirty:
            self.window.show_status("Saved the TRAINED model: the forced units ("
                                    + o.describe().split(" — ")[0] + ") are not part of the file.", 12000)

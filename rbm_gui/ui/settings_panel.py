"""The training panel: data options and hyperparameters, bound to ``session.config`` / ``data_options``.

Each widget shows the session's value and forwards an edit to ``session.change_setting``, which
decides what it means (live, next run, or a new model after ``approve``); a refused change puts
the old value back. Ranges come from ``config.LIMITS`` and tooltips from ``config.HELP`` (the CLI
uses the same), so out-of-range values cannot be typed; inconsistent combinations are flagged inline.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSpinBox,
                               QVBoxLayout, QWidget)

from rbm_gui.app.data import DATA_HELP, DATA_LIMITS
from rbm_gui.app.settings_policy import ARCHITECTURE, LIVE, uses_decay  # noqa: F401
from rbm_gui.config import HELP, LIMITS, SCHEDULES, TrainingConfig
from rbm_gui.ui.binding import INT_MAX, Binding
#: blog presets: label -> n_hidden
PRESETS = {"10": 10, "20": 20, "400": 400}

LABELS = {
    "n_hidden": "Hidden units", "epochs": "Epochs", "batch_size": "Batch size",
    "learning_rate": "Base learning rate", "lr_schedule": "LR schedule", "lr_decay": "LR decay / epoch",
    "momentum": "Momentum", "initial_momentum": "Initial momentum",
    "momentum_switch_epoch": "Momentum switch epoch", "weight_decay": "Weight decay", "cd_k": "CD-k steps",
    "pcd": "Persistent CD (PCD)", "sparsity_target": "Sparsity target", "sparsity_cost": "Sparsity cost",
    "centering": "Centring", "offset_rate": "Offset rate", "seed": "Seed",
    "labels": "Learn labels", "discriminative_weight": "Label gradient weight",
    "shift_pixels": "Label gradient shifts (px)",
}
DECIMALS = {"learning_rate": 6, "lr_decay": 3, "momentum": 3, "initial_momentum": 3, "weight_decay": 6,
            "sparsity_target": 3, "sparsity_cost": 3, "offset_rate": 4,
            "discriminative_weight": 3}
GROUPS = [
    ("Model", ["n_hidden", "labels"]),
    ("Training", ["cd_k", "pcd", "learning_rate", "lr_schedule", "lr_decay", "momentum", "initial_momentum",
                  "momentum_switch_epoch", "weight_decay", "batch_size", "epochs", "seed"]),
    ("Advanced", ["centering", "offset_rate", "sparsity_target", "sparsity_cost", "discriminative_weight",
                  "shift_pixels"]),
]


class SettingsPanel(QWidget):
    """The settings of ``session``; ``approve(text) -> bool`` is asked before a model is replaced."""

    openDataRequested = Signal()

    def __init__(self, session, approve=None, parent=None):
        super().__init__(parent)
        self.session, self.approve = session, approve
        self.widgets: dict[str, QWidget] = {}
        self.data_widgets: dict[str, QWidget] = {}
        self.bindings: list[Binding] = []
        self._types = {f.name: f.type for f in dataclasses.fields(TrainingConfig)}

        inner = QWidget()
        vl = QVBoxLayout(inner)
        vl.setContentsMargins(4, 4, 4, 4)
        vl.addWidget(self._data_group())
        for title, names in GROUPS:
            box = QGroupBox(title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
            for name in names:
                w = self._make(name)
                self.widgets[name] = w
                self.bindings.append(Binding(w, lambda n=name: getattr(self.session.config, n),
                                             lambda v, n=name: self._edited(n, v)))
                if isinstance(w, QCheckBox):
                    form.addRow(w)
                else:
                    label = QLabel(LABELS[name])
                    label.setToolTip(w.toolTip())
                    form.addRow(label, w)
                if name == "learning_rate":
                    self.lr_in_use = QLabel("")
                    self.lr_in_use.setToolTip("The rate the schedule gives now (it starts at the base rate).")
                    form.addRow("", self.lr_in_use)
                if name == "n_hidden":
                    row = QHBoxLayout()
                    row.addWidget(QLabel("Blog presets (units):"))
                    for text, n in PRESETS.items():
                        b = QPushButton(text)
                        b.setMinimumWidth(44)
                        b.setToolTip(f"Set {n} hidden units, as in the blog post's {text}-unit experiment.")
                        b.clicked.connect(lambda _=False, n=n: self._edited("n_hidden", n))
                        row.addWidget(b)
                        self.widgets[f"preset_{text}"] = b
                    form.addRow(row)
            vl.addWidget(box)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #ff6060;")
        vl.addWidget(self.error_label)
        vl.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(inner)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # Tab moves the focus into a field that is partly hidden: Qt would scroll sideways and
        # clip the labels (the bar is off, so it never scrolls back). Keep it at the left.
        bar = self.scroll.horizontalScrollBar()
        bar.valueChanged.connect(lambda v: v and bar.setValue(0))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        for name in ("config", "data_options", "run_state", "config_problem"):
            session.connect(name, lambda _v: self.refresh())
        session.connect("lr_in_use", lambda _v: self._show_lr_in_use())     # every frame: one label
        self.refresh()

    # ------------------------------------------------------------------ construction
    def _make(self, name: str) -> QWidget:
        kind = self._types[name]
        if kind == "bool":
            w = QCheckBox(LABELS[name])
        elif name == "lr_schedule":
            w = QComboBox()
            w.addItems(list(SCHEDULES))
        elif kind == "int":
            w = QSpinBox()
            lo, hi = LIMITS[name]
            w.setRange(int(lo), int(min(hi, INT_MAX)))
            w.setKeyboardTracking(False)
        else:
            w = QDoubleSpinBox()
            lo, hi = LIMITS[name]
            w.setDecimals(DECIMALS.get(name, 4))
            w.setRange(lo, hi)
            w.setStepType(QAbstractSpinBox.AdaptiveDecimalStepType)
            w.setKeyboardTracking(False)
        text = HELP[name]
        if name == "learning_rate":
            text += " This is the base rate: the schedule (LR schedule) starts from it."
        if name in LIMITS:
            lo, hi = LIMITS[name]
            text += f" Range {lo:g} to {min(hi, INT_MAX):g}."
        if name in LIVE:
            text += " May change while training (next mini-batch)."
        w.setToolTip(text)
        w.setObjectName(name)
        return w

    def _data_group(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        src = QComboBox()
        src.setToolTip(DATA_HELP["source"])
        src.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        src.setMinimumContentsLength(14)
        try:
            from rbm_gui.data import known_sources
            for info in known_sources():
                if info.split == "train":
                    src.addItem(info.name, info.spec)
        except Exception:    # the data layer reports problems when loading; the list is a convenience
            src.addItem("MNIST sample (bundled)", "mnist-sample")
        src.addItem("Open IDX file...", "__open__")
        form.addRow(QLabel("Data set"), src)
        self.data_widgets["source"] = src
        self._ensure_source(self.session.data_options.source)
        self.bindings.append(Binding(src, lambda: self.session.data_options.source, self._source_edited))
        for key, label in (("threshold", "Binarisation threshold"), ("n_val", "Validation digits"),
                           ("max_train", "Max. training digits")):
            w = QSpinBox()
            lo, hi = DATA_LIMITS[key]
            w.setRange(lo, hi)
            w.setKeyboardTracking(False)
            w.setToolTip(DATA_HELP[key])
            lab = QLabel(label)
            lab.setToolTip(DATA_HELP[key])
            form.addRow(lab, w)
            self.data_widgets[key] = w
            self.bindings.append(Binding(w, lambda k=key: getattr(self.session.data_options, k),
                                         lambda v, k=key: self._edited("data." + k, v)))
        return box

    def _ensure_source(self, spec: str, name: str | None = None) -> None:
        self.add_source(spec, name)

    def add_source(self, spec: str, name: str | None = None) -> None:
        """List a data source (an IDX file, a downloaded set) in the data-set box, without selecting it."""
        src = self.data_widgets["source"]
        if src.findData(spec) < 0:
            blocked = src.blockSignals(True)
            src.insertItem(src.count() - 1, name or spec, spec)
            src.blockSignals(blocked)

    def remove_source(self, spec: str) -> None:
        """Unlist a source (not the one in use)."""
        src = self.data_widgets["source"]
        i = src.findData(spec)
        if i >= 0 and spec != self.session.data_options.source:
            blocked = src.blockSignals(True)
            src.removeItem(i)
            src.blockSignals(blocked)
            self.refresh()

    def _source_edited(self, spec) -> None:
        if spec == "__open__":
            self.refresh()                 # show the set in use until a file is chosen
            self.openDataRequested.emit()
            return
        self._edited("data.source", spec)

    # ------------------------------------------------------------------ values
    def _edited(self, name: str, value) -> None:
        self.session.change_setting(name, value, self.approve)
        self.refresh()                     # a refused change shows the kept value again

    def refresh(self) -> None:
        s = self.session
        self._ensure_source(s.data_options.source)
        for b in self.bindings:
            b.refresh()
        self.error_label.setText(s.config_problem)
        running = s.running
        for name, w in self.widgets.items():
            w.setEnabled(not running or name in LIVE)
        self.widgets["lr_decay"].setEnabled(not running and uses_decay(s.config.lr_schedule))
        for name in ("discriminative_weight", "shift_pixels"):        # labelled models only
            self.widgets[name].setEnabled(not running and s.config.labels)
        for w in self.data_widgets.values():
            w.setEnabled(not running)
        self._show_lr_in_use()

    def _show_lr_in_use(self) -> None:
        s = self.session
        lr = s.lr_in_use
        self.lr_in_use.setText(f"in use now: {lr:.6g}" if lr is not None and s.running else "")

    def config(self) -> TrainingConfig:
        """The settings shown (the session's)."""
        return self.session.config

    def data_options(self):
        return self.session.data_options

    def check(self) -> str:
        return self.session.config_problem

"""The training panel: data options and hyperparameters, bound to TrainingConfig / DataOptions.

Ranges come from ``config.LIMITS`` and tooltips from ``config.HELP`` (the CLI uses the same), so
out-of-range values cannot be typed; inconsistent combinations are flagged inline.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSpinBox,
                               QVBoxLayout, QWidget)

from rbm_gui.config import HELP, LIMITS, SCHEDULES, ConfigError, TrainingConfig
from rbm_gui.ui.state import DATA_HELP, DATA_LIMITS, DataOptions

INT_MAX = 2**31 - 1
#: settings that may change while training runs (they reach the trainer at the next mini-batch)
LIVE = ("learning_rate", "momentum", "epochs")
#: settings that define the model's shape: changing them needs a new model
ARCHITECTURE = ("n_hidden",)
#: blog presets: label -> n_hidden
PRESETS = {"10": 10, "20": 20, "400": 400}

LABELS = {
    "n_hidden": "Hidden units", "epochs": "Epochs", "batch_size": "Batch size",
    "learning_rate": "Learning rate", "lr_schedule": "LR schedule", "lr_decay": "LR decay / epoch",
    "momentum": "Momentum", "initial_momentum": "Initial momentum",
    "momentum_switch_epoch": "Momentum switch epoch", "weight_decay": "Weight decay", "cd_k": "CD-k steps",
    "pcd": "Persistent CD (PCD)", "sparsity_target": "Sparsity target", "sparsity_cost": "Sparsity cost",
    "centering": "Centring", "offset_rate": "Offset rate", "seed": "Seed",
}
DECIMALS = {"learning_rate": 6, "lr_decay": 3, "momentum": 3, "initial_momentum": 3, "weight_decay": 6,
            "sparsity_target": 3, "sparsity_cost": 3, "offset_rate": 4}
GROUPS = [
    ("Model", ["n_hidden"]),
    ("Training", ["cd_k", "pcd", "learning_rate", "lr_schedule", "lr_decay", "momentum", "initial_momentum",
                  "momentum_switch_epoch", "weight_decay", "batch_size", "epochs", "seed"]),
    ("Advanced", ["centering", "offset_rate", "sparsity_target", "sparsity_cost"]),
]


class SettingsPanel(QWidget):
    """Emits ``changed(name)`` after the user edits a setting; read values with ``config()``."""

    changed = Signal(str)
    openDataRequested = Signal()

    def __init__(self, config: TrainingConfig | None = None, data: DataOptions | None = None, parent=None):
        super().__init__(parent)
        self.widgets: dict[str, QWidget] = {}
        self.data_widgets: dict[str, QWidget] = {}
        self._types = {f.name: f.type for f in dataclasses.fields(TrainingConfig)}
        self._quiet = False
        self._base = config or TrainingConfig()

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
                if isinstance(w, QCheckBox):
                    form.addRow(w)
                else:
                    label = QLabel(LABELS[name])
                    label.setToolTip(HELP[name])
                    form.addRow(label, w)
                if name == "n_hidden":
                    row = QHBoxLayout()
                    row.addWidget(QLabel("Blog presets (units):"))
                    for text, n in PRESETS.items():
                        b = QPushButton(text)
                        b.setMinimumWidth(44)
                        b.setToolTip(f"Set {n} hidden units, as in the blog post's {text}-unit experiment.")
                        b.clicked.connect(lambda _=False, n=n: self._set_value("n_hidden", n, emit=True))
                        row.addWidget(b)
                        self.widgets[f"preset_{text}"] = b
                    form.addRow(row)
            vl.addWidget(box)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #ff6060;")
        vl.addWidget(self.error_label)
        vl.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.set_config(self._base)
        self.set_data_options(data or DataOptions())

    # ------------------------------------------------------------------ construction
    def _make(self, name: str) -> QWidget:
        kind = self._types[name]
        if kind == "bool":
            w = QCheckBox(LABELS[name])
            w.toggled.connect(lambda _: self._edited(name))
        elif name == "lr_schedule":
            w = QComboBox()
            w.addItems(list(SCHEDULES))
            w.currentIndexChanged.connect(lambda _: self._edited(name))
        elif kind == "int":
            w = QSpinBox()
            lo, hi = LIMITS[name]
            w.setRange(int(lo), int(min(hi, INT_MAX)))
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda _: self._edited(name))
        else:
            w = QDoubleSpinBox()
            lo, hi = LIMITS[name]
            w.setDecimals(DECIMALS.get(name, 4))
            w.setRange(lo, hi)
            w.setStepType(QAbstractSpinBox.AdaptiveDecimalStepType)
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda _: self._edited(name))
        text = HELP[name]
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
        src.currentIndexChanged.connect(self._source_changed)
        form.addRow(QLabel("Data set"), src)
        self.data_widgets["source"] = src
        for key, label in (("threshold", "Binarisation threshold"), ("n_val", "Validation digits"),
                           ("max_train", "Max. training digits")):
            w = QSpinBox()
            lo, hi = DATA_LIMITS[key]
            w.setRange(lo, hi)
            w.setKeyboardTracking(False)
            w.setToolTip(DATA_HELP[key])
            w.valueChanged.connect(lambda _, k=key: self._edited("data." + k))
            lab = QLabel(label)
            lab.setToolTip(DATA_HELP[key])
            form.addRow(lab, w)
            self.data_widgets[key] = w
        return box

    def _source_changed(self, _index: int) -> None:
        if self._quiet:
            return
        if self.data_widgets["source"].currentData() == "__open__":
            self.openDataRequested.emit()
            return
        self._edited("data.source")

    # ------------------------------------------------------------------ values
    def _get(self, name: str):
        w = self.widgets[name]
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentText()
        return w.value()

    def _set_value(self, name: str, value, emit: bool = False) -> None:
        w = self.widgets[name]
        self._quiet = not emit
        try:
            if isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findText(str(value))))
            elif isinstance(w, QSpinBox):
                w.setValue(int(min(value, INT_MAX)))
            else:
                w.setValue(float(value))
        finally:
            self._quiet = False

    def _edited(self, name: str) -> None:
        if self._quiet:
            return
        self.check()
        self.changed.emit(name)

    def config(self) -> TrainingConfig:
        """The settings as shown (not validated; see ``check``)."""
        values = {name: self._get(name) for g in GROUPS for name in g[1]}
        return self._base.replace(**values)

    def set_config(self, cfg: TrainingConfig) -> None:
        self._base = cfg
        for g in GROUPS:
            for name in g[1]:
                self._set_value(name, getattr(cfg, name))
        self.check()

    def data_options(self) -> DataOptions:
        src = self.data_widgets["source"]
        spec = src.currentData()
        if spec in (None, "__open__"):
            spec = self._last_source
        return DataOptions(source=spec, threshold=self.data_widgets["threshold"].value(),
                           n_val=self.data_widgets["n_val"].value(),
                           max_train=self.data_widgets["max_train"].value())

    def set_data_options(self, opts: DataOptions) -> None:
        self._quiet = True
        try:
            src = self.data_widgets["source"]
            i = src.findData(opts.source)
            if i < 0:
                src.insertItem(src.count() - 1, opts.source, opts.source)
                i = src.findData(opts.source)
            src.setCurrentIndex(i)
            self._last_source = opts.source
            for key in ("threshold", "n_val", "max_train"):
                self.data_widgets[key].setValue(getattr(opts, key))
        finally:
            self._quiet = False

    def add_source(self, path: str) -> None:
        """Add (and select, without emitting) an IDX file as a data source."""
        src = self.data_widgets["source"]
        self._quiet = True
        try:
            if src.findData(path) < 0:
                src.insertItem(src.count() - 1, path, path)
            src.setCurrentIndex(src.findData(path))
        finally:
            self._quiet = False

    def check(self) -> str:
        """Validate; show the problem inline (empty string when the settings are consistent)."""
        try:
            self.config().validate()
            msg = ""
        except ConfigError as exc:
            msg = str(exc)
        self.error_label.setText(msg)
        return msg

    def set_running(self, running: bool) -> None:
        """While training runs only the live settings can change."""
        for name, w in self.widgets.items():
            w.setEnabled(not running or name in LIVE)
        for w in self.data_widgets.values():
            w.setEnabled(not running)

"""The export dialogs: the options of a dream animation and of a figure (what the Export menu asks)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox

from rbm_gui.app.export_jobs import ANIMATION_FORMATS, FIGURE_KINDS
from rbm_gui.app.view_state import DreamExportOptions, FigureOptions


def _buttons(dialog: QDialog, form: QFormLayout) -> None:
    bb = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    bb.accepted.connect(dialog.accept)
    bb.rejected.connect(dialog.reject)
    form.addRow(bb)


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    return box


class DreamExportDialog(QDialog):
    def __init__(self, parent, defaults: DreamExportOptions, mp4_ok: bool):
        super().__init__(parent)
        self.setWindowTitle("Export dream animation")
        form = QFormLayout(self)
        self.fmt = QComboBox()
        for key, text in ANIMATION_FORMATS.items():
            self.fmt.addItem(text + ("" if key != "mp4" or mp4_ok else " (ffmpeg does not work: GIF instead)"), key)
        self.fmt.setCurrentIndex(max(0, self.fmt.findData(defaults.format)))
        self.steps = _spin(0, 100_000, defaults.steps)
        self.steps.setGroupSeparatorShown(True)
        self.every = _spin(1, 1000, defaults.every)
        self.fps = _spin(1, 120, int(defaults.fps))
        self.scale = _spin(1, 32, defaults.scale)
        self.step_no = QCheckBox("Draw the step number above the chains")
        self.step_no.setChecked(defaults.draw_step)
        self.show_ = QComboBox()
        self.show_.addItem("Probabilities P(v=1|h)", "probs")
        self.show_.addItem("Binary samples", "samples")
        self.show_.addItem("Completion (mean after step 50)", "mean")
        self.show_.setCurrentIndex(max(0, self.show_.findData(defaults.show)))
        form.addRow("Format", self.fmt)
        form.addRow("Gibbs steps", self.steps)
        form.addRow("One frame every", self.every)
        form.addRow("Frames per second", self.fps)
        form.addRow("Scale (pixels per pixel)", self.scale)
        form.addRow("Show", self.show_)
        form.addRow(self.step_no)
        note = QLabel("The chains start from the dream panel's digits with its seed: the same frames as "
                      "Play from step 0. GIF plays at most 50 frames/s.")
        note.setWordWrap(True)
        form.addRow(note)
        _buttons(self, form)

    def options(self) -> DreamExportOptions:
        return DreamExportOptions(self.fmt.currentData(), self.steps.value(), self.every.value(),
                                  float(self.fps.value()), self.scale.value(), self.step_no.isChecked(),
                                  self.show_.currentData())


class FigureDialog(QDialog):
    def __init__(self, parent, defaults: FigureOptions):
        super().__init__(parent)
        self.setWindowTitle(f"Export {FIGURE_KINDS[defaults.kind].lower()}")
        self.kind = defaults.kind
        form = QFormLayout(self)
        self.fmt = QComboBox()
        self.fmt.addItem("PNG", "png")
        self.fmt.addItem("SVG", "svg")
        self.fmt.setCurrentIndex(max(0, self.fmt.findData(defaults.format)))
        self.scale = _spin(1, 32, defaults.scale)
        self.count = _spin(1, 200, defaults.count)
        form.addRow("Format", self.fmt)
        form.addRow("Scale" if defaults.kind != "metrics" else "Scale (x the on-screen size)", self.scale)
        if defaults.kind in ("reconstruction", "averages"):
            form.addRow("Digits", self.count)
        _buttons(self, form)

    def options(self) -> FigureOptions:
        return FigureOptions(self.kind, self.fmt.currentData(), self.scale.value(), self.count.value())


def ask_dream_options(parent, defaults: DreamExportOptions, mp4_ok: bool) -> DreamExportOptions | None:
    dlg = DreamExportDialog(parent, defaults, mp4_ok)
    return dlg.options() if dlg.exec() == QDialog.Accepted else None


def ask_figure_options(parent, defaults: FigureOptions) -> FigureOptions | None:
    dlg = FigureDialog(parent, defaults)
    return dlg.options() if dlg.exec() == QDialog.Accepted else None

"""The dream panel's "Steer" column: temperature slider, "Dream of" label, parallel tempering, clamp mask.

Each control is bound to :class:`rbm_gui.app.dream_controls.DreamControls` (the chains follow it at
their next step). The label row shows for labelled models only; the swap rates and the temperature
ladder come from the chains (``swap_rates``, ``temperatures``) when the engine has them.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QScrollArea, QSlider, QSpinBox, QVBoxLayout, QWidget)

from rbm_gui.app.dream_controls import (HOTTEST_RANGE, LABEL_STRENGTH_RANGE, TEMPERATURE_RANGE, TEMPERING_RANGE,
                                        WANDER_RANGE, DreamControls)
from rbm_gui.ui.binding import Binding, bind
from rbm_gui.ui.views.mask_brush import MaskBrush

SLIDER_STEPS = 100           # slider positions per decade of temperature
#: seconds between two refreshes of the swap rates while they run (a new text relayouts the column:
#: ~0.5 ms, as much as a tenth of a frame); a new ladder shows at once
SWAP_REFRESH = 0.25
ANY_LABEL = -1               # the label combo's "any" item


def slider_to_temperature(pos: int) -> float:
    """Log scale from TEMPERATURE_RANGE[0]; rounded to 2 decimals so that T = 1 is a position (30)."""
    return round(TEMPERATURE_RANGE[0] * 10 ** (pos / SLIDER_STEPS), 2)


def temperature_to_slider(t: float) -> int:
    return int(round(SLIDER_STEPS * math.log10(max(t, 1e-9) / TEMPERATURE_RANGE[0])))


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a vertical scroll area: a short window scrolls it instead of growing."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    scroll.setWidget(widget)
    return scroll


class SteerPanel(QWidget):
    def __init__(self, controls: DreamControls, parent=None):
        super().__init__(parent)
        self.controls = controls
        self._starts_shown = None                 # the start digits the brush shows
        self.temp_slider = QSlider(Qt.Horizontal)
        self.temp_slider.setRange(0, temperature_to_slider(TEMPERATURE_RANGE[1]))
        self.temp_slider.setToolTip("Temperature T (log scale, 0.5-5): every conditional's input is divided by T. "
                                    "Below 1 the chains settle on crisp digits, above 1 they wander and blur.")
        self.temp_label = QLabel()
        self.temp_label.setMinimumWidth(52)
        self.temp_one = QPushButton("T = 1")
        self.temp_one.setToolTip("Back to the model's own distribution.")
        self.temp_one.clicked.connect(lambda: controls.set_temperature(1.0))
        self.temp_slider.valueChanged.connect(lambda pos: controls.set_temperature(slider_to_temperature(pos)))
        controls.connect("temperature", self._on_temperature)

        self.label_combo = QComboBox()
        self.label_combo.setToolTip("Clamp the label units: the chains dream of this digit (from their start "
                                    "digits, or from noise).")
        self.strength_spin = QDoubleSpinBox()
        self.strength_spin.setRange(*LABEL_STRENGTH_RANGE)
        self.strength_spin.setSingleStep(0.5)
        self.strength_spin.setDecimals(1)
        self.strength_spin.setPrefix("x ")
        self.strength_spin.setToolTip("Weight of the clamped label: 1 samples P(v|y) exactly, more makes the "
                                      "chains commit to the digit (rbm-gui dream --label-strength).")
        self.label_row = QWidget()
        lr = QHBoxLayout(self.label_row)
        lr.setContentsMargins(0, 0, 0, 0)
        lr.addWidget(QLabel("Dream of"))
        lr.addWidget(self.label_combo, 1)
        lr.addWidget(self.strength_spin)
        self._n_labels = -1
        self.set_n_labels(0)
        self._label = Binding(self.label_combo, lambda: ANY_LABEL if controls.label is None else controls.label,
                              lambda v: controls.set_label(None if v is None or v == ANY_LABEL else v))
        controls.connect("label", lambda _v: self._label.refresh())
        bind(controls, "label_strength", self.strength_spin)
        controls.connect("label", lambda v: self.strength_spin.setEnabled(v is not None))
        self.strength_spin.setEnabled(controls.label is not None)

        self.temper_check = QCheckBox("Parallel tempering")
        self.temper_check.setToolTip("Run K copies of every chain on a ladder of temperatures from T up, and swap "
                                     "neighbours' states (Metropolis): hot copies cross between digits, the "
                                     "chains shown stay at T. Not with Wander (set it off first).")
        self.k_spin = QSpinBox()
        self.k_spin.setRange(*TEMPERING_RANGE)
        self.k_spin.setPrefix("K = ")
        self.k_spin.setToolTip("Number of temperatures of the ladder.")
        self.hottest_spin = QDoubleSpinBox()
        self.hottest_spin.setRange(*HOTTEST_RANGE)
        self.hottest_spin.setSingleStep(0.5)
        self.hottest_spin.setDecimals(1)
        self.hottest_spin.setPrefix("x ")
        self.hottest_spin.setToolTip("The ladder's hottest temperature as a multiple of T (rbm-gui dream --hottest "
                                     "gives it absolute): hotter crosses between digits more, but fewer swaps "
                                     "are accepted.")
        self.wander_spin = QDoubleSpinBox()
        self.wander_spin.setRange(*WANDER_RANGE)
        self.wander_spin.setSingleStep(0.5)
        self.wander_spin.setDecimals(1)
        self.wander_spin.setSpecialValueText("off")
        self.wander_spin.setToolTip("Wander (rbm-gui dream --wander): fast biases push each chain away from where "
                                    "it has just been, so it moves on from digit to digit, but strokes break up and "
                                    "the frames no longer sample the model. Not with parallel tempering.")
        for name, w in (("tempering", self.temper_check), ("tempering_k", self.k_spin),
                        ("hottest", self.hottest_spin), ("wander", self.wander_spin)):
            bind(controls, name, w)
        controls.connect("tempering", lambda _v: self._enable_mixing())
        controls.connect("wander", lambda _v: self._enable_mixing())
        self.swap_label = QLabel()
        self._swap_head, self._swap_time = None, 0.0
        self.swap_label.setWordWrap(True)
        self.swap_label.setStyleSheet("color:#9aa4b2;")
        self.support_label = QLabel()
        self.support_label.setWordWrap(True)
        self.support_label.setStyleSheet("color:#e0a040;")
        self.support_label.hide()

        self.brush = MaskBrush(controls)

        temp_box = QGroupBox("Temperature")
        tl = QVBoxLayout(temp_box)
        row = QHBoxLayout()
        row.addWidget(self.temp_slider, 1)
        row.addWidget(self.temp_label)
        tl.addLayout(row)
        tl.addWidget(self.temp_one, 0, Qt.AlignLeft)
        mix = QGroupBox("Mixing")
        ml = QFormLayout(mix)
        ml.addRow(self.temper_check, self.k_spin)
        ml.addRow("Hottest", self.hottest_spin)
        ml.addRow(self.swap_label)
        ml.addRow("Wander", self.wander_spin)
        clamp = QGroupBox("Clamp pixels (inpainting)")
        cl = QVBoxLayout(clamp)
        cl.addWidget(self.brush)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.label_row)
        lay.addWidget(temp_box)
        lay.addWidget(mix)
        lay.addWidget(clamp)
        lay.addWidget(self.support_label)
        lay.addStretch(1)
        self._on_temperature(controls.temperature)
        self._enable_mixing()

    # ------------------------------------------------------------------ state -> widgets
    def _enable_mixing(self) -> None:
        """K and the hottest T with tempering on; tempering and wandering exclude each other."""
        c = self.controls
        self.k_spin.setEnabled(c.tempering)
        self.hottest_spin.setEnabled(c.tempering)
        self.wander_spin.setEnabled(not c.tempering)
        self.temper_check.setEnabled(c.tempering or not c.wander)

    def _on_temperature(self, t: float) -> None:
        if slider_to_temperature(self.temp_slider.value()) != t:     # not the slider's own edit
            blocked = self.temp_slider.blockSignals(True)
            self.temp_slider.setValue(temperature_to_slider(t))
            self.temp_slider.blockSignals(blocked)
        self.temp_label.setText(f"T = {t:.2f}")

    def show_state(self, st, n_labels: int) -> None:
        """Label choices, mixing (ladder, swap rates), what the model supports, the brush's digit."""
        self.set_n_labels(n_labels)
        self.show_mixing(st.chains)
        self.show_support(st.unsteered)
        if st.starts is not self._starts_shown:      # the brush paints over the first chain's start digit
            self._starts_shown = st.starts
            self.brush.set_digit(None if st.starts is None else st.starts[0])

    def set_n_labels(self, n: int) -> None:
        """Show "Dream of: any / 0..n-1" for a labelled model; hide the row for an unlabelled one."""
        if n == self._n_labels:
            return
        self._n_labels = n
        blocked = self.label_combo.blockSignals(True)
        self.label_combo.clear()
        self.label_combo.addItem("any digit", ANY_LABEL)
        for k in range(n):
            self.label_combo.addItem(str(k), k)
        self.label_combo.blockSignals(blocked)
        if hasattr(self, "_label"):
            self._label.refresh()
        self.label_row.setVisible(n > 0)

    def show_mixing(self, chains) -> None:
        """The tempering ladder and the neighbour swap acceptance rates so far (when the engine has them)."""
        rates = getattr(chains, "swap_rates", None)
        temps = getattr(chains, "temperatures", None)
        if not self.controls.tempering:
            head, text = "plain", "Plain Gibbs sampling."
        elif rates is None or temps is None:
            head, text = "none", "No swap yet."
        else:
            head = "Temperatures: " + " ".join(f"{t:.2g}" for t in np.asarray(temps))
            text = head + "\nSwaps accepted: " + " ".join(f"{r:.0%}" for r in np.asarray(rates))
        now = time.monotonic()
        if text != self.swap_label.text() and (head != self._swap_head or now - self._swap_time >= SWAP_REFRESH):
            self.swap_label.setText(text)
            self._swap_head, self._swap_time = head, now

    def show_support(self, missing: set[str]) -> None:
        """Say which chosen controls the dream engine of this build cannot apply."""
        self.support_label.setVisible(bool(missing))
        if missing:
            self.support_label.setText("Not applied (the dream engine lacks them): " + ", ".join(sorted(missing)))

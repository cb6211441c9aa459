"""The weights view's unit controls: tile order and filter, and knock-out buttons for many units."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox

from rbm_gui.ui.binding import bind

ORDER_CHOICES = (("unit", "Unit #"), ("activity", "Activity"), ("selectivity", "Selectivity"),
                 ("weight_norm", "|w|"))


class UnitControls:
    """Adds "Sort [order] [first N]" and a row of knock-out buttons to ``layout``."""

    def __init__(self, view, layout):
        self.view, self.session, self.state = view, view.session, view.state
        self.order_combo = QComboBox()
        for key, text in ORDER_CHOICES:
            self.order_combo.addItem(text, key)
        self.order_combo.setToolTip("Tile order: by unit number, or highest first by activity (mean P(h=1|v)), "
                                    "selectivity (1 - normalised entropy of the class means) or |w|; "
                                    "activity and selectivity are measured on the first 2,000 test digits.")
        self.top_spin = QSpinBox()
        self.top_spin.setRange(0, 10_000)
        self.top_spin.setSpecialValueText("all")
        self.top_spin.setPrefix("first ")
        self.top_spin.setMinimumWidth(80)
        self.top_spin.setToolTip("Show only the first N units in this order (all: every unit).")
        # one row, outside the form (its label column is wide): the panel must not make the window taller
        order_row = QHBoxLayout()
        order_row.addWidget(QLabel("Sort"))
        order_row.addWidget(self.order_combo, 1)
        order_row.addWidget(self.top_spin)
        layout.addLayout(order_row)
        self.knock_shown_button = QPushButton("Knock out shown")
        self.knock_shown_button.setToolTip("Force every unit shown in the mosaic off (Edit > Undo brings them back).")
        self.knock_shown_button.clicked.connect(self.knock_out_shown)
        self.marked_button = QPushButton("Knock out marked")
        self.marked_button.setToolTip("Ctrl+click tiles to mark several units, then force them all off.")
        self.marked_button.clicked.connect(self.knock_out_marked)
        row = QHBoxLayout()
        row.addWidget(self.knock_shown_button)
        row.addWidget(self.marked_button)
        layout.addLayout(row)
        bind(self.state, "order_by", self.order_combo)
        bind(self.state, "show_top", self.top_spin)

    def knock_out_shown(self) -> None:
        rbm, shown = self.view.rbm, self.view.units_shown
        if rbm is not None:
            self.session.overrides.knock_out(np.arange(rbm.n_hidden) if shown is None else shown)

    def knock_out_marked(self) -> None:
        if self.state.marked:
            self.session.overrides.knock_out(sorted(self.state.marked))
            self.state.marked = frozenset()

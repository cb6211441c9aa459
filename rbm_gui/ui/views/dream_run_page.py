"""The dream panel's "Run" page: speed, step limit, what is drawn, following training, and the start
digits (source, number of chains, seed, New digits). The panel binds these widgets to its
:class:`rbm_gui.app.dream_state.DreamState`."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from rbm_gui.app.dream_state import DREAM_LIMITS

#: start sources: (key, combo text)
START_SOURCES = (("per-class", "One random digit per class"), ("gallery", "Gallery selection"),
                 ("drawn", "Sent digit (drawn or picked)"), ("noise", "Random noise"))
SHOW_CHOICES = (("probs", "Probabilities P(v=1|h)"), ("samples", "Binary samples"),
                ("mean", "Completion (mean)"))


class RunPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.new_btn = QPushButton("New digits")
        self.new_btn.setToolTip("Pick other start digits (and a new seed) and start again.")
        self.source_combo = QComboBox()
        for key, text in START_SOURCES:
            self.source_combo.addItem(text, key)
        self.source_combo.setToolTip("Where the chains start: digits of the test split, the gallery's selected "
                                     "digits, the digit last sent with \"Send to dream\" (drawn or picked in "
                                     "Reconstruct), or random pixels.")
        self.chains_spin = QSpinBox()
        self.chains_spin.setRange(*DREAM_LIMITS["n_chains"])
        self.chains_spin.setToolTip("Number of chains, 1-16 (8 = the blog's 2 x 4 grid).")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(*DREAM_LIMITS["seed"])
        self.seed_spin.setToolTip("Seed of the start-digit choice and of the chains: the same seed, the same dream.")
        self.speed_spin = QSpinBox()
        self.speed_spin.setRange(*DREAM_LIMITS["speed"])
        self.speed_spin.setSuffix(" steps/s")
        self.speed_spin.setToolTip("Gibbs steps per second while playing (1-120).")
        self.stop_spin = QSpinBox()
        self.stop_spin.setRange(*DREAM_LIMITS["stop_after"])
        self.stop_spin.setGroupSeparatorShown(True)
        self.stop_spin.setSuffix(" steps")
        self.stop_spin.setToolTip("Playing stops after this many steps (up to 100,000); Step still works.")
        self.show_combo = QComboBox()
        for key, text in SHOW_CHOICES:
            self.show_combo.addItem(text, key)
        self.show_combo.setToolTip("Draw the visible probabilities (smooth), the sampled binary visibles, or each "
                                   "chain's mean of P(v=1|h) after step 50 (the completion of a masked digit).")
        self.follow_check = QCheckBox("Follow training")
        self.follow_check.setToolTip("While the model trains, the chains continue with its newest snapshot.")

        box = QGroupBox("Start")
        form = QFormLayout(box)
        form.addRow("Digits", self.source_combo)
        form.addRow("Chains", self.chains_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow(self.new_btn)
        run = QGroupBox("Run")
        rform = QFormLayout(run)
        rform.addRow("Speed", self.speed_spin)
        rform.addRow("Stop after", self.stop_spin)
        rform.addRow("Show", self.show_combo)
        rform.addRow(self.follow_check)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(run)
        lay.addWidget(box)
        lay.addStretch(1)

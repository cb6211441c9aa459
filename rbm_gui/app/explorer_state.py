"""The reconstruction explorer's state (Qt-free): options, the comparison sheet's digits, the numbers.

The numbers come from :mod:`rbm_gui.engine.explore` (the RBM's own sampling code) for the session's
model and selected digit; the explorer tab only schedules and draws them.
"""

from __future__ import annotations

import numpy as np

from rbm_gui.app.observable import Prop, State
from rbm_gui.engine.explore import Explanation, averaged_sheet, explain, shown_units
from rbm_gui.viz.gallery import first_of_each_class

MAX_SHEET_DIGITS = 20
EXPLORER_LIMITS = {"threshold": (0.0, 1.0), "top_k": (0, 10_000), "n_average": (1, 1000), "sheet_n": (1, 1000)}


class ExplorerState(State):
    n_average = Prop(100, "one-step reconstructions averaged for the selected digit (1-1,000)")
    threshold = Prop(0.5, "units with P(h_j=1|v) at least this get a red border")
    top_k = Prop(0, "show only the K most probable units (0: all up to 40 units, else the top 40)")
    sort = Prop(False, "order the tiles by P(h_j=1|v), most probable first")
    sheet_n = Prop(100, "reconstructions averaged per digit of the comparison sheet")
    seed = Prop(1, "seed of the sampled reconstructions (Resample: the next one)")
    sheet_digits = Prop(None, "(k, n_visible) float32 inputs of the comparison sheet, or None")

    def __init__(self, session, gallery, **values):
        super().__init__(**values)
        self.session, self.gallery = session, gallery
        self.sheet_captions: list[str] = []
        self._default: tuple[np.ndarray, list[str]] | None = None
        self._default_of = None
        gallery.connect("model", self._on_gallery)
        if gallery.model is not None:
            self._on_gallery(gallery.model)

    # ------------------------------------------------------------------ the selected digit
    def problem(self) -> str:
        """Why there is nothing to explain ("" when there is)."""
        model, d = self.session.effective_model, self.session.selected_digit
        if model is None:
            return "No model."
        if d is None:
            return "Select a digit in the gallery."
        if len(d.vector) != model.n_visible:
            return f"The digit has {len(d.vector)} pixels, the model {model.n_visible} visible units."
        return ""

    def explain(self) -> Explanation | None:
        """P(h|v), one sampled reconstruction and the average of ``n_average`` for the selected digit."""
        if self.problem():
            return None
        return explain(self.session.effective_model, self.session.selected_digit.vector, self.n_average, self.seed)

    def label_probs(self) -> np.ndarray | None:
        """Exact P(y|v) (n_labels,) of a labelled model for the selected (or drawn) digit, else None."""
        if self.problem() or not self.session.model.n_labels:
            return None
        return self.session.model.label_probs(np.asarray(self.session.selected_digit.vector, np.float32))[0]

    def units(self, ex: Explanation) -> np.ndarray:
        """The hidden units to show, in display order."""
        return shown_units(ex.probs, self.top_k or None, self.sort)

    def summary(self, ex: Explanation, units: np.ndarray) -> str:
        n = ex.rbm.n_hidden
        on = int((ex.probs >= self.threshold).sum())
        shown = "all units" if len(units) == n else f"the {len(units)} most probable units"
        return f"{on} of {n} hidden units have P(h=1|v) >= {self.threshold:g} (red borders); showing {shown}."

    def resample(self) -> None:
        self.seed += 1

    # ------------------------------------------------------------------ the comparison sheet
    def _on_gallery(self, gm) -> None:
        """Default sheet: the first digit of each class of the gallery's split (set when the data changes)."""
        key = (self.gallery.source(), self.gallery.split)
        if gm is None or key == self._default_of:
            return
        idx = first_of_each_class(gm.labels)
        if not len(idx):
            idx = np.arange(min(10, len(gm.digits)))
        self._default_of = key
        self._default = (gm.digits[idx].astype(np.float32), [f"#{i}" for i in idx])
        self.reset_sheet()

    def reset_sheet(self) -> None:
        if self._default is not None:
            self.sheet_captions = list(self._default[1])
            self.sheet_digits = self._default[0].copy()

    def add_selected(self) -> bool:
        d, digits = self.session.selected_digit, self.sheet_digits
        if d is None or (digits is not None and len(digits) >= MAX_SHEET_DIGITS):
            return False
        row = np.asarray(d.vector, dtype=np.float32).reshape(1, -1)
        if digits is None or digits.shape[1] != row.shape[1]:
            self.sheet_captions = [d.source]
            self.sheet_digits = row
        else:
            self.sheet_captions.append(d.source)
            self.sheet_digits = np.vstack([digits, row])
        return True

    def averages(self) -> np.ndarray | None:
        """(k, n_visible) float32 averaged reconstructions of the sheet's digits, or None."""
        model, digits = self.session.effective_model, self.sheet_digits
        if model is None or digits is None or not len(digits) or digits.shape[1] != model.n_visible:
            return None
        return averaged_sheet(model, digits, self.sheet_n, self.seed)

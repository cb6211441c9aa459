"""The digit gallery's state (Qt-free): which digits it lists (the session's data set, one split, a
label filter), loaded here with the training binarisation, and which one is picked."""

from __future__ import annotations

import numpy as np

from rbm_gui.app.observable import Prop, State
from rbm_gui.viz.gallery import GalleryModel, SelectedDigit


def load_split(source: str, split: str, threshold: int):
    """(bool digits (N, n_visible), labels or None, image shape) of one split, binarised as for training."""
    from rbm_gui.data import load_dataset
    ds = load_dataset(source, split)
    return ds.binarize(threshold).reshape(ds.n, -1), ds.labels, ds.image_shape


class GalleryState(State):
    """Which digits the gallery lists (the session's data set, one split, a label filter) and the pick."""

    split = Prop("test", "which split is browsed: 'test' or 'train'")
    label_filter = Prop(-1, "only digits of this label; -1: all")
    model = Prop(None, "viz.gallery.GalleryModel of the listed digits, or None")
    error = Prop("", "why nothing is listed (e.g. the split cannot be loaded)")

    def __init__(self, session, cols: int = 10, rows: int = 10, **values):
        super().__init__(**values)
        self.session, self.cols, self.rows = session, cols, rows
        self._cache: dict[tuple, tuple] = {}
        session.connect("data", lambda _d: self.reload())
        self.connect("split", lambda _s: self.reload())
        self.connect("label_filter", self._apply_filter)

    def source(self) -> tuple[str, int] | None:
        o = self.session.data_options
        return None if o is None or self.session.data is None else (o.source, int(o.threshold))

    def reload(self) -> None:
        src = self.source()
        if src is None:
            self.update(model=None, error="No data set.")
            return
        key = (*src, self.split)
        try:
            if key not in self._cache:
                self._cache = {k: v for k, v in self._cache.items() if k[:2] == src}
                self._cache[key] = load_split(src[0], self.split, src[1])
            digits, labels, shape = self._cache[key]
        except Exception as exc:      # DataError, OSError: said in the view, the window keeps going
            self.update(model=None, error=f"Cannot load the {self.split} digits: {exc}")
            return
        m = GalleryModel(digits, labels, shape, self.cols, self.rows)
        m.set_filter(None if self.label_filter < 0 or labels is None else self.label_filter)
        self.update(model=m, error="")
        self.pick()

    def _apply_filter(self, label: int) -> None:
        if self.model is not None:
            self.model.set_filter(None if label < 0 or self.model.labels is None else label)
            self._notify("model", self.model)
            self.pick()

    def selected(self) -> SelectedDigit | None:
        m = self.model
        i = None if m is None else m.selected_index
        if i is None:
            return None
        label = int(m.labels[i]) if m.labels is not None else None
        return SelectedDigit(m.digits[i].astype(np.float32), label, f"{self.split} #{i}", (self.split, i))

    def pick(self) -> None:
        """Make the gallery's selected digit the session's selected digit."""
        d = self.selected()
        if d is not None:
            self.session.selected_digit = d

    def select_position(self, position: int) -> bool:
        if self.model is not None and self.model.select_position(position):
            self.pick()
            return True
        return False

    def move(self, drow: int, dcol: int) -> bool:
        if self.model is not None and self.model.move(drow, dcol):
            self.pick()
            return True
        return False

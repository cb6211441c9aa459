"""Qt-free state of the digit gallery: which digits are listed, which one is selected, paging.

The gallery view draws ``page`` rows of ``cols`` digits as ONE mosaic image; this module decides
what is on it (label filter, scrolling, arrow-key moves), so it can be tested without Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rbm_gui.viz.mosaic import MosaicLayout


@dataclass(frozen=True)
class SelectedDigit:
    """The digit the explorer shows: what ``MainWindow.digitSelected`` carries.

    vector: (n_visible,) float32 in [0, 1]; label: 0..9 or None (drawn digits, unlabelled data);
    source: short text for the user ("test #17", "drawn"); key: (split, index) for data digits.
    """

    vector: np.ndarray
    label: int | None = None
    source: str = ""
    key: tuple[str, int] | None = None

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(digit)`` is the pixel vector (listeners may treat the signal as an image)."""
        return np.asarray(self.vector, dtype=dtype)


def first_of_each_class(labels: np.ndarray | None, n_classes: int = 10) -> np.ndarray:
    """Index of the first digit of each label present (label order); 0..9 when unlabelled."""
    if labels is None:
        return np.arange(0)
    labels = np.asarray(labels)
    out = [int(np.flatnonzero(labels == k)[0]) for k in range(n_classes) if np.any(labels == k)]
    return np.asarray(out, dtype=np.int64)


class GalleryModel:
    """Digits (N, n_visible) with optional labels, a label filter, a selection and a scroll position.

    ``position`` is the selected digit's place in the filtered list; ``first_row`` the top row shown.
    """

    def __init__(self, digits: np.ndarray, labels: np.ndarray | None, image_shape: tuple[int, int],
                 cols: int = 10, rows: int = 10):
        self.digits = digits
        self.labels = labels
        self.image_shape = tuple(image_shape)
        self.cols, self.rows = int(cols), int(rows)
        self.label_filter: int | None = None
        self.indices = np.arange(len(digits))
        self.position = 0
        self.first_row = 0

    # ------------------------------------------------------------------ filter
    def set_filter(self, label: int | None) -> None:
        """Show only digits of ``label`` (None = all); keeps the selected digit when it still shows."""
        current = self.selected_index
        self.label_filter = label
        if label is None or self.labels is None:
            self.indices = np.arange(len(self.digits))
        else:
            self.indices = np.flatnonzero(self.labels == label)
        hit = np.flatnonzero(self.indices == current) if current is not None else np.zeros(0)
        self.position = int(hit[0]) if len(hit) else 0
        self.first_row = 0
        self._scroll_to_selection()

    @property
    def count(self) -> int:
        return len(self.indices)

    @property
    def total_rows(self) -> int:
        return max(1, -(-self.count // self.cols))

    @property
    def max_first_row(self) -> int:
        return max(0, self.total_rows - self.rows)

    # ------------------------------------------------------------------ selection
    @property
    def selected_index(self) -> int | None:
        """Index of the selected digit in the data set, or None when nothing is listed."""
        return int(self.indices[self.position]) if self.count else None

    def select_position(self, position: int) -> bool:
        """Select the digit at ``position`` of the filtered list; False when out of range."""
        if not 0 <= position < self.count:
            return False
        self.position = int(position)
        self._scroll_to_selection()
        return True

    def select_index(self, index: int) -> bool:
        hit = np.flatnonzero(self.indices == index)
        return self.select_position(int(hit[0])) if len(hit) else False

    def move(self, drow: int, dcol: int) -> bool:
        """Arrow keys: move the selection. Up/Down past the first/last row stay put; longer jumps
        (Page Up/Down) and Left/Right stop at the ends of the list."""
        pos = self.position + drow * self.cols + dcol
        if abs(drow) == 1 and not 0 <= pos < self.count:
            return False
        pos = min(max(pos, 0), self.count - 1)
        if pos == self.position or self.count == 0:
            return False
        return self.select_position(pos)

    def scroll_to(self, first_row: int) -> None:
        self.first_row = int(min(max(first_row, 0), self.max_first_row))

    def _scroll_to_selection(self) -> None:
        row = self.position // self.cols
        if row < self.first_row:
            self.first_row = row
        elif row >= self.first_row + self.rows:
            self.first_row = row - self.rows + 1
        self.scroll_to(self.first_row)

    # ------------------------------------------------------------------ the visible page
    @property
    def layout(self) -> MosaicLayout:
        return MosaicLayout(self.cols * self.rows, self.cols, self.image_shape, 1)

    def page_positions(self) -> np.ndarray:
        """Positions (in the filtered list) of the digits on the visible page, row by row."""
        start = self.first_row * self.cols
        return np.arange(start, min(start + self.cols * self.rows, self.count))

    def page_tiles(self) -> np.ndarray:
        """(k, h, w) float32 digits of the visible page."""
        idx = self.indices[self.page_positions()]
        return self.digits[idx].reshape(-1, *self.image_shape).astype(np.float32)

    def position_at(self, y: float, x: float) -> int | None:
        """Filtered-list position of the digit under mosaic pixel (y, x), or None."""
        k = self.layout.tile_at(y, x)
        if k is None:
            return None
        pos = self.first_row * self.cols + k
        return pos if pos < self.count else None

    def tile_of_selection(self) -> int | None:
        """Tile number of the selected digit on the visible page, or None when scrolled away."""
        k = self.position - self.first_row * self.cols
        return k if self.count and 0 <= k < self.cols * self.rows else None

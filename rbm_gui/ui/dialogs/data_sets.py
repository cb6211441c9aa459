"""The data sets dialog: bundled and downloaded sets (and the one in use), switch sets, clear the cache."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from rbm_gui.ui.dialogs.download import human_bytes


class DataSetsDialog(QDialog):
    """Bundled and downloaded data sets with their size and origin; Clear cache."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Data sets")
        self.resize(820, 300)
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Data set", "Split", "Digits", "Size", "Origin"])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().hide()
        h = self.table.horizontalHeader()
        for col in range(4):
            h.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        h.setSectionResizeMode(4, QHeaderView.Stretch)
        lay.addWidget(self.table, 1)
        self.cache_label = QLabel()
        self.cache_label.setWordWrap(True)
        self.cache_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.cache_label)
        buttons = QHBoxLayout()
        self.download_button = QPushButton("Download full MNIST...")
        self.download_button.clicked.connect(lambda: window.data_menu.download())
        self.clear_button = QPushButton("Clear cache")
        self.clear_button.setToolTip("Delete the downloaded MNIST files (the bundled sample stays).")
        self.clear_button.clicked.connect(self.clear_cache)
        self.use_button = QPushButton("Use this set")
        self.use_button.setToolTip("Train on the selected data set (asks before a trained model is replaced).")
        self.use_button.clicked.connect(lambda: self.use_row(self.table.currentRow()))
        self.table.cellDoubleClicked.connect(lambda row, _col: self.use_row(row))
        self.table.currentCellChanged.connect(lambda *_: self._update_use_button())
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        window.session.connect("data_options", lambda _o: self.isVisible() and self.refresh())
        self.refresh()

    def _update_use_button(self) -> None:
        row = self.table.currentRow()
        ok = 0 <= row < len(self.sources) and self.sources[row].split == "train"
        self.use_button.setEnabled(ok and self.sources[row].spec != self.window.session.data_options.source)

    def use_row(self, row: int) -> bool:
        """Switch the window to the training set of ``row``; False when refused or not a training set."""
        if not 0 <= row < len(self.sources) or self.sources[row].split != "train":
            return False
        src = self.sources[row]
        ok = self.window.data_menu.select_source(src.spec, src.name)
        self.refresh()
        return ok

    def refresh(self) -> None:
        from rbm_gui.data import cache_dir, known_sources
        try:
            sources = known_sources()
        except Exception as exc:
            sources = []
            self.cache_label.setText(f"Cannot list the data sets: {exc}")
        current = self.window.session.data_options.source
        if current not in {s.spec for s in sources}:        # an IDX file of your own: list it too
            from types import SimpleNamespace
            d = self.window.session.data
            sources = [*sources, SimpleNamespace(name=d.name if d is not None else current, spec=current,
                                                 split="train", n_images=len(d.train) if d is not None else 0,
                                                 size_bytes=None, origin=current)]
        self.sources = sources
        self.table.setRowCount(len(sources))
        for row, s in enumerate(sources):
            name = s.name + ("  (in use)" if s.spec == current and s.split == "train" else "")
            for col, text in enumerate((name, s.split, f"{s.n_images:,}", human_bytes(s.size_bytes), s.origin)):
                item = QTableWidgetItem(text)
                if col in (2, 3):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
        downloaded = [s for s in sources if s.spec == "mnist"]
        try:
            leftovers = cache_dir().is_dir() and any(cache_dir().iterdir())
        except OSError:
            leftovers = False
        self.clear_button.setEnabled(bool(downloaded) or leftovers)
        size = sum(s.size_bytes for s in downloaded)
        self._update_use_button()
        self.cache_label.setText(f"Download cache: {cache_dir()}"
                                 + (f" ({human_bytes(size)})" if downloaded else " (empty)"))

    def clear_cache(self) -> bool:
        w = self.window
        if not w.confirm("Clear the download cache?",
                         "Delete the downloaded MNIST files? The bundled sample stays; "
                         "full MNIST can be downloaded again."):
            return False
        if w.session.data_options.source == "mnist":
            if not w.data_menu.select_source("mnist-sample", "MNIST sample (bundled, 5,000 training digits)"):
                w.show_message("The cache was kept: the full set is still in use.", error=True)
                return False
        from rbm_gui.data import clear_cache
        try:
            removed = clear_cache()
        except OSError as exc:
            w.show_message(f"Could not clear the cache: {exc}", error=True)
            self.refresh()
            return False
        w.data_menu.remove_source("mnist")
        w.show_message(f"Cleared the download cache ({len(removed)} files).")
        self.refresh()
        return True

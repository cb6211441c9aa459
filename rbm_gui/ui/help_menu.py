"""The Help menu (RBM primer, keyboard shortcuts, About) and the window icon.

``HelpMenu(window)`` adds the menu (the window keeps it as ``window.help_menu``); the dialogs are not modal
(``show()``), so tests and a running training never block on them. The texts are built by plain
functions (``primer_html``, ``shortcuts``, ``about_html``) that tests read directly.
"""

from __future__ import annotations

import platform

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QVBoxLayout, QAbstractItemView)

__all__ = ["MNIST_ATTRIBUTION", "about_html", "app_icon", "primer_html", "shortcuts",
           "versions"]

MNIST_ATTRIBUTION = ('Yann LeCun, Corinna Cortes and Christopher J. C. Burges, "The MNIST database of '
                     'handwritten digits"')
MNIST_LICENCE = "CC BY-SA 3.0"
MNIST_LICENCE_URL = "https://creativecommons.org/licenses/by-sa/3.0/"


def app_icon() -> QIcon:
    """The application icon with every PNG size and the SVG (empty if the files are missing)."""
    icon = QIcon()
    try:
        from rbm_gui.resources_paths import icon_paths
        for path in icon_paths():
            icon.addFile(str(path))
    except (OSError, ValueError):
        pass
    return icon


def versions() -> dict[str, str]:
    """Versions of rbm-gui and the libraries it runs on."""
    import numpy
    import PySide6
    from PySide6 import QtCore
    from rbm_gui import __version__
    try:
        import pyqtgraph
        pg = pyqtgraph.__version__
    except Exception:      # pragma: no cover - pyqtgraph is a dependency
        pg = "not installed"
    return {
        "rbm-gui": __version__,
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "numpy": numpy.__version__,
        "PySide6": PySide6.__version__,
        "Qt": QtCore.qVersion(),
        "pyqtgraph": pg,
        "Platform": f"{platform.system()} {platform.machine()}",
    }


def about_html() -> str:
    rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in versions().items())
    return (
        "<h2>rbm-gui</h2>"
        "<p>Train a Restricted Boltzmann Machine on handwritten digits and watch it learn. "
        "Grown out of the blog post <i>Restricted Boltzmann Machine: dreaming of numbers</i>. "
        "Licence: MIT.</p>"
        f"<table>{rows}</table>"
        "<h3>Data</h3>"
        f"<p>MNIST: {MNIST_ATTRIBUTION}, licensed under "
        f'<a href="{MNIST_LICENCE_URL}">{MNIST_LICENCE}</a>. A 5,000-digit sample of its training set and '
        "its 10,000 test digits are bundled with rbm-gui; the full set is downloaded on request from "
        "public mirrors and checked against the published MD5 checksums.</p>"
    )


def primer_html() -> str:
    """A short RBM primer: the model, the views, the math of CD-k (rich text)."""
    return """
<h2>A Restricted Boltzmann Machine in five minutes</h2>
<p>An RBM is a two-layer network: <b>visible units</b> <i>v</i> (the 28&times;28 = 784 pixels of a
binarised digit) and <b>hidden units</b> <i>h</i> (features it learns). Every visible unit is connected
to every hidden unit by a weight <i>W<sub>ij</sub></i>; there are no connections within a layer.
Each unit also has a bias: <i>b</i> for the visible, <i>c</i> for the hidden units.</p>

<h3>The math</h3>
<p><b>Energy</b> of a joint state, and the probability it defines:</p>
<p align="center"><i>E</i>(<i>v</i>, <i>h</i>) = &minus;<i>b</i><sup>T</sup><i>v</i> &minus;
<i>c</i><sup>T</sup><i>h</i> &minus; <i>v</i><sup>T</sup><i>W h</i>,&nbsp;&nbsp;&nbsp;
<i>P</i>(<i>v</i>, <i>h</i>) = e<sup>&minus;<i>E</i>(<i>v</i>,<i>h</i>)</sup> / <i>Z</i></p>
<p><b>Conditionals</b> (no links within a layer, so each layer factorises; &sigma;(x) = 1/(1+e<sup>&minus;x</sup>)):</p>
<p align="center"><i>P</i>(<i>h<sub>j</sub></i>=1 | <i>v</i>) = &sigma;(<i>c<sub>j</sub></i> +
&Sigma;<sub><i>i</i></sub> <i>v<sub>i</sub> W<sub>ij</sub></i>),&nbsp;&nbsp;&nbsp;
<i>P</i>(<i>v<sub>i</sub></i>=1 | <i>h</i>) = &sigma;(<i>b<sub>i</sub></i> +
&Sigma;<sub><i>j</i></sub> <i>W<sub>ij</sub> h<sub>j</sub></i>)</p>
<p><b>Contrastive divergence (CD-k).</b> Start a Gibbs chain at a data vector <i>v</i><sup>(0)</sup>,
alternate <i>h</i> ~ <i>P</i>(<i>h</i>|<i>v</i>) and <i>v</i> ~ <i>P</i>(<i>v</i>|<i>h</i>) <i>k</i>
times, and move the weights towards the data and away from the model's own fantasies:</p>
<p align="center">&Delta;<i>W</i> = &epsilon; (&lang;<i>v h</i><sup>T</sup>&rang;<sub>data</sub> &minus;
&lang;<i>v h</i><sup>T</sup>&rang;<sub>k</sub>),&nbsp;&nbsp;
&Delta;<i>b</i> = &epsilon; (&lang;<i>v</i>&rang;<sub>data</sub> &minus; &lang;<i>v</i>&rang;<sub>k</sub>),&nbsp;&nbsp;
&Delta;<i>c</i> = &epsilon; (&lang;<i>h</i>&rang;<sub>data</sub> &minus; &lang;<i>h</i>&rang;<sub>k</sub>)</p>
<p>averaged over a mini-batch, with learning rate &epsilon;, momentum and weight decay.
<b>Persistent CD</b> keeps the fantasy chains running between updates instead of restarting them at
the data; <b>centring</b> subtracts running means from <i>v</i> and <i>h</i>, which makes training
steadier.</p>

<h3>What the views show</h3>
<ul>
<li><b>Weights</b>: one tile per hidden unit, its 784 weights drawn as a 28&times;28 image (light =
positive, dark = negative). Early tiles look like noise; trained ones look like strokes and digit
parts. Tiles whose unit is likely on for the probe digit get a red border.</li>
<li><b>History</b>: the same tiles epoch by epoch, a film strip of features forming (the blog's
Figure 2).</li>
<li><b>Metrics</b>: reconstruction error, mean free energy of training and held-out digits (a growing
gap means over-fitting), pseudo- and (up to 20 hidden units) exact log-likelihood, the learning rate,
dead units and histograms of W, b and c. Metrics run beside training within a tenth of its time, so
fast training gets a point every few epochs; the last epoch always gets one.</li>
<li><b>Reconstruct</b>: a digit, <i>P</i>(<i>h</i>|<i>v</i>), and the digit the model
rebuilds from it.</li>
<li><b>Dream</b>: long Gibbs chains &mdash; what the model imagines when left alone.</li>
</ul>
<p>Start with the bundled sample and the blog presets (10, 20 or 400 hidden units), press
<b>Train</b>, and watch the Weights tab.</p>
"""


def shortcuts(window) -> list[tuple[str, str]]:
    """(action text, shortcut) for every action of the window that has a shortcut, sorted by text."""
    seen, out = set(), []
    for action in window.findChildren(QAction):
        keys = [k.toString(QKeySequence.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        text = action.text().replace("&", "").rstrip(".").strip()
        if not keys or not text or (text, keys[0]) in seen:
            continue
        seen.add((text, keys[0]))
        out.append((text, ", ".join(keys)))
    return sorted(out, key=lambda t: t[0].lower())


class _TextDialog(QDialog):
    def __init__(self, parent, title: str, html: str, size=(640, 620)):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(*size)
        lay = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(html)
        lay.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


class ShortcutsDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(420, 440)
        lay = QVBoxLayout(self)
        rows = shortcuts(window)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        for r, (text, keys) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(text))
            self.table.setItem(r, 1, QTableWidgetItem(keys))
        lay.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


class AboutDialog(_TextDialog):
    def __init__(self, window):
        super().__init__(window, "About rbm-gui", about_html(), (560, 520))
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        row = QHBoxLayout()
        row.addWidget(icon, 0, Qt.AlignTop)
        lay = self.layout()
        lay.insertLayout(0, row)


class HelpMenu(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.dialogs: dict[str, QDialog] = {}
        self.act_primer = QAction("RBM primer", window)
        self.act_primer.setShortcut(QKeySequence.HelpContents)
        self.act_primer.setStatusTip("What an RBM is, what each view shows, and the math of CD-k.")
        self.act_primer.triggered.connect(lambda checked=False: self.show_primer())
        self.act_shortcuts = QAction("Keyboard shortcuts", window)
        self.act_shortcuts.triggered.connect(lambda checked=False: self.show_shortcuts())
        self.act_about = QAction("About rbm-gui", window)
        self.act_about.setMenuRole(QAction.AboutRole)
        self.act_about.triggered.connect(lambda checked=False: self.show_about())
        menu = window.menuBar().addMenu("&Help")
        menu.addAction(self.act_primer)
        menu.addAction(self.act_shortcuts)
        menu.addSeparator()
        menu.addAction(self.act_about)
        self.menu = menu

    def _show(self, key: str, make) -> QDialog:
        dlg = self.dialogs.get(key)
        if dlg is None or key == "shortcuts":     # shortcuts: rebuilt, later features add actions
            if dlg is not None:
                dlg.deleteLater()
            dlg = self.dialogs[key] = make()
        dlg.show()
        dlg.raise_()
        return dlg

    def show_primer(self) -> QDialog:
        return self._show("primer", lambda: _TextDialog(self.window, "RBM primer", primer_html(), (680, 700)))

    def show_shortcuts(self) -> QDialog:
        return self._show("shortcuts", lambda: ShortcutsDialog(self.window))

    def show_about(self) -> QDialog:
        return self._show("about", lambda: AboutDialog(self.window))

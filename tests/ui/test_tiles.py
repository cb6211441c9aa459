"""Qt-free helpers of the views (tiles, registry), tested without a QApplication."""

import subprocess
import sys

import numpy as np

from rbm_gui.app.progress import format_duration
from rbm_gui.viz import tiles


def test_session_and_tiles_modules_do_not_import_qt():
    code = ("import sys, rbm_gui.app.session, rbm_gui.viz.tiles, rbm_gui.ui.registry; "
            "assert not any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules), 'Qt imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_symmetric_scaling_maps_zero_to_mid_grey_and_keeps_separators_distinct():
    t = np.array([[[-2.0, 0.0], [1.0, 2.0]]], dtype=np.float32)
    u = tiles.scale_symmetric(t)
    assert u[0, 0, 0] == 0 and u[0, 0, 1] == 127 and u[0, 1, 1] == 254
    assert tiles.scale_symmetric(t * 0).max() == 127       # all-zero tile: no division by zero
    per = tiles.scale_symmetric(np.stack([t[0], t[0] * 10]), per_tile=True)
    assert (per[0] == per[1]).all()
    lut = tiles.lookup_table()
    assert tuple(lut[tiles.SEPARATOR]) == tiles.SEPARATOR_RGB and lut[254].tolist() == [0, 0, 0]   # positive weights dark (viz.picture)


def test_label_band_layout_hit_tests_band_and_image_to_the_same_unit():
    lay = tiles.tile_layout(10, (28, 28), band=9)
    for k in range(10):
        x, y, w, h = tiles.image_rect(lay, k, 9)
        assert lay.tile_at(y + h // 2, x + w // 2) == k
        assert lay.tile_at(y - 5, x + 3) == k          # in the label band above the image
    assert format_duration(75) == "1:15" and format_duration(float("inf")) == "--"

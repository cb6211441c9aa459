"""The Qt-free session: what the window shows, tested without a QApplication."""

import subprocess
import sys

import numpy as np

from rbm_gui.config import TrainingConfig
from rbm_gui.ui.state import DataOptions, Session, format_duration
from rbm_gui.ui import tiles


def small_session(**cfg):
    s = Session(TrainingConfig(n_hidden=cfg.pop("n_hidden", 8), epochs=2, **cfg), DataOptions(max_train=200, n_val=50))
    s.load_data()
    s.new_model()
    return s


def test_state_and_tiles_modules_do_not_import_qt():
    code = ("import sys, rbm_gui.ui.state, rbm_gui.ui.tiles, rbm_gui.ui.registry; "
            "assert not any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules), 'Qt imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_new_model_records_the_starting_tiles_and_subset_sizes():
    s = small_session()
    assert s.data.train.shape == (200, 784) and s.data.held_out.shape == (50, 784)
    assert s.epochs_done == 0 and len(s.weight_history) == 1
    assert s.weight_history[0].shape == (784, 8)


def test_saved_model_round_trip_keeps_parameters_history_and_settings():
    s = small_session(learning_rate=0.02)
    t = s.ensure_trainer()
    t.run_epoch()
    s.record_epoch(1, {"recon_mse_train": 0.1, "learning_rate": 0.02}, s.tracked_weights(s.rbm.W))
    saved = s.to_saved_model()
    other = Session()
    other.load_saved(saved, "x.npz")
    np.testing.assert_array_equal(other.rbm.W, s.rbm.W)
    assert other.epochs_done == 1 and other.config.learning_rate == 0.02 and other.config.n_hidden == 8
    assert other.history["recon_mse_train"] == [0.1]
    assert len(other.weight_history) == 2


def test_trainer_is_rebuilt_when_batch_size_changes_and_keeps_the_epoch():
    s = small_session()
    t = s.ensure_trainer()
    t.run_epoch()
    s.epochs_done = 1
    s.config = s.config.replace(batch_size=s.config.batch_size + 7)
    t2 = s.ensure_trainer()
    assert t2 is not t and t2.batch_size == t.batch_size + 7 and t2.epoch == 1 and t2.rbm is s.rbm


def test_symmetric_scaling_maps_zero_to_mid_grey_and_keeps_separators_distinct():
    t = np.array([[[-2.0, 0.0], [1.0, 2.0]]], dtype=np.float32)
    u = tiles.scale_symmetric(t)
    assert u[0, 0, 0] == 0 and u[0, 0, 1] == 127 and u[0, 1, 1] == 254
    assert tiles.scale_symmetric(t * 0).max() == 127       # all-zero tile: no division by zero
    per = tiles.scale_symmetric(np.stack([t[0], t[0] * 10]), per_tile=True)
    assert (per[0] == per[1]).all()
    lut = tiles.lookup_table()
    assert tuple(lut[tiles.SEPARATOR]) == tiles.SEPARATOR_RGB and lut[254].tolist() == [0, 0, 0]   # positive: dark


def test_label_band_layout_hit_tests_band_and_image_to_the_same_unit():
    lay = tiles.tile_layout(10, (28, 28), band=9)
    for k in range(10):
        x, y, w, h = tiles.image_rect(lay, k, 9)
        assert lay.tile_at(y + h // 2, x + w // 2) == k
        assert lay.tile_at(y - 5, x + 3) == k          # in the label band above the image
    assert format_duration(75) == "1:15" and format_duration(float("inf")) == "--"

"""viz/tint.py: the dream mosaic's clamped pixels tinted in every tile, the rest grey."""

import numpy as np

from rbm_gui.viz.mosaic import MosaicLayout, mosaic
from rbm_gui.viz.tint import tiled_mask, tint_table, tinted_rgba


def test_the_mask_is_tinted_in_every_tile_and_the_other_pixels_stay_grey():
    rng = np.random.default_rng(0)
    tiles = rng.integers(0, 256, (6, 4, 5)).astype(np.uint8)
    frame = mosaic(tiles, cols=3, pad=1, fill=255)
    layout = MosaicLayout(n=6, cols=3, pad=1, tile_shape=(4, 5))
    mask = np.zeros((4, 5), bool)
    mask[:2] = True                                          # the top half of each tile
    on = tiled_mask(mask, layout)
    assert on.shape == frame.shape and on.sum() == 6 * mask.sum()
    table = tint_table((0, 0, 255, 255))                     # an opaque blue tint
    rgba = tinted_rgba(frame, on, table)
    np.testing.assert_array_equal(rgba[on], np.tile([0, 0, 255, 255], (on.sum(), 1)))
    np.testing.assert_array_equal(rgba[~on][:, :3], np.repeat(frame[~on][:, None], 3, axis=1))
    np.testing.assert_array_equal(tinted_rgba(frame, None, table)[..., 0], frame)
    assert tiled_mask(np.ones((3, 3), bool), layout) is None       # a mask of another size: no tint

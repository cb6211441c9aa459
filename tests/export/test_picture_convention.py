"""One picture convention: a known weight and a known digit come out with the same polarity on every path.

Digits are ink (1 -> black on white paper), positive weights are dark, negative light, zero mid grey
(rbm_gui.viz.picture, the blog's figures). Each path below is the code a view or an export draws with.
"""

import numpy as np

from rbm_gui.engine.rbm import RBM
from rbm_gui.io.export import compose_frame
from rbm_gui.io.gif import gif_greys
from rbm_gui.viz import figures, tiles
from rbm_gui.viz.picture import PICTURE, ink_display, ink_grey, weight_grey

POS, NEG, INK = (5, 6), (20, 21), (14, 14)     # pixels (row, column) of a 28 x 28 image


def known_model():
    """Unit 0 has +1 at POS, -1 at NEG, 0 elsewhere (the other units are zero)."""
    W = np.zeros((784, 3), np.float32)
    W[POS[0] * 28 + POS[1], 0] = 1.0
    W[NEG[0] * 28 + NEG[1], 0] = -1.0
    return RBM(W, np.zeros(784, np.float32), np.zeros(3, np.float32), (28, 28))


def known_digit():
    d = np.zeros((28, 28), np.float32)
    d[INK] = 1.0
    return d


def assert_weight_polarity(tile_grey, where):
    """tile_grey: (28, 28) display greys (0 black .. 255 white) of unit 0."""
    assert tile_grey[POS] < 40, f"{where}: a positive weight must be dark, got {tile_grey[POS]}"
    assert tile_grey[NEG] > 215, f"{where}: a negative weight must be light, got {tile_grey[NEG]}"
    assert 100 < tile_grey[0, 0] < 155, f"{where}: a zero weight must be mid grey, got {tile_grey[0, 0]}"


def assert_digit_polarity(grey, where):
    assert grey[INK] < 40, f"{where}: ink must be dark, got {grey[INK]}"
    assert grey[0, 0] > 215, f"{where}: paper must be light, got {grey[0, 0]}"


def test_the_convention_is_the_blogs():
    assert PICTURE.ink_dark and PICTURE.positive_dark


def test_weights_have_one_polarity_everywhere(qapp):
    rbm = known_model()
    # exported weights figure (Figure 5) and the reconstruction sheet's unit tiles (Figure 3)
    fig = figures.weights_figure(rbm.W, (28, 28), scale=1)
    t = fig.tiles_of("weight")[0]
    assert_weight_polarity(fig.rgb[t.y:t.y + 28, t.x:t.x + 28, 0], "weights figure")
    sheet = figures.reconstruction_figure(rbm, known_digit().reshape(1, -1), np.random.default_rng(0), scale=1)
    u = [t for t in sheet.tiles_of("unit") if t.unit == 0][0]
    assert_weight_polarity(sheet.rgb[u.y:u.y + 28, u.x:u.x + 28, 0], "reconstruction figure")
    # the Weights tab's live mosaic (uint8 codes drawn through the lookup table; the big tile too)
    layout = tiles.tile_layout(3, (28, 28))
    rgb = tiles.lookup_table()[tiles.weight_mosaic(rbm.W, (28, 28), layout)]
    x, y, w, h = tiles.image_rect(layout, 0)
    assert_weight_polarity(rgb[y:y + h, x:x + w, 0], "Weights tab mosaic")
    # the History tab
    from rbm_gui.ui.views.history_view import MARGIN_LEFT, MARGIN_TOP, history_image
    img = history_image([rbm.W], (28, 28), np.array([0]), np.array([0]), zoom=1)
    ptr = img.constBits()
    argb = np.frombuffer(ptr, np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine() // 4, 4)
    assert_weight_polarity(argb[MARGIN_TOP:MARGIN_TOP + 28, MARGIN_LEFT:MARGIN_LEFT + 28, 0], "History tab")
    # the Reconstruct tab's unit tiles
    assert_weight_polarity(weight_grey(rbm.W[:, 0].reshape(28, 28)), "Reconstruct tab unit tiles")


def test_digits_have_one_polarity_everywhere():
    rbm, d = known_model(), known_digit()
    sheet = figures.reconstruction_figure(rbm, d.reshape(1, -1), np.random.default_rng(0), scale=1)
    t = sheet.tiles_of("input")[0]
    assert_digit_polarity(sheet.rgb[t.y:t.y + 28, t.x:t.x + 28, 0], "reconstruction figure input")
    avg = figures.averages_figure(rbm, d.reshape(1, -1), n_samples=2, rng=np.random.default_rng(0), scale=1)
    t = avg.tiles_of("input")[0]
    assert_digit_polarity(avg.rgb[t.y:t.y + 28, t.x:t.x + 28, 0], "averages figure")
    # the Weights tab's probe and the Reconstruct tab draw floats with levels (0, 1)
    assert_digit_polarity(np.rint(255 * ink_display(d)).astype(np.uint8), "probe / Reconstruct tab")
    assert_digit_polarity(ink_grey(d), "ink_grey")
    # the Dream tab and exported frames (MP4/PNG exactly, GIF through its palette)
    frame = compose_frame(d[None], scale=1, cols=1)
    assert_digit_polarity(frame, "dream frame")
    assert_digit_polarity(next(gif_greys([frame])), "GIF frame")


def test_a_unit_that_likes_a_digit_looks_like_it():
    """Same polarity for both: weights equal to a digit's ink draw that digit the same way round."""
    d = known_digit()
    unit = weight_grey(d - 0.5)        # +0.5 where the ink is, -0.5 on the paper
    digit = ink_grey(d)
    assert (unit < 128).tolist() == (digit < 128).tolist()

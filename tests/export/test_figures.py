"""Figure layouts: tile counts, exact red-border pixels, SVG structure, PNG round trip."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from rbm_gui.viz.draw import ink_grey, upscale, weight_grey
from rbm_gui.viz.figures import (ACTIVE_COLOUR, Figure, averages_figure, history_figure, reconstruction_figure,
                                 save_figure, weights_figure)
from rbm_gui.viz.mosaic import weight_tiles

SVG = "{http://www.w3.org/2000/svg}"


def ring_mask(shape, borders):
    m = np.zeros(shape[:2], dtype=bool)
    for b in borders:
        d = b.width
        m[b.y - d:b.y + b.h + d, b.x - d:b.x + b.w + d] = True
        m[b.y:b.y + b.h, b.x:b.x + b.w] = False
    return m


@pytest.fixture(scope="module")
def inputs(test_digits):
    images, _ = test_digits
    return images[:10].reshape(10, -1) >= 128


def test_reconstruction_sheet_tiles_and_red_borders(rbm10, inputs):
    fig = reconstruction_figure(rbm10, inputs, np.random.default_rng(0), threshold=0.5, scale=3)
    rgb = fig.rgb
    assert rgb.dtype == np.uint8 and rgb.shape == (fig.height, fig.width, 3)
    assert len(fig.tiles_of("input")) == len(fig.tiles_of("reconstruction")) == 10
    units = fig.tiles_of("unit")
    assert len(units) == 10 * 10 and len(fig.tiles) == 120
    p = rbm10.hidden_probs(inputs)
    for t in units:
        assert t.value == pytest.approx(float(p[t.row, t.unit]))
        assert np.array_equal(rgb[t.y:t.y + t.h, t.x:t.x + t.w, 0], upscale(t.image, 3))
    expected_active = {(r, j) for r in range(10) for j in range(10) if p[r, j] >= 0.5}
    assert 10 < len(expected_active) < 90            # the fixture model gives both kinds
    assert set(fig.active) == expected_active
    red = np.all(rgb == ACTIVE_COLOUR, axis=2)
    want = ring_mask(rgb.shape, [b for b in fig.borders if b.active])
    assert np.array_equal(red, want)                  # red exactly around the likely-active units
    black_ring = ring_mask(rgb.shape, [b for b in fig.borders if not b.active])
    assert np.all(rgb[black_ring] == 0)
    # inputs drawn as ink
    t0 = fig.tiles_of("input")[0]
    assert np.array_equal(t0.image, ink_grey(inputs[0].reshape(28, 28).astype(np.float32)))
    # the probabilities printed above the units
    assert sum(lab.text == f"{p[0, 0]:.4f}" for lab in fig.labels) >= 1
    assert len(fig.labels) == 100


def test_reconstruction_threshold_and_top_k(rbm10, inputs, test_digits):
    fig = reconstruction_figure(rbm10, inputs[:3], np.random.default_rng(0), threshold=0.99, top_k=4, scale=1)
    assert len(fig.tiles_of("unit")) == 12
    p = rbm10.hidden_probs(inputs[:3])
    for r in range(3):
        shown = [t.unit for t in fig.tiles_of("unit") if t.row == r]
        assert shown == list(np.argsort(-p[r], kind="stable")[:4])
    assert set(fig.active) == {(t.row, t.unit) for t in fig.tiles_of("unit") if t.value >= 0.99}
    assert np.array_equal(np.all(fig.rgb == ACTIVE_COLOUR, axis=2),
                          ring_mask(fig.rgb.shape, [b for b in fig.borders if b.active]))


def test_weights_figure_layout(rbm10):
    fig = weights_figure(rbm10.W, (28, 28), cols=5, scale=2)
    assert len(fig.tiles) == 10
    assert {(t.row, t.col) for t in fig.tiles} == {(r, c) for r in range(2) for c in range(5)}
    grey = weight_grey(weight_tiles(rbm10.W, (28, 28)))
    for t in fig.tiles:
        assert np.array_equal(t.image, grey[t.unit])
        assert np.array_equal(fig.rgb[t.y:t.y + t.h, t.x:t.x + t.w, 1], upscale(grey[t.unit], 2))
    # separators are white, and the range is symmetric: zero weight -> mid grey
    a, b = fig.tiles[0], fig.tiles[1]
    assert np.all(fig.rgb[a.y:a.y + a.h, a.x + a.w:b.x] == 255)
    assert weight_grey(np.array([[[-1.0, 0.0, 1.0]]]))[0, 0].tolist() == [255, 128, 0]
    assert len(weights_figure(np.zeros((784, 400)), (28, 28), scale=1).tiles) == 400


def test_history_figure_rows_are_epochs(rbm10):
    rng = np.random.default_rng(0)
    hist = np.stack([rbm10.W * a + rng.normal(0, 0.01, rbm10.W.shape) for a in (0, 0.5, 1)]).astype(np.float32)
    fig = history_figure(hist, (28, 28), scale=1)
    assert len(fig.tiles) == 3 * 10
    assert [lab.text for lab in fig.labels] == ["epoch 0", "epoch 1", "epoch 2"]
    for t in fig.tiles:
        assert t.col == t.unit
        assert np.array_equal(t.image, weight_grey(weight_tiles(hist[t.row], (28, 28), [t.unit]), per_tile=True)[0])
    rows = sorted({t.y for t in fig.tiles})
    assert len(rows) == 3
    fig2 = history_figure(np.zeros((2, 784, 400), np.float32), (28, 28), scale=1, units=[5, 7, 9])
    assert len(fig2.tiles) == 6 and {t.unit for t in fig2.tiles} == {5, 7, 9}
    with pytest.raises(ValueError, match="visible units"):
        history_figure(hist, (20, 20))


def test_averages_figure(rbm10, inputs):
    fig = averages_figure(rbm10, inputs[:6], n_samples=50, rng=np.random.default_rng(0), scale=2)
    assert len(fig.tiles_of("input")) == len(fig.tiles_of("average")) == 6
    top, bottom = fig.tiles_of("input")[0], fig.tiles_of("average")[0]
    assert top.x == bottom.x and bottom.y > top.y + top.h
    avg = rbm10.averaged_reconstruction(inputs[:6], 50, np.random.default_rng(0))
    assert np.array_equal(bottom.image, ink_grey(avg[0].reshape(28, 28)))


def test_png_and_svg_files(tmp_path, rbm10, inputs):
    fig = reconstruction_figure(rbm10, inputs[:4], np.random.default_rng(1), scale=2)
    png = save_figure(fig, tmp_path / "sheet.png")
    assert np.array_equal(np.asarray(Image.open(png).convert("RGB")), fig.rgb)
    svg = save_figure(fig, tmp_path / "sheet.svg")
    root = ET.parse(svg).getroot()
    assert root.tag == SVG + "svg" and int(root.get("width")) == fig.width
    rects = root.iter(SVG + "rect")
    classes = [r.get("class") for r in rects]
    assert classes.count("border active") == len(fig.active)
    assert classes.count("border") == len(fig.borders) - len(fig.active)
    reds = [r for r in root.iter(SVG + "rect") if r.get("stroke") == "#ff0000"]
    assert len(reds) == len(fig.active)
    assert len(list(root.iter(SVG + "image"))) == len(fig.tiles) == 4 * 12
    assert len(list(root.iter(SVG + "text"))) == 40
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.png", "sheet.svg"]


def test_save_figure_errors_and_plain_arrays(tmp_path):
    arr = np.zeros((5, 7, 3), np.uint8)
    save_figure(arr, tmp_path / "a.png")
    assert Image.open(tmp_path / "a.png").size == (7, 5)
    save_figure(arr, tmp_path / "a.svg")
    ET.parse(tmp_path / "a.svg")
    with pytest.raises(ValueError, match=".png or .svg"):
        save_figure(arr, tmp_path / "a.jpg")
    with pytest.raises(OSError):
        save_figure(arr, tmp_path / "missing" / "a.png")
    assert isinstance(Figure(1, 1).rgb, np.ndarray)

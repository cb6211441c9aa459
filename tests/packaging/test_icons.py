"""The application icon: SVG + PNG sizes, found through rbm_gui.resources_paths (Qt-free)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from rbm_gui.resources_paths import ICON_SIZES, icon_path, icon_paths


def test_svg_is_square_xml():
    root = ET.parse(icon_path()).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 256 256"


@pytest.mark.parametrize("size", ICON_SIZES)
def test_png_sizes(size):
    path = icon_path(size)
    assert path.name == f"rbm-gui-{size}.png"
    with Image.open(path) as im:
        assert im.size == (size, size)
        assert im.mode == "RGBA"
        # not blank: the selected tile's red border is there at every size
        a = np.asarray(im.convert("RGBA")).reshape(-1, 4).astype(int)
        reds = (a[:, 3] > 200) & (a[:, 0] > 180) & (a[:, 1] < 110) & (a[:, 2] < 110)
        assert reds.any()


def test_icon_path_picks_next_size_up():
    assert icon_path(1).name == "rbm-gui-16.png"
    assert icon_path(20).name == "rbm-gui-32.png"
    assert icon_path(4096).name == "rbm-gui-256.png"
    assert [p.suffix for p in icon_paths()] == [".png"] * len(ICON_SIZES) + [".svg"]


@pytest.mark.parametrize("bad", [0, -3, 1.5, "32", True])
def test_icon_path_rejects_bad_sizes(bad):
    with pytest.raises(ValueError):
        icon_path(bad)

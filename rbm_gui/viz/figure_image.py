"""A figure as a layout of tiles, borders and labels, and its rendering: pixels, vector SVG, files.

The builders in :mod:`rbm_gui.viz.figures` return a :class:`Figure`; ``.rgb`` renders it (numpy +
Pillow), ``.to_svg()`` writes a real vector SVG (each tile an embedded base64 PNG drawn with crisp
pixels, borders as ``<rect>``, labels as ``<text>``) and :func:`save_figure` writes either,
atomically. Tile greys follow :mod:`rbm_gui.viz.picture`.
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from rbm_gui.io.atomic import atomic_path
from rbm_gui.viz.draw import font, upscale

__all__ = ["ACTIVE_COLOUR", "BACKGROUND", "Border", "FIGURE_FORMATS", "Figure", "INACTIVE_COLOUR", "Label",
           "TEXT_COLOUR", "Tile", "save_figure"]

ACTIVE_COLOUR = (255, 0, 0)      # the red border of a likely-active unit (nothing else uses pure red)
INACTIVE_COLOUR = (0, 0, 0)
BACKGROUND = (255, 255, 255)
TEXT_COLOUR = (0, 0, 0)


@dataclass
class Tile:
    """One image placed at (x, y) (top-left, pixels) of size (w, h) = source shape * scale."""

    x: int
    y: int
    image: np.ndarray            # uint8 grey, source resolution (h0, w0)
    scale: int
    kind: str                    # "weight", "history", "input", "reconstruction", "unit", "average"
    row: int = 0
    col: int = 0
    unit: int | None = None      # hidden unit index for weight/unit/history tiles
    value: float | None = None   # P(h=1|v) for "unit" tiles

    @property
    def w(self) -> int:
        return self.image.shape[1] * self.scale

    @property
    def h(self) -> int:
        return self.image.shape[0] * self.scale

    @property
    def rect(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)


@dataclass
class Border:
    """A frame of ``width`` pixels drawn just OUTSIDE the rectangle (x, y, w, h) of a tile."""

    x: int
    y: int
    w: int
    h: int
    width: int
    colour: tuple[int, int, int]
    active: bool
    row: int = 0
    unit: int | None = None


@dataclass
class Label:
    """Text anchored at (x, y): ``anchor`` is Pillow's two-letter anchor ("mb" = middle/bottom...)."""

    x: float
    y: float
    text: str
    size: int
    anchor: str = "mb"


@dataclass
class Figure:
    width: int
    height: int
    tiles: list[Tile] = field(default_factory=list)
    borders: list[Border] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    kind: str = ""
    _rgb: np.ndarray | None = field(default=None, repr=False)

    @property
    def active(self) -> list[tuple[int, int]]:
        """(row, unit) of every red-bordered unit tile."""
        return [(b.row, b.unit) for b in self.borders if b.active]

    def tiles_of(self, kind: str) -> list[Tile]:
        return [t for t in self.tiles if t.kind == kind]

    @property
    def rgb(self) -> np.ndarray:
        """The rendered figure, (height, width, 3) uint8."""
        if self._rgb is None:
            self._rgb = self._render()
        return self._rgb

    def _render(self) -> np.ndarray:
        out = np.empty((self.height, self.width, 3), dtype=np.uint8)
        out[...] = BACKGROUND
        for t in self.tiles:
            out[t.y:t.y + t.h, t.x:t.x + t.w] = upscale(t.image, t.scale)[..., None]
        for b in self.borders:
            d = b.width
            y0, y1, x0, x1 = b.y - d, b.y + b.h + d, b.x - d, b.x + b.w + d
            out[y0:b.y, x0:x1] = b.colour
            out[b.y + b.h:y1, x0:x1] = b.colour
            out[b.y:b.y + b.h, x0:b.x] = b.colour
            out[b.y:b.y + b.h, b.x + b.w:x1] = b.colour
        if self.labels:
            from PIL import Image, ImageDraw
            im = Image.fromarray(out)
            draw = ImageDraw.Draw(im)
            for lab in self.labels:
                draw.text((lab.x, lab.y), lab.text, fill=TEXT_COLOUR, font=font(lab.size), anchor=lab.anchor)
            out = np.asarray(im).copy()
        return out

    def to_svg(self) -> str:
        """A vector SVG of the same layout: tiles as embedded PNGs, borders as rects, labels as text."""
        from PIL import Image
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{self.width}" height="{self.height}" viewBox="0 0 {self.width} {self.height}">',
            f'<rect class="background" x="0" y="0" width="{self.width}" height="{self.height}" fill="#ffffff"/>',
            '<g class="tiles" style="image-rendering:pixelated;image-rendering:crisp-edges">',
        ]
        for t in self.tiles:
            buf = io.BytesIO()
            Image.fromarray(t.image).save(buf, format="PNG")
            data = base64.b64encode(buf.getvalue()).decode("ascii")
            attrs = f' data-unit="{t.unit}"' if t.unit is not None else ""
            parts.append(f'<image class="{t.kind}"{attrs} x="{t.x}" y="{t.y}" width="{t.w}" height="{t.h}" '
                         f'preserveAspectRatio="none" image-rendering="pixelated" '
                         f'href="data:image/png;base64,{data}" xlink:href="data:image/png;base64,{data}"/>')
        parts.append("</g>")
        parts.append('<g class="borders" fill="none">')
        for b in self.borders:
            half = b.width / 2
            colour = "#%02x%02x%02x" % b.colour
            cls = "border active" if b.active else "border"
            parts.append(f'<rect class="{cls}" x="{b.x - half:g}" y="{b.y - half:g}" width="{b.w + b.width:g}" '
                         f'height="{b.h + b.width:g}" stroke="{colour}" stroke-width="{b.width}"/>')
        parts.append("</g>")
        parts.append('<g class="labels" font-family="DejaVu Sans, Arial, sans-serif" fill="#000000">')
        for lab in self.labels:
            anchor = {"l": "start", "m": "middle", "r": "end"}[lab.anchor[0]]
            baseline = {"t": "hanging", "m": "central", "b": "text-after-edge", "s": "alphabetic"}.get(
                lab.anchor[1], "alphabetic")
            parts.append(f'<text x="{lab.x:g}" y="{lab.y:g}" font-size="{lab.size}" text-anchor="{anchor}" '
                         f'dominant-baseline="{baseline}">{escape(lab.text)}</text>')
        parts.append("</g>")
        parts.append("</svg>")
        return "\n".join(parts) + "\n"


# ------------------------------------------------------------------------------------------ saving
FIGURE_FORMATS = (".png", ".svg")


def save_figure(figure, path: str | os.PathLike) -> Path:
    """Write a :class:`Figure` (or an RGB/grey uint8 array) as ``.png`` or ``.svg``; returns the path.

    SVG of a plain array embeds it as one image. Written atomically (no partial file on failure).
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in FIGURE_FORMATS:
        raise ValueError(f"cannot save a figure as {path.name!r}: use a name ending in .png or .svg")
    if not path.parent.is_dir():
        raise OSError(f"folder {path.parent} does not exist")
    if isinstance(figure, Figure):
        rgb = figure.rgb
        svg = figure.to_svg if ext == ".svg" else None
    else:
        rgb = np.asarray(figure)
        if rgb.dtype != np.uint8 or rgb.ndim not in (2, 3):
            raise ValueError(f"expected a Figure or a uint8 image, got {rgb.dtype} {rgb.shape}")
        svg = (lambda: _bitmap_svg(rgb)) if ext == ".svg" else None
    with atomic_path(path) as tmp:
        if ext == ".png":
            from PIL import Image
            Image.fromarray(rgb).save(tmp, format="PNG", optimize=False)
        else:
            tmp.write_text(svg(), encoding="utf-8")
    return path


def _bitmap_svg(arr: np.ndarray) -> str:
    """An SVG holding one bitmap (for callers that only have pixels)."""
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    h, w = arr.shape[:2]
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink" width="{w}" height="{h}" viewBox="0 0 {w} {h}">\n'
            f'<image x="0" y="0" width="{w}" height="{h}" href="data:image/png;base64,{data}" '
            f'xlink:href="data:image/png;base64,{data}"/>\n</svg>\n')

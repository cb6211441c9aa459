"""Streamed animated-GIF writing for the dream exports: small files, constant memory, every frame kept.

Why not ``Image.save(save_all=True)``: it holds all frames in memory and merges identical
consecutive frames (changing the frame count). Frames here are written one by one with Pillow's
frame encoder (its LZW), each as the rectangle that changed since the previous frame with the
unchanged pixels transparent, so still parts of the picture cost almost nothing.

The size of a dream GIF is decided by how many upscaled pixels change per step: a chain's visible
probabilities move by a few greys on most pixels every step (the faint halo around the strokes
flickers), and at scale 8 each changed pixel is 64 pixels of LZW input. COMPACT greys (the default)
draw 32 grey levels, finely spaced near white (:func:`compact_palette`), and redraw a pixel only
when it matters to the eye: at once when the shown grey has more than ``EXCESS_INK`` (6 of 255) too
much ink (no stale ink, no ghosts of earlier digits on the white paper), but only when it lacks more
than ``MISSING_INK`` (24 of 255) — faint ink arriving a few frames late is not seen in a moving
picture, stale ink is. Full black and blank paper are always exact. 1,000 steps of 8 chains at
scale 8 from a noisy 100-unit model: 55.8 MB with every grey, 13.8 MB compact (a model trained
with the defaults: 1.5 MB); side by side, only the faint halo around the strokes differs, a little
more speckled. ``exact=True`` keeps all 256 greys and every change (decoded frames equal the
composed frames).

:func:`gif_greys` gives the greys a decoder shows for a sequence of frames (the reference for tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

__all__ = ["COMPACT_LEVELS", "EXCESS_INK", "MISSING_INK", "GifWriter", "gif_delay_cs", "gif_greys"]

COMPACT_LEVELS = 32        # grey levels of compact GIFs (palette entries 0..31; 32 = transparent)
EXCESS_INK = 6             # redraw when the shown grey is darker than the exact one by more than this
MISSING_INK = 24           # ... or lighter by more than this (greys of 255)


def gif_delay_cs(fps: float) -> int:
    """Frame delay in 1/100 s: browsers treat delays under 2/100 s as 10/100 s, so at least 2."""
    return int(min(65535, max(2, round(100.0 / fps))))


def compact_palette(levels: int = COMPACT_LEVELS) -> np.ndarray:
    """uint8 greys from white (index 0) to black: steps of ~3 near the paper, ~14 near black.

    Faint ink on white paper is where the eye sees a grey step (a flat light-grey patch with hard
    edges); among dark strokes it does not.
    """
    k = np.linspace(0.0, 1.0, levels)
    ink = 255.0 * (0.3 * k + 0.7 * k * k)
    return np.unique(np.rint(255.0 - ink).astype(np.uint8))[::-1].copy()


class _Quantiser:
    """Maps composed uint8 frames to palette indices, frame by frame (stateful: what is shown)."""

    def __init__(self, exact: bool):
        self.palette = np.arange(256, dtype=np.uint8) if exact else compact_palette()
        n = self.levels = len(self.palette)
        # each grey's nearest level that does not show more than EXCESS_INK too much ink
        lighter = np.arange(256, dtype=np.int16)[:, None] - self.palette[None, :].astype(np.int16)
        self.index_of = np.where(lighter > EXCESS_INK, 999, np.abs(lighter)).argmin(1).astype(np.uint8)
        # next index for (shown index, exact grey), one table lookup per pixel
        grey = np.arange(256, dtype=np.int16)[None, :]
        lighter = grey - self.palette[:, None].astype(np.int16)     # > 0: the shown grey has too much ink
        keep = (lighter <= EXCESS_INK) & (lighter >= -MISSING_INK) & (grey != 0) & (grey != 255)
        if exact:
            keep[:] = False
        table = np.where(keep, np.arange(n, dtype=np.uint8)[:, None], self.index_of[None, :])
        self.next = table.astype(np.uint8).ravel()
        self.shown: np.ndarray | None = None

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        prev = self.shown
        if prev is None or prev.shape != frame.shape:
            idx = self.index_of[frame]
        else:
            key = prev.astype(np.uint16)
            key <<= 8
            key |= frame
            idx = self.next[key]
        self.shown = idx
        return idx


def gif_greys(frames: Iterable[np.ndarray], exact: bool = False) -> Iterator[np.ndarray]:
    """The uint8 greys a GIF decoder shows for these composed frames, as :class:`GifWriter` writes them."""
    q = _Quantiser(exact)
    for frame in frames:
        yield q.palette[q(np.asarray(frame, dtype=np.uint8))]


class GifWriter:
    """Writes frames (uint8 greys, all of one shape) into ``path``; call :meth:`close` at the end."""

    def __init__(self, path: Path, fps: float, exact: bool = False):
        self.delay_ms = 10 * gif_delay_cs(fps)
        self.q = _Quantiser(exact)
        palette = np.zeros((256, 3), dtype=np.uint8)
        palette[:self.q.levels] = self.q.palette[:, None]
        self.palette = palette.tobytes()
        self.prev: np.ndarray | None = None
        self.fh = open(path, "wb")

    def _image(self, idx: np.ndarray):
        from PIL import Image
        im = Image.frombytes("P", (idx.shape[1], idx.shape[0]), np.ascontiguousarray(idx).tobytes())
        im.putpalette(self.palette)
        return im

    def _write(self, idx: np.ndarray, offset=(0, 0), transparency: int | None = None) -> None:
        from PIL import GifImagePlugin
        params = {"duration": self.delay_ms, "disposal": 1}     # 1: keep the frame under the next one
        if transparency is not None:
            params["transparency"] = transparency
        for chunk in GifImagePlugin.getdata(self._image(idx), offset=offset, **params):
            self.fh.write(chunk)

    def write(self, frame: np.ndarray) -> None:
        idx = self.q(frame)
        prev = self.prev
        self.prev = idx
        if prev is None:
            from PIL import GifImagePlugin
            header, _ = GifImagePlugin.getheader(self._image(idx), None,
                                                 {"loop": 0, "duration": self.delay_ms, "optimize": False})
            for chunk in header:
                self.fh.write(chunk)
            self._write(idx)
            return
        changed = idx != prev
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if not len(rows):       # nothing moved: a 1-pixel transparent frame keeps the frame count
            self._write(np.zeros((1, 1), np.uint8), transparency=0)
            return
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        crop = idx[y0:y1, x0:x1].copy()
        free = self._free_index(crop)
        if free is not None:
            crop[~changed[y0:y1, x0:x1]] = free
        self._write(crop, offset=(int(x0), int(y0)), transparency=free)

    def _free_index(self, crop: np.ndarray) -> int | None:
        """A palette index the crop does not use, to mark unchanged pixels transparent."""
        if self.q.levels < 256:
            return self.q.levels
        unused = np.flatnonzero(np.bincount(crop.ravel(), minlength=256) == 0)
        return int(unused[0]) if len(unused) else None

    def close(self, ok: bool) -> None:
        try:
            if ok:
                self.fh.write(b";")
        finally:
            self.fh.close()

"""Export dream animations: GIF (Pillow), MP4 (imageio-ffmpeg) or a PNG frame sequence.

Qt-free; the dream panel runs :func:`export_animation` on a worker thread with ``progress`` and
``cancel``, the ``rbm-gui dream`` command runs it in the foreground. Frames are streamed: memory use
does not grow with the number of steps.

Frame layout: the chains' images composed with :func:`rbm_gui.viz.mosaic.mosaic` (2 x 4 for 8 chains,
one blank source pixel between chains), drawn as ink (the picture convention of
:mod:`rbm_gui.viz.picture`: probability 1 -> black, 0 -> white, as in the blog's video), upscaled by
an integer ``scale`` with nearest-neighbour (crisp pixels). With ``draw_step`` a white band of
:func:`step_band_height` pixels is added ABOVE the mosaic with "step N" in its left corner, so the
label never covers a chain. :func:`compose_frame` builds one frame; MP4 and PNG frames are exactly
these, GIFs are these through :func:`rbm_gui.io.gif.gif_greys` (compact greys, see there).

Every written file goes through :func:`rbm_gui.io.atomic.atomic_path`; a PNG sequence is written
into a temporary folder beside the target and renamed at the end. A cancelled or failed export
leaves no file and no folder behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from rbm_gui.io.atomic import atomic_path
from rbm_gui.io.gif import GifWriter
from rbm_gui.io.video import FfmpegError, Mp4Writer
from rbm_gui.viz.draw import font, ink_grey, upscale
from rbm_gui.viz.mosaic import grid_columns, mosaic
from rbm_gui.viz.picture import PICTURE

__all__ = [
    "ExportCancelled", "ExportError", "Mp4Unavailable", "MP4_INSTALL_HINT",
    "animation_format", "chain_columns", "compose_frame", "export_animation", "mp4_available",
    "require_mp4", "step_band_height",
]

MP4_INSTALL_HINT = "pip install --force-reinstall imageio-ffmpeg"
FORMATS = ("gif", "mp4", "png")


class ExportError(RuntimeError):
    """An export failed; the message is meant for the user."""


class Mp4Unavailable(ExportError):
    """MP4 export needs imageio-ffmpeg (a dependency; missing only from a broken install)."""


class ExportCancelled(Exception):
    """The export was cancelled; nothing was written."""


# ---------------------------------------------------------------------------------------- formats
def animation_format(path: str | os.PathLike) -> str:
    """``"gif"``, ``"mp4"`` or ``"png"`` (a frame sequence: path ending in a separator or an existing folder)."""
    s = os.fspath(path)
    if s.endswith(("/", os.sep)) or os.path.isdir(s):
        return "png"
    ext = os.path.splitext(s)[1].lower()
    if ext == ".gif":
        return "gif"
    if ext in (".mp4", ".m4v"):
        return "mp4"
    raise ExportError(f"cannot tell the animation format of {s!r}: use a name ending in .gif or .mp4, "
                      f"or a folder ending in '/' for PNG frames")


def mp4_available() -> bool:
    try:
        require_mp4()
    except Mp4Unavailable:
        return False
    return True


def require_mp4():
    """The ``imageio_ffmpeg`` module with a working ffmpeg binary, or raise :class:`Mp4Unavailable`."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise Mp4Unavailable(f"MP4 export needs the package imageio-ffmpeg, which is missing: "
                             f"{MP4_INSTALL_HINT}") from None
    try:
        imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:   # the package is there but its ffmpeg binary is not
        raise Mp4Unavailable(f"MP4 export could not find an ffmpeg program ({exc}); "
                             f"reinstall it with {MP4_INSTALL_HINT}") from None
    return imageio_ffmpeg


# ---------------------------------------------------------------------------------------- frames
def chain_columns(n_chains: int) -> int:
    """Grid columns for the chains: 4 for 8 chains (the blog's 2 x 4), all in one row up to 4."""
    return n_chains if n_chains <= 4 else max(4, grid_columns(n_chains))


def step_band_height(scale: int) -> int:
    """Height in pixels of the band that holds the step number (0 without ``draw_step``)."""
    return max(16, 2 * int(scale) + 4)


def compose_frame(images: np.ndarray, scale: int = 8, cols: int | None = None, step: int | None = None,
                  invert: bool | None = None, pad: int = 1) -> np.ndarray:
    """One animation frame as uint8 greys (H, W).

    ``images``: (n_chains, h, w) values in [0, 1]. The mosaic (separators and empty cells are
    background) is quantised with :func:`ink_grey` and upscaled by ``scale``; with a ``step`` a band
    with "step N" is added on top.
    """
    images = np.asarray(images)
    invert = PICTURE.ink_dark if invert is None else invert
    cols = cols or chain_columns(images.shape[0])
    body = upscale(ink_grey(mosaic(images.astype(np.float32, copy=False), cols=cols, pad=pad, fill=0.0),
                            invert=invert), scale)
    if step is None:
        return body
    band_h = step_band_height(scale)
    bg = 255 if invert else 0
    frame = np.empty((band_h + body.shape[0], body.shape[1]), dtype=np.uint8)
    frame[:band_h] = bg
    frame[band_h:] = body
    from PIL import Image, ImageDraw
    band = Image.fromarray(frame[:band_h])
    ImageDraw.Draw(band).text((3, band_h // 2), f"step {step}", fill=255 - bg, anchor="lm",
                              font=font(max(10, band_h - 6)))
    frame[:band_h] = np.asarray(band)
    return frame


def _is_cancelled(cancel) -> bool:
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if is_set is not None else cancel())


# ---------------------------------------------------------------------------------------- writers
class _PngWriter:
    def __init__(self, folder: Path):
        self.folder = folder
        self.k = 0

    def write(self, frame: np.ndarray) -> None:
        from PIL import Image
        Image.fromarray(frame).save(self.folder / f"frame_{self.k:05d}.png", compress_level=1)
        self.k += 1

    def close(self, ok: bool) -> None:
        pass


def _umask() -> int:
    """The process umask, read without changing it (os.umask would race with other threads)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


@contextlib.contextmanager
def _atomic_dir(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target``, renamed onto it on success, removed on failure."""
    if target.exists():
        if not target.is_dir():
            raise ExportError(f"{target} exists and is not a folder")
        if any(target.iterdir()):
            raise ExportError(f"folder {target} is not empty: choose a new or empty folder for the PNG frames")
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"folder {parent} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    os.chmod(tmp, 0o777 & ~_umask())    # mkdtemp makes it private (0700); a normal folder is wanted
    try:
        yield tmp
        if target.exists():
            target.rmdir()          # empty (checked above); POSIX could rename over it, Windows cannot
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ---------------------------------------------------------------------------------------- export
def export_animation(frames_iter: Iterable[tuple[int, np.ndarray]], n_frames: int, path: str | os.PathLike,
                     fps: float = 25, scale: int = 8, cols: int | None = None, draw_step: bool = True,
                     progress: Callable[[int, int], None] | None = None, cancel=None,
                     invert: bool | None = None, exact_gif: bool = False) -> Path:
    """Write an animation of ``frames_iter`` and return the written path.

    Parameters
    ----------
    frames_iter : iterable of ``(step, images)``, images (n_chains, h, w) in [0, 1] — e.g.
        :func:`rbm_gui.engine.dream_frames.dream_frames`. At most ``n_frames`` are taken.
    n_frames : number of frames (for progress; fewer frames in the iterator is an error)
    path : ``*.gif``, ``*.mp4`` or a folder (ending in "/" or existing and empty): frame_00000.png, ...
    fps : frames per second (GIF stores delays in 1/100 s, at least 2/100 s: 50 fps at most)
    scale : integer nearest-neighbour upscaling
    cols : chains per row (default :func:`chain_columns`: 4 for 8 chains)
    draw_step : add a band with "step N" on top of each frame
    progress : called as ``progress(done, n_frames)`` after each frame
    cancel : a ``threading.Event`` or a callable returning True to stop; checked before every frame
    invert : draw probability 1 as black ink on white (None: the picture convention, which does)
    exact_gif : GIF with all 256 greys and every change (larger); default: compact greys
        (:mod:`rbm_gui.io.gif`: 32 levels, within 16/255 of the exact frame)

    Raises
    ------
    ExportCancelled : cancelled; nothing was written.
    Mp4Unavailable : ``.mp4`` without a working imageio-ffmpeg (a broken install) — raised before
        ``frames_iter`` is touched.
    ExportError : bad arguments or a failed write (message for the user); nothing was written.
    """
    fmt = animation_format(path)
    if fmt == "mp4":
        require_mp4()
    n_frames = int(n_frames)
    if n_frames < 1:
        raise ExportError("an animation needs at least one frame")
    if not (isinstance(fps, (int, float)) and np.isfinite(fps) and 0.01 <= fps <= 1000):
        raise ExportError(f"frames per second must be between 0.01 and 1000, got {fps}")
    if int(scale) != scale or scale < 1:
        raise ExportError(f"scale must be a positive whole number, got {scale}")
    target = Path(os.fspath(path).rstrip("/" + os.sep) or ".") if fmt == "png" else Path(path)
    if fmt != "png" and not target.parent.is_dir():
        raise ExportError(f"folder {target.parent} does not exist")

    frames = iter(frames_iter)

    def next_frame(k: int) -> np.ndarray:
        if _is_cancelled(cancel):
            raise ExportCancelled("export cancelled")
        try:
            step, images = next(frames)
        except StopIteration:
            raise ExportError(f"only {k} of {n_frames} frames were produced") from None
        return compose_frame(images, scale=scale, cols=cols, step=step if draw_step else None, invert=invert)

    def run(writer_factory) -> None:
        first = next_frame(0)
        writer = writer_factory(first.shape)
        ok = False
        try:
            writer.write(first)
            if progress:
                progress(1, n_frames)
            for k in range(1, n_frames):
                writer.write(next_frame(k))
                if progress:
                    progress(k + 1, n_frames)
            ok = True
        finally:
            writer.close(ok)

    try:
        if fmt == "png":
            with _atomic_dir(target) as tmp:
                run(lambda shape: _PngWriter(tmp))
        else:
            with atomic_path(target) as tmp:
                if fmt == "gif":
                    run(lambda shape: GifWriter(tmp, fps, exact=exact_gif))
                else:
                    bg = 255 if (PICTURE.ink_dark if invert is None else invert) else 0
                    run(lambda shape: Mp4Writer(tmp, fps, shape, bg, require_mp4()))
    except (ExportCancelled, ExportError):
        raise
    except FfmpegError as exc:
        raise ExportError(f"could not write {target}: {exc}") from None
    except OSError as exc:
        raise ExportError(f"could not write {target}: {exc.strerror or exc}") from None
    return target


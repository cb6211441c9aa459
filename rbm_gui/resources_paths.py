"""Where the application icon is, inside the installed package (Qt-free, cheap to import).

The icons live in ``resources/icons/`` of the source tree, installed as ``rbm_gui.resources/icons``
in the wheel and collected into PyInstaller bundles. The window builds its ``QIcon`` from
:func:`icon_paths` (every PNG size plus the SVG); desktop files use the same images.
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

__all__ = ["ICON_SIZES", "ICON_NAME", "APP_ID", "icon_path", "icon_paths"]

#: Pixel sizes of the PNG renders (packaging/render_icons.py writes them from the SVG).
ICON_SIZES = (16, 32, 48, 64, 128, 256)
#: Base name of the icon files: ``rbm-gui.svg``, ``rbm-gui-<size>.png``.
ICON_NAME = "rbm-gui"
#: Reverse-DNS application id: the .desktop file, the AppStream metainfo and the installed icon name.
APP_ID = "io.github.rbmgui.RbmGui"

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def _resource(name: str) -> Path:
    # one segment per step: a namespace MultiplexedPath (PyInstaller) takes one joinpath argument
    traversable = resources.files("rbm_gui.resources") / "icons" / name
    if isinstance(traversable, Path):          # a normal install, an editable one, PyInstaller
        path = traversable
    else:                                      # e.g. a zipped package: extract once for this process
        path = _extracted.enter_context(resources.as_file(traversable))
    if not path.is_file():
        raise FileNotFoundError(f"rbm-gui icon {name} is missing from the installation ({path})")
    return path


def icon_path(size: int | None = None) -> Path:
    """Path of the application icon.

    Parameters
    ----------
    size : int, optional
        ``None`` (default): the scalable SVG. Otherwise the PNG render of the smallest size
        >= ``size`` (the largest, 256, for anything bigger), e.g. ``icon_path(48)``.

    Raises
    ------
    ValueError
        ``size`` is not a positive integer.
    FileNotFoundError
        The icon file is not installed (a broken installation).
    """
    if size is None:
        return _resource(f"{ICON_NAME}.svg")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"icon size must be a positive integer, got {size!r}")
    chosen = next((s for s in ICON_SIZES if s >= size), ICON_SIZES[-1])
    return _resource(f"{ICON_NAME}-{chosen}.png")


def icon_paths() -> list[Path]:
    """Every PNG size (small to large) then the SVG: add them all to a ``QIcon``."""
    return [icon_path(s) for s in ICON_SIZES] + [icon_path()]

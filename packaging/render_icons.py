"""Render the application icon's SVG to the PNG sizes desktops and PyInstaller use.

    python packaging/render_icons.py            # writes resources/icons/rbm-gui-<size>.png
    python packaging/render_icons.py --check    # exit 1 if a committed PNG differs from a fresh render

Uses PySide6's QSvgRenderer on the offscreen platform, so it runs without a display. The PNGs are
committed; re-run this after editing ``resources/icons/rbm-gui.svg``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICON_DIR / "rbm-gui.svg"
SIZES = (16, 32, 48, 64, 128, 256)


def render(svg: Path, size: int):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed PNGs instead of writing")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImage

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (QImage/QPainter need it)
    stale = []
    for size in SIZES:
        image = render(SVG, size)
        target = ICON_DIR / f"rbm-gui-{size}.png"
        if args.check:
            old = QImage(str(target))
            if old.isNull() or old.convertToFormat(QImage.Format.Format_ARGB32) != image:
                stale.append(target.name)
        else:
            if not image.save(str(target), "PNG"):
                raise SystemExit(f"render_icons: cannot write {target}")
            print(f"wrote {target.relative_to(ICON_DIR.parent.parent)} ({size}x{size})")
    if stale:
        print("render_icons: out of date: " + ", ".join(stale) + " (run packaging/render_icons.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

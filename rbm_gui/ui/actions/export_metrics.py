"""Export of the metric plots: pyqtgraph renders the metrics view's scene, a job writes the file.

Scene items may only be touched on the GUI thread, so rendering happens there (~tens of ms, by
pyqtgraph's ImageExporter / SVGExporter); the export job only writes the bytes or the QImage.
"""

from __future__ import annotations

from pathlib import Path


def render_plots(item, path: str, scale: int):
    """Render ``item`` (the plots' layout item), GUI thread: a QImage for PNG, SVG bytes for SVG."""
    import pyqtgraph.exporters as pgx
    if path.lower().endswith(".svg"):
        try:
            data = pgx.SVGExporter(item).export(toBytes=True)
            return data if isinstance(data, bytes) else str(data).encode("utf-8")
        except ValueError:
            # pyqtgraph 0.14's SVGExporter fails on some paths ("not enough values to unpack",
            # pyqtgraph issue #3485): let Qt's own SVG generator draw the scene instead (vector too)
            return _qt_svg(item, scale)
    exp = pgx.ImageExporter(item)
    exp.parameters()["width"] = int(round(item.boundingRect().width() * scale))
    return exp.export(toBytes=True)     # QImage; QImage may be saved from another thread


def write_job(payload, path: str):
    """The export function (``fn(progress, cancel)``) that writes a rendered payload to ``path``."""
    def fn(progress, cancel):
        out = _write_rendered(payload, path)
        progress(1, 1)
        return out
    return fn


def _qt_svg(item, scale: int) -> bytes:
    """The scene region of ``item`` as SVG bytes, drawn by QSvgGenerator (GUI thread)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator
    source = item.sceneBoundingRect()
    size = QSize(int(source.width() * scale), int(source.height() * scale))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(size)
    gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
    gen.setTitle("rbm-gui metrics")
    painter = QPainter(gen)
    try:
        item.scene().render(painter, QRectF(0, 0, size.width(), size.height()), source)
    finally:
        painter.end()
    buf.close()
    return bytes(data)


def _write_rendered(payload, path: str) -> Path:
    """Write a rendered QImage (PNG) or SVG bytes atomically (runs on the export thread)."""
    from rbm_gui.io.atomic import atomic_path
    target = Path(path)
    with atomic_path(target) as tmp:
        if isinstance(payload, (bytes, bytearray)):
            tmp.write_bytes(payload)
        elif not payload.save(str(tmp), "PNG"):
            raise OSError(f"could not write {target}")
    return target

"""Render the app icon's PNG sizes, the Windows .ico and the macOS .icns from resources/icons/geolocator.svg.

    .venv/bin/python packaging/render_icons.py            # write the files
    .venv/bin/python packaging/render_icons.py --check    # exit 1 if the PNGs are stale against the SVG

Qt's SVG renderer (PySide6.QtSvg) draws each size from the vector, so small sizes stay sharp; Pillow
writes the .ico and .icns containers. The outputs are committed: a build machine needs neither step.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "geolocator.svg"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render(size: int) -> bytes:
    """PNG bytes of the SVG drawn at size x size pixels with a transparent background."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(data.data())


def stale_pngs(rendered: dict[int, bytes], tolerance: int = 8) -> list[str]:
    """Committed PNGs that differ from a fresh rendering of the SVG (beyond antialiasing noise)."""
    import numpy as np
    from PIL import Image

    stale = []
    for s in PNG_SIZES:
        path = ICONS / f"geolocator-{s}.png"
        if not path.is_file():
            stale.append(f"{path.name}: missing")
            continue
        have = np.asarray(Image.open(path).convert("RGBA"), dtype=np.int16)
        want = np.asarray(Image.open(io.BytesIO(rendered[s])).convert("RGBA"), dtype=np.int16)
        if have.shape != want.shape or np.abs(have - want).max() > tolerance:
            stale.append(f"{path.name}: differs from the SVG")
    return stale


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 - Qt painting needs one
    if "--check" in argv:
        stale = stale_pngs({s: render(s) for s in PNG_SIZES})
        print("\n".join(stale) if stale else f"{len(PNG_SIZES)} PNGs match {SVG.name}")
        return 1 if stale else 0
    rendered = {s: render(s) for s in sorted(set(PNG_SIZES) | set(ICO_SIZES) | set(ICNS_SIZES))}
    for s in PNG_SIZES:
        (ICONS / f"geolocator-{s}.png").write_bytes(rendered[s])
    images = {s: Image.open(io.BytesIO(b)).convert("RGBA") for s, b in rendered.items()}
    big = images[max(ICO_SIZES)]
    big.save(ICONS / "geolocator.ico", format="ICO", sizes=[(s, s) for s in ICO_SIZES],
             append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    images[1024].save(ICONS / "geolocator.icns", format="ICNS",
                      append_images=[images[s] for s in ICNS_SIZES if s != 1024])
    print(f"wrote {len(PNG_SIZES)} PNGs, geolocator.ico and geolocator.icns in {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

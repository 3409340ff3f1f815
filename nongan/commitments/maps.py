"""The marked-plot map kept with a commitment (截图标记生产地块区域信息): the plots' polygons
drawn with Pillow on a plain background (intranets have no map tiles), with a scale bar, a
north arrow, and the producer's name and each plot's number.

Chinese text needs a CJK font: Noto Sans CJK when installed (Debian's fonts-noto-cjk, which
CI installs); without it the map is drawn with Latin labels only. Rendering never fails for
want of a font.
"""

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_FONT_INDEX = 2  # the collection's Simplified Chinese face (Noto Sans CJK SC)
SIZE = (800, 600)
MARGIN = 40
HEADER = 70  # room for the title above the plots
FOOTER = 60  # room for the scale bar below
BACKGROUND = (248, 250, 252)
FILL = (34, 197, 94)
OUTLINE = (21, 128, 61)
INK = (30, 41, 59)
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0
NICE_LENGTHS = [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000]


def _font(size: int, *, cjk: bool):
    """A font of `size`, or None when Chinese text cannot be drawn."""
    if cjk:
        try:
            return ImageFont.truetype(str(CJK_FONT), size, index=CJK_FONT_INDEX)
        except OSError:
            return None
    try:
        return ImageFont.load_default(size)
    except (TypeError, OSError, ImportError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def _rings(geometry: dict) -> list[list[list]]:
    """Polygons as [exterior, *holes] lists of (lon, lat) rings."""
    if not isinstance(geometry, dict):
        return []
    if geometry.get("type") == "Polygon":
        return [geometry.get("coordinates") or []]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry.get("coordinates") or [])
    return []


def _projection(polygons, width: int, height: int):
    """A function from (lon, lat) to pixels fitting every polygon in the drawing area, and
    the metres per pixel (a local equirectangular projection: true enough for a farm)."""
    points = [pt for polygon in polygons for ring in polygon for pt in ring]
    lons = [float(p[0]) for p in points] or [121.47]
    lats = [float(p[1]) for p in points] or [31.23]
    lat0 = (min(lats) + max(lats)) / 2
    mx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    span_x = max((max(lons) - min(lons)) * mx, 1.0)
    span_y = max((max(lats) - min(lats)) * M_PER_DEG_LAT, 1.0)
    box_w, box_h = width - 2 * MARGIN, height - HEADER - FOOTER - MARGIN
    metres_per_px = max(span_x / box_w, span_y / box_h)
    # centre the drawing in its box
    off_x = MARGIN + (box_w - span_x / metres_per_px) / 2
    off_y = HEADER + (box_h - span_y / metres_per_px) / 2
    west, north = min(lons), max(lats)

    def to_px(point):
        x = off_x + (float(point[0]) - west) * mx / metres_per_px
        y = off_y + (north - float(point[1])) * M_PER_DEG_LAT / metres_per_px
        return (x, y)

    return to_px, metres_per_px


def _scale_bar(draw, metres_per_px: float, height: int, font) -> None:
    target = 160 * metres_per_px  # about 160 px
    length = max([n for n in NICE_LENGTHS if n <= target] or [NICE_LENGTHS[0]])
    px = length / metres_per_px
    x0, y0 = MARGIN, height - FOOTER / 2
    draw.line([(x0, y0), (x0 + px, y0)], fill=INK, width=3)
    for x in (x0, x0 + px / 2, x0 + px):
        draw.line([(x, y0 - 6), (x, y0 + 1)], fill=INK, width=2)
    label = f"{length // 1000} km" if length >= 1000 else f"{length} m"
    draw.text((x0 + px + 8, y0 - 10), label, fill=INK, font=font)


def _north_arrow(draw, width: int, font) -> None:
    x, y = width - MARGIN - 10, HEADER + 10
    draw.polygon([(x, y), (x - 10, y + 30), (x, y + 22), (x + 10, y + 30)], fill=INK)
    draw.text((x - 5, y + 32), "N", fill=INK, font=font)


def render(plots: list[dict], *, title: str = "", subtitle: str = "",
           size: tuple[int, int] = SIZE) -> bytes:
    """A PNG of `plots` (each {"plot_no", "geometry"}) with a title (Chinese when a CJK font
    is available), scale bar and north arrow."""
    width, height = size
    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    polygons = [polygon for p in plots for polygon in _rings(p.get("geometry"))]
    to_px, metres_per_px = _projection(polygons, width, height)
    for polygon in polygons:
        if not polygon or len(polygon[0]) < 3:
            continue
        draw.polygon([to_px(pt) for pt in polygon[0]], fill=FILL, outline=OUTLINE, width=2)
        for hole in polygon[1:]:
            if len(hole) >= 3:
                draw.polygon([to_px(pt) for pt in hole], fill=BACKGROUND, outline=OUTLINE)
    latin = _font(14, cjk=False)
    chinese_title, chinese_small = _font(22, cjk=True), _font(14, cjk=True)
    labels = chinese_small or latin
    for p in plots:
        rings = _rings(p.get("geometry"))
        points = [pt for polygon in rings for pt in (polygon[0] if polygon else [])]
        if points and p.get("plot_no"):
            xs, ys = zip(*(to_px(pt) for pt in points), strict=True)
            text = str(p["plot_no"])
            # centred by its box (anchors need FreeType; the bitmap fallback has none)
            left, top, right, bottom = draw.textbbox((0, 0), text, font=labels)
            draw.text(((min(xs) + max(xs) - right - left) / 2,
                       (min(ys) + max(ys) - bottom - top) / 2), text, fill=INK, font=labels)
    if chinese_title is not None:
        draw.text((MARGIN, 18), title, fill=INK, font=chinese_title)
        if subtitle:
            draw.text((MARGIN, 48), subtitle, fill=INK, font=chinese_small)
    _scale_bar(draw, metres_per_px, height, latin)
    _north_arrow(draw, width, latin)
    draw.rectangle([0, 0, width - 1, height - 1], outline=(203, 213, 225))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()

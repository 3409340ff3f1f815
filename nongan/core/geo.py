"""Plot geometry: parsing, validity with reasons, geodesic area in mu, overlaps."""

from decimal import Decimal

from pyproj import Geod
from shapely.geometry import shape
from shapely.prepared import prep
from shapely.validation import explain_validity

from .errors import FieldErrors

GEOD = Geod(ellps="WGS84")
SQ_M_PER_MU = 10000 / 15
# Shanghai's land and islands, with a margin (lon 120°51'–122°12', lat 30°40'–31°53').
SHANGHAI_BOUNDS = (120.80, 30.60, 122.25, 31.95)
MIN_AREA_MU = Decimal("0.05")  # ~33 m²: smaller is a slip of the finger, not a plot
MAX_AREA_MU = Decimal("20000")  # larger than Shanghai's biggest state farm field block
# No plot spans more (≈ 9.5 km east-west, 11 km north-south): a bound that lets a bounding-box
# search read a slab of the index instead of every plot west of the point.
MAX_SPAN_DEG = 0.1


def parse_polygon(geojson, field: str = "geometry"):
    """A valid Polygon/MultiPolygon from GeoJSON, or FieldErrors saying why not (Chinese)."""
    def fail(msg):
        raise FieldErrors({field: msg})

    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        fail("地块范围应为 GeoJSON 的 Polygon 或 MultiPolygon")
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        fail(f"地块范围无法解析：{exc}")
    rings = [geom.exterior] if geom.geom_type == "Polygon" else [p.exterior for p in geom.geoms]
    if geom.is_empty or any(len(set(r.coords)) < 3 for r in rings):
        fail("地块范围至少需要3个不同的顶点")
    minx, miny, maxx, maxy = geom.bounds
    west, south, east, north = SHANGHAI_BOUNDS
    if minx < west or maxx > east or miny < south or maxy > north:
        fail("地块不在上海市范围内（请检查经纬度顺序：经度在前，纬度在后）")
    if maxx - minx > MAX_SPAN_DEG or maxy - miny > MAX_SPAN_DEG:
        fail("地块东西或南北跨度超过约 10 公里，不是一个地块，请检查坐标")
    if not geom.is_valid:
        reason = explain_validity(geom)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            fail("地块边界自相交，请重新绘制")
        fail(f"地块范围无效：{reason}")
    area = area_mu(geom)
    if area < MIN_AREA_MU:
        fail(f"地块面积过小（{area} 亩）")
    if area > MAX_AREA_MU:
        fail(f"地块面积过大（{area} 亩），请检查坐标")
    return geom


def area_mu(geom) -> Decimal:
    area_m2, _ = GEOD.geometry_area_perimeter(geom)
    return Decimal(abs(area_m2) / SQ_M_PER_MU).quantize(Decimal("0.01"))


def overlapping(geom, candidates) -> list:
    """Which of `candidates` ((key, geometry) pairs) share area with `geom`, not just a border."""
    prepared = prep(geom)
    hits = []
    for key, other in candidates:
        # ~1 m² in square degrees at Shanghai's latitude: below that it is digitising noise.
        if prepared.intersects(other) and geom.intersection(other).area > 1e-10:
            hits.append(key)
    return hits


# Shanghai lies in UTM zone 51N: distances in metres there are true to well under 0.1 %.
_TO_METRES = None
ON_BORDER_M = 0.5


def _metric():
    global _TO_METRES
    if _TO_METRES is None:
        from pyproj import Transformer

        _TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
    return _TO_METRES


def locate(lon: float, lat: float, plots) -> dict:
    """Where a GPS fix lies against `plots` ((plot_no, GeoJSON) pairs): inside one (its
    border included), or how far from the nearest (核查区域位置、地块编号)."""
    import numpy as np
    import shapely
    from shapely.geometry import Point

    to_m = _metric()

    def to_metres(coords):
        return np.column_stack(to_m.transform(coords[:, 0], coords[:, 1]))

    point = Point(*to_m.transform(lon, lat))
    best = {"inside_plot": False, "plot_no": None, "distance_m": None}
    for plot_no, geojson in plots:
        polygon = shapely.transform(shape(geojson), to_metres)
        distance = round(polygon.distance(point), 1)
        # Within half a metre of the border is on it: projection bends edges by millimetres.
        if polygon.covers(point) or distance < ON_BORDER_M:
            return {"inside_plot": True, "plot_no": plot_no, "distance_m": 0.0}
        if best["distance_m"] is None or distance < best["distance_m"]:
            best = {"inside_plot": False, "plot_no": plot_no, "distance_m": distance}
    return best


def distance_m(lon1, lat1, lon2, lat2) -> float:
    _, _, metres = GEOD.inv(lon1, lat1, lon2, lat2)
    return abs(metres)

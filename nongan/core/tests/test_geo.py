from decimal import Decimal

import pytest

from nongan.core.errors import FieldErrors
from nongan.core.geo import area_mu, overlapping, parse_polygon
from nongan.testing import square


def reason(geojson) -> str:
    with pytest.raises(FieldErrors) as caught:
        parse_polygon(geojson)
    return caught.value.by_field()["geometry"]


def test_a_square_of_100_metres_is_15_mu():
    # square() uses a spherical metre-per-degree; the ellipsoid differs by under 1 %.
    assert abs(area_mu(parse_polygon(square(121.5, 31.2, 100))) - Decimal(15)) < Decimal("0.15")


def test_area_is_geodesic_not_in_degrees():
    # The same 0.001° square is smaller in metres in the north of Shanghai than the south,
    # by the cosine of the latitude; a planar computation in degrees would not see it.
    def box(lat):
        return {"type": "Polygon", "coordinates": [[[121.4, lat], [121.401, lat],
                                                    [121.401, lat + 0.001], [121.4, lat + 0.001],
                                                    [121.4, lat]]]}
    south, north = area_mu(parse_polygon(box(30.7))), area_mu(parse_polygon(box(31.8)))
    assert south > north


def test_a_self_crossing_outline_is_refused_with_the_reason():
    bow_tie = {"type": "Polygon", "coordinates": [[[121.5, 31.2], [121.51, 31.21],
                                                   [121.51, 31.2], [121.5, 31.21],
                                                   [121.5, 31.2]]]}
    assert "自相交" in reason(bow_tie)


def test_too_few_points_are_refused():
    line = {"type": "Polygon", "coordinates": [[[121.5, 31.2], [121.51, 31.2], [121.5, 31.2],
                                                [121.5, 31.2]]]}
    assert "3个" in reason(line)


def test_outside_shanghai_is_refused_and_hints_at_swapped_coordinates():
    assert "上海市范围" in reason(square(116.4, 39.9))  # Beijing
    swapped = {"type": "Polygon", "coordinates": [[[y, x] for x, y in
                                                    square(121.5, 31.2)["coordinates"][0]]]}
    assert "经度在前" in reason(swapped)


def test_absurd_sizes_are_refused():
    assert "过小" in reason(square(121.5, 31.2, 3))
    assert "过大" in reason(square(121.3, 31.0, 4000))


def test_a_plot_spanning_over_ten_kilometres_is_refused_whatever_its_area():
    strip = {"type": "Polygon", "coordinates": [[[121.30, 31.0], [121.42, 31.0],
                                                 [121.42, 31.0005], [121.30, 31.0005],
                                                 [121.30, 31.0]]]}  # 11.4 km by 55 m
    assert "跨度" in reason(strip)


def test_only_polygons_are_plots():
    assert "Polygon" in reason({"type": "Point", "coordinates": [121.5, 31.2]})
    assert "Polygon" in reason("not json")


def test_a_feature_is_unwrapped_and_multipolygons_are_accepted():
    feature = {"type": "Feature", "properties": {}, "geometry": square(121.5, 31.2)}
    assert parse_polygon(feature).geom_type == "Polygon"
    multi = {"type": "MultiPolygon", "coordinates": [square(121.5, 31.2)["coordinates"],
                                                     square(121.51, 31.2)["coordinates"]]}
    assert abs(area_mu(parse_polygon(multi)) - Decimal(30)) < Decimal("0.3")


def test_overlap_needs_shared_area_not_a_shared_border():
    a = parse_polygon(square(121.5, 31.2, 100))
    neighbour = parse_polygon(square(a.bounds[2], 31.2, 100))
    over = parse_polygon(square(121.5003, 31.2003, 100))
    assert overlapping(a, [("n", neighbour), ("o", over)]) == ["o"]

"""The dashboard page counts its sample figures in one grouped pass (`samples.breakdown`);
each equals the series the API answers from a query of its own, for the city, a district
and a town, over a period of two years."""

import datetime as dt

import pytest
from django.http import QueryDict

from nongan.analysis.figures import samples
from nongan.analysis.scope import parse
from nongan.inspections.schedules import shanghai_today

from .factories import OVER, sample, shanghai


@pytest.mark.parametrize("level", ["city", "district", "town"])
def test_one_pass_gives_every_series(world, made, level):
    last_year = shanghai_today().year - 1
    sample(world, made.grower, shanghai(last_year, 6, 30, 23, 30), OVER, product="菠菜")
    code = {"city": "310000000000", "district": world.pudong.district,
            "town": world.pudong.town}[level]
    scope = parse(world.city_admin, QueryDict(
        f"region={code}&from={dt.date(last_year, 1, 1)}&to={shanghai_today()}"))
    found = samples.breakdown(scope)
    assert found["totals"]["total"] > 4 and len(found["months"]) > 12
    assert found == {"totals": samples.totals(scope), "months": samples.by_month(scope),
                     "products": samples.by_product(scope),
                     "areas": samples.by_area(scope, scope.area_level)}

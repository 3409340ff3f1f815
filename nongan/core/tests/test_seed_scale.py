"""`nongan seed --scale`: a city's register — farms split into many parcels that never
overlap, every producer visited, sampling over all the years asked for.

A miniature scale (the Shanghai preset takes tens of minutes) exercises the same paths.
"""

import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Min, Sum
from django.test import override_settings
from django.utils import timezone
from shapely import STRtree

from nongan.core.geo import parse_polygon
from nongan.inspections.models import Inspection
from nongan.monitoring.models import Sample
from nongan.producers.models import Plot, Producer
from nongan.seeding import SCALES, Scale, seed

TODAY = timezone.localdate()
MINI = Scale(producers=30, years=3, plots=600, general_visits="quarter", monitoring_years=3)
pytestmark = [pytest.mark.django_db, pytest.mark.once]  # the layout is pure Python


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with transaction.atomic():
            yield seed(random_seed=5, today=TODAY, scale=MINI)
            transaction.set_rollback(True)


def test_the_farms_are_split_into_about_as_many_parcels_as_the_scale_asks(seeded):
    plots = Plot.objects.count()
    assert seeded["plots"] == plots
    assert abs(plots - MINI.plots) / MINI.plots < 0.1
    assert Producer.objects.count() == MINI.producers


def test_each_producers_parcels_add_up_to_its_declared_land(seeded):
    declared = dict(Plot.objects.values("producer").annotate(total=Sum("declared_area_mu"))
                    .values_list("producer", "total"))
    for pk, area in Producer.objects.values_list("pk", "area_mu"):
        assert declared[pk] == area
    assert Plot.objects.filter(declared_area_mu__lte=Decimal("0")).count() == 0


def test_no_two_producers_parcels_overlap(seeded):
    rows = list(Plot.objects.values_list("producer_id", "geometry"))
    geoms = [parse_polygon(g) for _, g in rows]
    left, right = STRtree(geoms).query(geoms, predicate="intersects")
    assert not [1 for i, j in zip(left, right, strict=True) if rows[i][0] != rows[j][0]]


def test_parcel_codes_are_unique_and_numbered_within_their_village(seeded):
    codes = list(Plot.objects.values_list("plot_no", "village"))
    assert len({c for c, _ in codes}) == len(codes)
    assert all(code.startswith(f"{village}-") for code, village in codes)


def test_producers_without_a_schedule_of_their_own_are_still_visited(seeded):
    general = Producer.objects.filter(is_scale=False, certifications__isnull=True)
    assert general.exists()
    visited = set(Inspection.objects.values_list("producer", flat=True))
    share = sum(p in visited for p in general.values_list("pk", flat=True)) / general.count()
    assert share > 0.8


def test_sampling_covers_every_year_asked_for(seeded):
    first = Sample.objects.aggregate(first=Min("sampled_at"))["first"]
    assert (TODAY - timezone.localdate(first)).days > 365 * (MINI.monitoring_years - 1)


def test_the_shanghai_preset_is_the_size_of_the_city():
    shanghai = SCALES["shanghai"]
    assert (shanghai.producers, shanghai.plots, shanghai.years) == (30_000, 1_000_000, 5)


def test_an_unknown_scale_is_refused_before_anything_is_written(seeded):
    before = Producer.objects.count()
    with pytest.raises(CommandError, match="scale"):
        call_command("seed", "--scale", "tokyo", stdout=io.StringIO(), stderr=io.StringIO())
    assert Producer.objects.count() == before


def test_the_parcels_of_one_village_are_numbered_in_producer_order(seeded):
    by_village = defaultdict(list)
    for village, producer in Plot.objects.order_by("plot_no").values_list(
            "village", "producer"):
        by_village[village].append(producer)
    for producers in by_village.values():
        assert producers == sorted(producers)

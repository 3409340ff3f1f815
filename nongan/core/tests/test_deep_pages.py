"""Every page of a long list, deep pages included (read by key from the nearer end, see
nongan.core.listing.page_of), holds exactly the rows of plain OFFSET paging: no row twice,
none missing, in the list's order, even where thousands of rows tie on the sort key."""

import pytest
from django.db.models import F
from django.db.models.functions import Length

from nongan.core.listing import DEEP_OFFSET, page_of, totally_ordered
from nongan.regions.models import Grid, Region

ORDERINGS = {
    "ties ascending": lambda qs: qs.order_by("level"),
    "ties descending": lambda qs: qs.order_by("-level", "name"),
    "nulls": lambda qs: qs.order_by("district"),
    "expression, nulls last": lambda qs: qs.order_by(F("centroid_lon").desc(nulls_last=True)),
    "annotation": lambda qs: qs.annotate(width=Length("name")).order_by("-width"),
    "reversed": lambda qs: qs.order_by("level", "name").reverse(),
    "the model's own": lambda qs: qs,
    "related rows": lambda qs: qs.select_related("parent").order_by("parent__name"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ORDERINGS)
def test_all_pages_together_are_the_list_once_in_order(name):
    qs = ORDERINGS[name](Region.objects.all())
    expected = [region.pk for region in totally_ordered(qs)]
    assert len(expected) > 2 * DEEP_OFFSET, "too few regions to reach a deep page"
    size = 200
    pages = -(-len(expected) // size)
    seen = []
    for number in range(1, pages + 1):
        page = page_of(qs, number, size)
        assert page["count"] == len(expected)
        seen += [region.pk for region in page["items"]]
    assert seen == expected


@pytest.mark.django_db
def test_a_page_past_the_end_is_empty_and_an_odd_last_page_is_short():
    qs = Region.objects.order_by("-level")
    count = qs.count()
    last = page_of(qs, -(-count // 200), 200)
    assert len(last["items"]) == (count % 200 or 200)
    assert [r.pk for r in last["items"]] == [
        r.pk for r in totally_ordered(qs)][(last["page"] - 1) * 200:]
    assert page_of(qs, last["page"] + 5, 200)["items"] == []


@pytest.mark.django_db
def test_ties_keep_one_order_with_the_key_in_the_first_sort_direction():
    ascending = totally_ordered(Region.objects.order_by("level"))
    descending = totally_ordered(Region.objects.order_by("-level"))
    assert ascending.query.order_by[-1] == "pk"
    assert descending.query.order_by[-1] == "-pk"


@pytest.mark.django_db
def test_a_unique_first_key_is_left_alone_and_pages_the_same():
    by_code = Grid.objects.order_by("-code")
    assert totally_ordered(by_code).query.order_by == ("-code",)
    codes = list(by_code.values_list("code", flat=True))
    assert len(codes) > 2 * DEEP_OFFSET
    last = -(-len(codes) // 200)
    for number in (1, last // 2, last - 1, last):
        page = page_of(by_code, number, 200)
        assert [g.code for g in page["items"]] == codes[(number - 1) * 200:number * 200]

"""The to-do page's monitoring list pages by its own number (`mpage`, 50 a page) through
the page itself: page 2 holds the items after the first 50, each list's count and late
count stay those of the whole list, a page number that is no number shows page 1, and
another district's officer sees none of them."""

import datetime as dt

from django.utils import timezone

from nongan.monitoring.models import Sample
from nongan.testing import make_plan, make_sample


def late_samples(world, n: int) -> list[str]:
    """`n` of Pudong's samples whose results are late, the first the most days late."""
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    today = timezone.localdate()
    numbers = []
    for i in range(n):
        sample = make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)
        Sample.objects.filter(pk=sample.pk).update(results_due=today - dt.timedelta(n - i))
        numbers.append(sample.sample_no)
    return numbers


def test_the_second_page_of_the_monitoring_list(world, login):
    numbers = late_samples(world, 52)
    client = login(world.pudong.district_officer)

    first = client.get("/todo/").content.decode()
    second = client.get("/todo/?mpage=2").content.decode()

    assert "共 52 项，其中逾期 52 项" in first and "共 52 项，其中逾期 52 项" in second
    assert all(n in first for n in numbers[:50]) and not any(n in first for n in numbers[50:])
    assert all(n in second for n in numbers[50:]) and not any(n in second for n in numbers[:50])
    bad = client.get("/todo/?mpage=x").content.decode()
    assert [n for n in numbers if n in bad] == numbers[:50]
    other = login(world.chongming.district_officer).get("/todo/?mpage=2").content.decode()
    assert not any(n in other for n in numbers)

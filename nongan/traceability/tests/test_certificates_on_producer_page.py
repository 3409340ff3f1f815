"""The producer page's section `{% trace_certificates producer %}`: registration on the
national platform, this year's certificates by month, the last ten — as the viewer may
see them."""

import datetime as dt

from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from nongan.traceability.models import TraceProducer

from .factories import cert_row, certificates_of

TAG = Template("{% load traceability_tags %}{% trace_certificates producer %}")


def section(user, producer) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TAG.render(Context({"request": request, "user": user, "producer": producer}))


def test_the_section_counts_this_year_and_lists_the_last_ten(world):
    side = world.pudong
    today = timezone.localdate()
    rows = [cert_row(side.the_producer, n, 开具日期=(today - dt.timedelta(days=n % 3)).isoformat())
            for n in range(1, 13)]
    certificates_of(side, rows)
    TraceProducer.objects.create(producer=side.the_producer, code="ZT-31-0001",
                                 platform_name="pudong合作社", registered_on=dt.date(2024, 5, 6))
    html = section(side.district_officer, side.the_producer)
    assert "在国家追溯平台注册" in html and "ZT-31-0001" in html and "2024-05-06" in html
    this_year = sum(1 for r in rows if r["开具日期"].startswith(str(today.year)))
    assert f"{today.year} 年已开具 {this_year} 张" in html
    assert html.count("HGZ") == 10  # the last ten
    assert "查看全部合格证" in html
    assert f"{today.month} 月" in html


def test_a_producer_not_registered_reads_no(world):
    html = section(world.pudong.district_officer, world.pudong.the_producer)
    assert "badge warn\">否" in html and "尚未导入" in html


def test_a_producer_account_sees_its_own_and_a_lab_nothing(world):
    side = world.pudong
    certificates_of(side)
    assert "HGZ" in section(side.producer, side.the_producer)
    assert section(world.lab, side.the_producer).strip() == ""
    # Another district's officer reads none of it (the page itself is a 404 to him).
    assert "HGZ" not in section(world.chongming.district_officer, side.the_producer)

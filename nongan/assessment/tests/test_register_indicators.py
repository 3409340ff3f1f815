"""名录信息完整率 and 网格覆盖率, counted by hand on a small world."""

from nongan.producers.models import Plot, Producer
from nongan.regions.models import Region
from nongan.regions.services import assign_grid_member, grid_for_village
from nongan.testing import make_plot, make_producer

from .factories import measure


def test_register_completeness_counts_entries_missing_a_field(world):
    pudong = world.pudong
    no_phone = make_producer(pudong.village, kind="grower", name="缺电话种植户", area_mu="12")
    Producer.objects.filter(pk=no_phone.pk).update(phone="")
    farm = make_producer(pudong.village2, kind="family_farm", name="缺信息家庭农场")
    Producer.objects.filter(pk=farm.pk).update(uscc=None, id_number="", area_mu=0)
    make_producer(world.chongming.village, name="崇明的主体")  # another district

    found = measure("register_completeness", pudong.district)

    assert (found.numerator, found.denominator) == (1, 3)
    reasons = {m.pk: m.reason for m in found.misses}
    assert reasons == {
        str(no_phone.pk): "名录信息不全，缺少：联系电话",
        str(farm.pk): "名录信息不全，缺少：统一社会信用代码或身份证号码、生产面积"}
    miss = next(m for m in found.misses if m.pk == str(no_phone.pk))
    assert (miss.label, miss.url, miss.model) == ("缺电话种植户", f"/producers/{no_phone.pk}/",
                                                  "producers.producer")


def test_register_fields_are_a_parameter(world):
    Producer.objects.filter(pk=world.pudong.the_producer.pk).update(products=[])
    assert measure("register_completeness", world.pudong.district).achieved == 1
    found = measure("register_completeness", world.pudong.district, fields=["products"])
    assert (found.numerator, found.denominator) == (0, 1)
    assert found.misses[0].reason == "名录信息不全，缺少：产品与品种"


def test_grid_coverage_counts_producers_plots_and_staffed_villages(world):
    pudong = world.pudong
    outside = make_producer(pudong.village2, name="网格外合作社")
    plot = make_plot(outside)
    Producer.objects.filter(pk=outside.pk).update(grid=None)
    Plot.objects.filter(pk=plot.pk).update(grid=None)
    village = Region.objects.get(code=pudong.village)
    assign_grid_member(grid_for_village(village), name="李四", duty="巡查", actor=None)

    found = measure("grid_coverage", pudong.district)

    # producers 2 (1 in a grid), plots 2 (1), villages with producers 2 (1 staffed)
    assert (found.numerator, found.denominator) == (3, 6)
    by_model = {(m.model, m.pk): m.reason for m in found.misses}
    assert by_model == {("producers.producer", str(outside.pk)): "未划入有效网格",
                        ("producers.plot", str(plot.pk)): "地块未划入有效网格",
                        ("regions.region", pudong.village2):
                            "村内有生产主体，但没有落实监管人员的有效网格"}
    assert measure("grid_coverage", pudong.district, parts=["villages"]).denominator == 2

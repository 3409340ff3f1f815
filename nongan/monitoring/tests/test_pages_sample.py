"""The sample page shows the whole sampling form; it prints a QR label and the form in its
four copies; another lab or another district never sees it (404 everywhere)."""

import re

import pytest

from nongan.testing import make_sample

from .page_helpers import city_plan, inside, lab_sample, photo

pytestmark = pytest.mark.usefixtures("media_root")


def supervisory_sample(world):
    """监督抽查 by two carded enforcement officers, with GPS inside the plot, a photo, the
    pesticides the party declared and a refusal to sign."""
    side = world.pudong
    media = photo(side.enforcement_officer)
    return make_sample(
        side.the_producer, actor=side.enforcement_officer, kind="supervisory",
        lab=world.lab.org.pk, plot=side.plot.plot_no, product="青菜", variety="上海青",
        quantity="2 kg", location=inside(side.plot), photos=[str(media.pk)],
        co_samplers=["pudong-enforcement2"],
        pesticides_used=[{"pesticide": "啶虫脒", "dose": "20 g/亩", "applied_on": None}],
        refusal="负责人拒绝签字")


def test_the_sample_page_shows_the_whole_form(world, login, standards):
    sample = supervisory_sample(world)
    response = login(world.pudong.district_officer).get(f"/samples/{sample.sample_no}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (sample.sample_no, "pudong合作社", world.pudong.plot.plot_no, "青菜", "上海青",
                 "2 kg", "啶虫脒", "20 g/亩", "毒死蜱", "监督抽查", "上海市农产品质量安全检测中心",
                 "执法证号 31PU000001", "执法证号 31PU000002", "负责人拒绝签字",
                 f"位于地块 {world.pudong.plot.plot_no} 内", "GB 2763-2026"):
        assert text in html, text
    media = sample.photos.get()
    assert f"/samples/{sample.sample_no}/photos/{media.pk}" in html
    assert login(world.pudong.district_officer).get(
        f"/samples/{sample.sample_no}/photos/{media.pk}").status_code == 200


def test_the_flags_of_the_form_are_shown(world, login):
    # No standard loaded: the form is flagged, the page says so.
    sample = supervisory_sample(world)
    html = login(world.pudong.enforcement_officer).get(
        f"/samples/{sample.sample_no}/").content.decode()
    assert "未载入抽样日适用的限量标准" in html


def test_the_label_is_a_qr_code_of_the_sample_number(world, login, standards):
    sample = lab_sample(world, city_plan(world))
    response = login(world.lab).get(f"/samples/{sample.sample_no}/label/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") == 2  # the test portion and the retained portion
    assert "检测样品" in html and "备份样品" in html and sample.sample_no in html
    assert "label.css" in html


def test_the_sampling_form_prints_in_four_copies(world, login, standards):
    sample = supervisory_sample(world)
    html = login(world.pudong.enforcement_officer2).get(
        f"/samples/{sample.sample_no}/print/").content.decode()
    assert len(re.findall(r'class="record-sheet sampling-form"', html)) == 4
    for keeper in ("抽样人留存", "被抽样方留存", "检测机构留存", "任务下达单位留存"):
        assert keeper in html
    assert html.count("抽样人签名") == 4 and html.count("被抽样方签名") == 4
    assert html.count("负责人拒绝签字") == 4


def test_another_lab_and_another_district_get_404_everywhere(world, login, standards):
    sample = supervisory_sample(world)
    media = sample.photos.get()
    paths = [f"/samples/{sample.sample_no}/", f"/samples/{sample.sample_no}/label/",
             f"/samples/{sample.sample_no}/print/",
             f"/samples/{sample.sample_no}/photos/{media.pk}"]
    for user in (world.lab2, world.chongming.district_officer, world.chongming.producer):
        client = login(user)
        for path in paths:
            assert client.get(path).status_code == 404, (user, path)
    assert login(world.lab2).post(f"/samples/{sample.sample_no}/results/",
                                  {"rows": "1"}).status_code == 404
    # The lab that tests it, and the producer sampled, see it.
    assert login(world.lab).get(paths[0]).status_code == 200
    assert login(world.pudong.producer).get(paths[0]).status_code == 200

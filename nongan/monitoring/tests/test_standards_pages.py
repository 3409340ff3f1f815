"""Pages of the limit standards: editions (in force, demo labelled), the search with the
matched row explained, the classification tree, and the city's import form."""

from django.urls import reverse

from nongan.monitoring.models import Standard
from nongan.monitoring.standards import load_demo_standards

from .test_limits_matching import LIMITS, edition, foods_csv, limits_csv


def test_the_page_lists_editions_with_the_one_in_force_and_demo_labelled(world, login):
    load_demo_standards()
    page = login(world.pudong.grid_worker).get(reverse("standards")).content.decode()
    assert "GB 2763-2021" in page and "GB 2763-2026" in page
    assert page.count(">演示数据</span>") == 2 and "现行" in page
    assert "导入限量表" not in page  # only the city administrator imports


def test_searching_a_pesticide_on_a_food_explains_the_row_used(world, login):
    edition("2021")
    page = login(world.lab).get(reverse("standards"), {"pesticide": "啶虫脒", "food": "青菜"})
    text = page.content.decode()
    assert "依据 GB 2763-2021：叶菜类蔬菜 限量 1 mg/kg（本食品无单独限量，适用所属类别）" in text
    assert "青菜 → 普通白菜 → 绿叶类 → 叶菜类蔬菜 → 蔬菜" in text
    assert "判定所用" in text


def test_an_excluded_food_says_why_the_group_row_does_not_apply(world, login):
    edition("2021")
    text = login(world.lab).get(reverse("standards"), {"pesticide": "吡虫啉", "food": "脐橙"}
                                ).content.decode()
    assert "未查到“吡虫啉”在“脐橙”及其所属类别的限量" in text
    assert "“柑橘类水果(柑、橘、橙除外)”不适用：橙 除外" in text
    assert "本食品除外" in text


def test_a_filter_change_answers_only_the_results(world, login):
    edition("2021")
    response = login(world.lab).get(reverse("standards"), {"pesticide": "克百威"},
                                    headers={"HX-Request": "true"})
    text = response.content.decode()
    assert "<html" not in text and "克百威" in text and "禁用" in text


def test_the_classification_is_browsed_as_a_tree(world, login):
    edition("2021")
    client = login(world.pudong.town_officer)
    text = client.get(reverse("standard_foods"), {"version": "2021"}).content.decode()
    assert text.index("柑橘类水果") < text.index("脐橙")
    assert "food=%E8%84%90%E6%A9%99" in text  # each name links to its limits
    assert client.get(reverse("standard_foods"), {"version": "1999"}).status_code == 404


def test_a_classification_downloads_as_the_file_an_import_takes(world, login):
    edition("2021")
    response = login(world.city_admin).get(reverse("standard_foods"), {"format": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[:3] == ["food,parent", "蔬菜,", "叶菜类蔬菜,蔬菜"] and "脐橙,橙" in lines


def test_the_city_administrator_imports_through_the_form(world, login):
    client = login(world.city_admin)
    assert "导入限量表" in client.get(reverse("standards")).content.decode()
    response = client.post(reverse("standard_import"),
                           {"limits": limits_csv(LIMITS), "foods": foods_csv(),
                            "effective_from": ""})
    text = response.content.decode()
    assert response.status_code == 200 and "已新建 GB 2763-2021" in text
    assert "1 条提示" in text
    assert Standard.objects.get().limits.count() == len(LIMITS)


def test_a_failed_import_shows_every_bad_row_and_writes_nothing(world, login):
    rows = [*LIMITS[:5], ("毒死蜱", "chlorpyrifos", "青菜", "abc", "0", "0"),
            ("甲拌磷", "phorate", "蔬菜", "0.01", "0", "yes")]
    response = login(world.city_admin).post(reverse("standard_import"),
                                            {"limits": limits_csv(rows), "foods": foods_csv()})
    text = response.content.decode()
    assert response.status_code == 422
    assert "第7行 mrl 列" in text and "第8行 banned 列" in text and "未导入任何数据" in text
    assert not Standard.objects.exists()


def test_other_roles_cannot_open_the_import_form(world, login):
    client = login(world.pudong.district_officer)
    assert client.get(reverse("standard_import")).status_code == 403
    assert client.post(reverse("standard_import"), {"limits": limits_csv(LIMITS)}
                       ).status_code == 403
    assert not Standard.objects.exists()


def test_templates_download_and_pages_need_a_login(world, login, client):
    response = login(world.city_admin).get(reverse("standard_template", args=["limits"]))
    assert b"pesticide_cn,pesticide_en,food,mrl" in b"".join(response.streaming_content)
    assert login(world.lab).get(reverse("standard_template", args=["other"])).status_code == 404
    assert client.get(reverse("standards")).status_code == 302

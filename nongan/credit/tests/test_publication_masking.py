"""Masked values never appear unmasked in the files: a natural person's name is 王**, his ID
number is masked in the penalty row and absent from the grades, his phone never there."""

import pytest

from nongan.enforcement.services.cases import withdraw_notice
from nongan.testing import make_producer

from .publication_factories import as_dicts, generate, grower_decision, penalise, raw, read


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_growers_personal_data_is_masked_in_every_file(world):
    side = world.pudong
    case, person, notice = grower_decision(side)
    penalise(person, f"王小明（{person.id_number}）使用禁用农药")
    withdraw_notice(case, f"王小明 {person.id_number} 申请行政复议，决定撤销",
                    actor=side.enforcement_officer)
    done, _ = generate()
    assert (done.penalties, done.withdrawals, done.grade_changes) == (1, 1, 1)
    everything = raw(done)
    for secret in (person.id_number, person.phone, "王小明", "小明"):
        assert secret not in everything, secret
    published, withdrawn = as_dicts(read(done, "penalties.csv"))
    assert published["行政相对人名称"] == "王**" and published["行政相对人类别"] == "自然人"
    assert published["行政相对人代码_1(统一社会信用代码)"] == published["法定代表人"] == ""
    assert published["证件类型"] == "身份证"
    assert published["证件号码"] == person.id_number[:6] + "*" * 11 + person.id_number[-1]
    assert withdrawn["备注"].startswith("撤销：王** ")
    [grade] = as_dicts(read(done, "grades.csv"))
    assert grade["主体名称"] == "王**" and grade["主体类别"] == "自然人"
    assert grade["统一社会信用代码"] == ""
    assert person.id_number[:6] + "*" in grade["评定依据"]  # the ID masked in the text too


def test_a_person_named_in_a_firms_name_is_masked(world):
    side = world.pudong
    farm = make_producer(side.village, kind="family_farm", name="李大山家庭农场",
                         legal_rep="李大山")
    penalise(farm, "李大山家庭农场 未按规定开具承诺达标合格证")
    [grade] = as_dicts(read(generate()[0], "grades.csv"))
    assert grade["主体名称"] == "李**家庭农场" and grade["主体类别"] == "自然人"
    assert "李大山" not in grade["评定依据"]

"""Personal data is masked before publication: names of individuals, ID numbers, phone
numbers — however they are written in free text."""

import pytest

from nongan.public.masking import mask_name, party_name, scrub


@pytest.mark.parametrize("text, secret", [
    ("身份证号310115198001011234。", "198001011234"),
    ("身份证31011519800101123X", "19800101123X"),
    ("旧证号310115800101123", "800101123"),
    ("电话13912345678", "12345678"),
    ("电话 139 1234 5678", "1234 5678"),
    ("电话139-1234-5678", "1234-5678"),
    ("座机021-58881234", "58881234"),
])
def test_numbers_in_free_text_are_masked(text, secret):
    assert secret not in scrub(text)


def test_names_keep_only_the_surname():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert scrub("当事人张三承认", ["张三"]) == "当事人张*承认"


def test_a_persons_name_inside_a_firms_name_is_masked(world):
    from nongan.testing import make_producer

    farm = make_producer(world.pudong.village, kind="family_farm", name="李四家庭农场",
                         legal_rep="李四")
    grower = make_producer(world.pudong.village, kind="grower", name="王五", legal_rep="王五")
    assert party_name(farm) == "李*家庭农场"
    assert party_name(grower) == "王*"
    assert party_name(world.pudong.the_producer) == world.pudong.the_producer.name

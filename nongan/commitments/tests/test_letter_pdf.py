"""The notification letter is a printable PDF with Chinese text: its first page rendered to
pixels is not blank, and its text holds the producer's name, the number and the deadline;
its receipt follows on a page of its own; a town's batch holds its town's letters only."""

import pytest

from nongan.commitments import letters
from nongan.testing import make_producer

from .factories import start
from .rendering import dark_share, page_image, page_text, pdf_pages


@pytest.fixture
def campaign(world):
    make_producer(world.pudong.village2, actor=world.city_admin, name="柴场村果蔬专业合作社")
    make_producer("310115104002", actor=world.city_admin, name="高桥蔬菜合作社")
    return start(world.pudong.district_officer)


def test_the_letter_renders_chinese(world, api, campaign):
    letter = campaign.letters.get(producer=world.pudong.the_producer)
    answer = api(world.pudong.producer).get(f"/letters/{letter.pk}.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    body = answer.content
    image = page_image(body)
    assert dark_share(image) > 0.01, "the first page is blank"
    text = page_text(body)
    assert "pudong合作社" in text and "农产品质量安全告知书" in text
    assert letter.number in text and f"{campaign.year}年3月31日" in text
    assert len(pdf_pages(body)) == 2 and "送达回执" in page_text(body, 1)


def test_the_printed_letter_is_the_text_it_was_issued_with(world, campaign):
    letter = campaign.letters.get(producer=world.pudong.the_producer)
    letter.text = "pudong合作社：这是发出时的正文。"
    assert "这是发出时的正文" in page_text(letters.letter_pdf(letter))


def test_a_towns_batch_has_each_of_its_letters(world, login, campaign):
    response = login(world.pudong.town_officer).get(
        f"/commitments/campaigns/{campaign.pk}/letters.pdf", {"town": world.pudong.town})
    assert response.status_code == 200
    body = response.content
    texts = [page_text(body, i) for i in range(len(pdf_pages(body)))]
    starts = [t for t in texts if "农产品质量安全告知书" in t]
    assert len(starts) == 2  # 川沙新镇: two producers; 高桥镇's is not in this batch
    joined = "".join(texts)
    assert "pudong合作社" in joined and "柴场村果蔬专业合作社" in joined
    assert "高桥蔬菜合作社" not in joined
    assert len(texts) == 4  # each letter and its receipt
    assert all(dark_share(page_image(body, i)) > 0.003 for i in range(len(texts)))

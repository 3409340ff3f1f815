"""整改答复: the producer of an order answers it with text and photos (checked by content)
until a passing follow-up closes it (then 409); nobody else may (officers 403, other
producers 404); every reply is audited, tells the grid and the town, and shows to the
officers on the order list and the order page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nongan.core.models import AuditEntry, Notification
from nongan.inspections.models import Media, RectificationReply
from nongan.testing import make_inspection, make_producer, make_user

from .rectification_factories import ordered, photo_file, replied


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def order(world):
    return ordered(world.pudong.the_producer, actor=world.pudong.grid_worker)


def upload(api_client, content: bytes, name="after.jpg"):
    return api_client.client.post("/api/v1/media", {"file": SimpleUploadedFile(name, content)},
                                  headers=api_client.headers)


def test_the_producer_answers_its_order_with_photos(world, api, order):
    producer = api(world.pudong.producer)
    photo = upload(producer, photo_file().read())
    assert photo.status_code == 201
    answer = producer.post(f"/rectifications/{order.pk}/replies",
                           {"text": "已清理过期农药，补全了记录", "photos": [photo.json()["id"]]})
    assert answer.status_code == 201
    reply = answer.json()
    assert reply["text"] == "已清理过期农药，补全了记录"
    assert reply["author"] == "pudong-producer"
    assert [p["id"] for p in reply["photos"]] == [photo.json()["id"]]

    shown = producer.get(f"/rectifications/{order.pk}").json()
    assert shown["status"] == "open" and shown["items"] == ["补全农药使用记录"]
    assert [r["id"] for r in shown["replies"]] == [reply["id"]]
    officer = api(world.pudong.town_officer).get(f"/rectifications/{order.pk}")
    assert officer.json()["replies"][0]["text"] == "已清理过期农药，补全了记录"

    entry = AuditEntry.objects.get(action="rectification.reply")
    assert entry.actor_id == world.pudong.producer.pk
    assert entry.changes["after"]["rectification"] == order.pk
    assert entry.changes["after"]["photos"] == [photo.json()["id"]]


def test_the_grid_and_the_town_are_told(world, order):
    replied(order, world.pudong.producer)
    told = set(Notification.objects.filter(kind="rectification.reply")
               .values_list("recipient__username", flat=True))
    assert told == {"pudong-grid", "pudong-town"}
    note = Notification.objects.filter(kind="rectification.reply").first()
    assert note.link == f"/rectifications/{order.pk}/" and "pudong合作社" in note.text


def test_only_the_producer_of_the_order_may_answer(world, api, order):
    body = {"text": "已整改"}
    for officer in ("grid_worker", "town_officer", "district_officer"):
        answer = api(getattr(world.pudong, officer)).post(
            f"/rectifications/{order.pk}/replies", body)
        assert answer.status_code == 403, officer
    neighbour = make_producer(world.pudong.village, actor=world.city_admin)
    neighbour_account = make_user("producer", world.pudong.village, producer=neighbour)
    for outsider in (neighbour_account, world.chongming.producer):
        answer = api(outsider).post(f"/rectifications/{order.pk}/replies", body)
        assert answer.status_code == 404
        assert api(outsider).get(f"/rectifications/{order.pk}").status_code == 404
    assert not RectificationReply.objects.exists()


def test_a_closed_order_takes_no_reply(world, api, order):
    make_inspection(world.pudong.the_producer, actor=world.pudong.grid_worker)  # passes
    order.refresh_from_db()
    assert order.closed_by_id
    answer = api(world.pudong.producer).post(f"/rectifications/{order.pk}/replies",
                                             {"text": "已整改"})
    assert answer.status_code == 409 and "关闭" in answer.json()["detail"]
    page = api(world.pudong.producer).get(f"/rectifications/{order.pk}").json()
    assert page["status"] == "closed" and page["replies"] == []


def test_a_reply_needs_its_text_and_photos_of_its_own(world, api, order):
    someone_elses = upload(api(world.pudong.grid_worker), photo_file().read()).json()["id"]
    answer = api(world.pudong.producer).post(f"/rectifications/{order.pk}/replies",
                                             {"text": "  ", "photos": [someone_elses]})
    assert answer.status_code == 422
    assert {tuple(d["loc"]) for d in answer.json()["detail"]} == {("body", "text"),
                                                                  ("body", "photos")}


def test_photos_are_checked_by_content(world, login, order):
    client = login(world.pudong.producer)
    fake = SimpleUploadedFile("after.jpg", b"not a picture at all", content_type="image/jpeg")
    answer = client.post(f"/rectifications/{order.pk}/replies/",
                         {"text": "已整改", "photos": [photo_file(), fake]})
    assert answer.status_code == 422
    assert "第 2 张" in answer.content.decode() and "JPEG 或 PNG" in answer.content.decode()
    assert not RectificationReply.objects.exists() and not Media.objects.exists()

    good = client.post(f"/rectifications/{order.pk}/replies/",
                       {"text": "已整改", "photos": [photo_file(), photo_file("b.png")]})
    assert good.status_code == 302
    reply = RectificationReply.objects.get()
    assert reply.photos.count() == 2 and reply.author == world.pudong.producer


def test_officers_see_replies_on_the_list_and_the_order_page(world, login, order):
    reply = replied(order, world.pudong.producer, text="已补全记录并拍照")
    photo = reply.photos.get()
    officer = login(world.pudong.town_officer)
    listing = officer.get("/rectifications/").content.decode()
    assert "1 次答复" in listing and f"/rectifications/{order.pk}/" in listing
    page = officer.get(f"/rectifications/{order.pk}/").content.decode()
    url = f"/rectifications/{order.pk}/photos/{photo.pk}"
    assert "已补全记录并拍照" in page and url in page
    assert 'id="reply"' not in page  # officers read, the producer answers
    served = officer.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert login(world.chongming.district_officer).get(url).status_code == 404
    assert login(world.pudong.producer).get(url).status_code == 200


def test_the_order_page_offers_the_producer_the_reply_form_until_closed(world, login, order):
    client = login(world.pudong.producer)
    assert 'id="reply"' in client.get(f"/rectifications/{order.pk}/").content.decode()
    make_inspection(world.pudong.the_producer, actor=world.pudong.grid_worker)
    page = client.get(f"/rectifications/{order.pk}/").content.decode()
    assert 'id="reply"' not in page and "已整改" in page
    late = client.post(f"/rectifications/{order.pk}/replies/", {"text": "已整改"}, follow=True)
    assert "不能再答复" in late.content.decode()

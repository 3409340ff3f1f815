"""Documents of a referral are accepted by their content (PDF, JPEG, PNG — never by the
file name), stored, and downloaded only by those who see the referral."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nongan.core.errors import FieldErrors
from nongan.joint import services
from nongan.joint.models import ReferralDocument

from .factories import answer, jpeg_upload, pdf_bytes, referral, upload

pytestmark = pytest.mark.django_db


def test_a_pdf_and_a_photo_are_added_and_downloaded_as_stored(world, login):
    side = world.pudong
    made = referral(side)
    report = services.add_document(made, upload(), {"kind": "report", "name": "调查报告"},
                                   actor=side.enforcement_officer)
    photo = services.add_document(made, jpeg_upload(), {"kind": "items"},
                                  actor=side.enforcement_officer)
    assert (report.content_type, photo.content_type) == ("application/pdf", "image/jpeg")
    assert photo.name == "涉案物品清单"
    response = login(side.district_officer).get(f"/referral-documents/{report.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "attachment" not in response["Content-Disposition"]


def test_a_text_file_named_pdf_is_refused(world):
    side = world.pudong
    made = referral(side)
    fake = SimpleUploadedFile("调查报告.pdf", "这不是PDF文件".encode(), "application/pdf")
    with pytest.raises(FieldErrors) as refused:
        services.add_document(made, fake, {"kind": "report"}, actor=side.enforcement_officer)
    assert "按文件内容判断" in refused.value.by_field()["file"]
    assert not ReferralDocument.objects.filter(kind="report").exists()


def test_a_scan_of_the_answer_is_checked_too(world):
    side = world.pudong
    made = referral(side)
    fake = SimpleUploadedFile("回执.png", b"<html>not an image</html>", "image/png")
    with pytest.raises(FieldErrors) as refused:
        services.record_answer(made, {"state": "declined", "text": ""}, scan=fake,
                               actor=side.enforcement_officer)
    assert set(refused.value.by_field()) == {"text", "scan"}
    made.refresh_from_db()
    assert made.state == "sent"
    answered = services.record_answer(made, {"state": "received"}, scan=upload("回执.pdf"),
                                      actor=side.enforcement_officer)
    assert answered.answers.get().document.kind == "reply"


def test_documents_of_another_district_are_not_found_anywhere(world, login, api):
    made = referral(world.chongming)
    answer(made, world.chongming, "received")
    document = made.documents.first()
    for role in ("district_officer", "enforcement_officer", "town_officer", "producer"):
        user = getattr(world.pudong, role)
        assert login(user).get(f"/referral-documents/{document.pk}/").status_code == 404
        assert api(user).get(f"/referral-documents/{document.pk}").status_code == 404
    assert login(world.chongming.producer).get(
        f"/referral-documents/{document.pk}/").status_code == 404
    assert login(world.lab).get(f"/referral-documents/{document.pk}/").status_code == 404
    assert api(world.chongming.district_officer).get(
        f"/referral-documents/{document.pk}").status_code == 200


def test_the_api_takes_a_document_as_multipart_and_refuses_a_fake(world, api):
    side = world.pudong
    made = referral(side)
    client = api(side.enforcement_officer)
    url = f"/api/v1/referrals/{made.pk}/documents"
    added = client.client.post(url, {"kind": "test", "name": "检验报告",
                                     "file": upload("检验报告.pdf", pdf_bytes("report"))},
                               headers=client.headers)
    assert added.status_code == 201, added.content
    assert added.json()["kind"] == "test"
    fake = client.client.post(url, {"kind": "test", "file": SimpleUploadedFile(
        "x.pdf", b"plain text", "application/pdf")}, headers=client.headers)
    assert fake.status_code == 422
    assert fake.json()["detail"][0]["loc"] == ["body", "file"]
    assert api(world.chongming.enforcement_officer).client.post(
        url, {"kind": "test", "file": upload()},
        headers=api(world.chongming.enforcement_officer).headers).status_code == 404

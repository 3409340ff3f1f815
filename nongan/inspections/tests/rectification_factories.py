"""Rectification orders and the producer's replies, made through the services."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from nongan.inspections.models import ChecklistTemplate, Rectification, RectificationReply
from nongan.inspections.services import reply_to_rectification, upload_media
from nongan.testing import jpeg_bytes, make_inspection, make_template


def ordered(producer, *, actor, days=10, items=("补全农药使用记录",)) -> Rectification:
    """An order from `actor`'s inspection of `producer`, due in `days` days."""
    if not ChecklistTemplate.objects.filter(code="test-daily").exists():
        make_template()
    inspection = make_inspection(producer, actor=actor, result="rectify", rectification={
        "items": list(items), "deadline": timezone.localdate() + dt.timedelta(days=days)})
    return inspection.rectification


def photo_file(name="after.jpg", **exif) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**exif), content_type="image/jpeg")


def replied(order, account, *, text="已补全农药使用记录，过期农药已清理", photos=1
            ) -> RectificationReply:
    """A reply by the producer's `account` with `photos` photos uploaded first."""
    media = [upload_media(photo_file(), actor=account).pk for _ in range(photos)]
    return reply_to_rectification(order, {"text": text, "photos": media}, actor=account)

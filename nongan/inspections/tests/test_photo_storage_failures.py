"""Photos when storage fails: a store that cannot be written answers 503 (the phone keeps
the photo and sends it again) and keeps neither a row nor a file; files that an upload cut
off half-way left without a row are swept once no upload can still be writing them."""

import os
import time
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from nongan.core.models import AuditEntry
from nongan.inspections.models import Media
from nongan.inspections.services import sweep_photo_files, upload_media
from nongan.testing import jpeg_bytes


def post_photo(api, user, content):
    client = api(user)
    return client.client.post("/api/v1/media", {"file": SimpleUploadedFile("p.jpg", content)},
                              headers=client.headers)


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_an_unwritable_photo_store_answers_503_keeps_nothing_and_takes_the_retry(
        world, api, settings, tmp_path):
    # A folder in the way of the media root: every write under it fails, even for root.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media-root"
    photo = jpeg_bytes()

    answer = post_photo(api, world.pudong.grid_worker, photo)
    assert answer.status_code == 503, answer.content
    assert answer["Retry-After"]
    assert "稍后" in answer.json()["detail"]
    assert not Media.objects.exists()

    settings.MEDIA_ROOT = tmp_path / "media-root"
    answer = post_photo(api, world.pudong.grid_worker, photo)
    assert answer.status_code == 201, answer.content
    stored = Media.objects.get()
    assert files_under(tmp_path / "media-root") == [Path(stored.file.path)]
    assert Path(stored.file.path).read_bytes() == photo


def test_photo_files_no_record_names_are_swept_once_no_upload_can_be_writing_them(
        world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    kept = upload_media(SimpleUploadedFile("p.jpg", jpeg_bytes()),
                        actor=world.pudong.grid_worker)
    folder = Path(kept.file.path).parent
    cut_off = folder / "cut-off.jpg"
    cut_off.write_bytes(b"\xff\xd8\xff half a photo")
    in_flight = folder / "in-flight.jpg"
    in_flight.write_bytes(b"\xff\xd8\xff")
    not_a_photo = tmp_path / "imports" / "register.csv"
    not_a_photo.parent.mkdir()
    not_a_photo.write_text("名称\n")
    two_hours_ago = time.time() - 7200
    for path in (Path(kept.file.path), cut_off, not_a_photo):
        os.utime(path, (two_hours_ago, two_hours_ago))

    removed = sweep_photo_files()

    assert removed == [str(cut_off.relative_to(tmp_path))]
    assert sorted(files_under(tmp_path)) == sorted([Path(kept.file.path), in_flight,
                                                    not_a_photo])
    entry = AuditEntry.objects.get(action="media.sweep")
    assert entry.changes["after"]["removed"] == removed
    assert sweep_photo_files() == []

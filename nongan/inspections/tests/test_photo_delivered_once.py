"""A photo sent again under the id the phone gave it is stored once (the answer to the first
send was lost: the server killed after committing it, the network gone): the phone's retry
answers 200 with the stored photo; another photo under that id is refused."""

import uuid
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from nongan.inspections.models import Media
from nongan.testing import jpeg_bytes


def send(api, user, content, photo_id=None):
    client = api(user)
    data = {"file": SimpleUploadedFile("p.jpg", content)}
    if photo_id:
        data["id"] = str(photo_id)
    return client.client.post("/api/v1/media", data, headers=client.headers)


def test_the_same_photo_under_its_id_is_stored_once(world, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    worker, photo, photo_id = world.pudong.grid_worker, jpeg_bytes(), uuid.uuid4()

    first = send(api, worker, photo, photo_id)
    again = send(api, worker, photo, photo_id)

    assert first.status_code == 201 and again.status_code == 200, again.content
    assert first.json()["id"] == again.json()["id"] == str(photo_id)
    stored = Media.objects.get()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [Path(stored.file.path)]


def test_another_photo_or_another_user_under_a_taken_id_is_a_conflict(world, api, settings,
                                                                       tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo_id = uuid.uuid4()
    assert send(api, world.pudong.grid_worker, jpeg_bytes(), photo_id).status_code == 201

    other_photo = send(api, world.pudong.grid_worker, jpeg_bytes(size=(80, 60)), photo_id)
    other_user = send(api, world.chongming.grid_worker, jpeg_bytes(), photo_id)

    assert other_photo.status_code == other_user.status_code == 409
    assert Media.objects.count() == 1
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_without_an_id_every_send_is_a_new_photo(world, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = jpeg_bytes()
    answers = [send(api, world.pudong.grid_worker, photo) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert Media.objects.count() == 2

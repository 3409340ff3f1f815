"""A backup restored into an emptied database gives back the same rows, chain and photos."""

import hashlib
import json
import shutil
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from nongan.core.audit import verify
from nongan.core.backup import backup, data_models, restore
from nongan.core.models import AuditEntry
from nongan.inspections.services import upload_media
from nongan.risk.tasks import run_risk
from nongan.testing import (
    PLACES,
    jpeg_bytes,
    make_inspection,
    make_producer,
    make_template,
    make_world,
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def busy_world(live_divisions, media):
    """Producers, plots, an inspection with a photo, audit entries and a pending task."""
    world = make_world()
    make_template()
    worker = world.pudong.grid_worker
    photo = upload_media(SimpleUploadedFile("p.jpg", jpeg_bytes()), actor=worker)
    make_inspection(world.pudong.the_producer, actor=worker, photos=[str(photo.id)])
    run_risk.enqueue()
    return world


def state(media):
    return {
        "counts": {m._meta.label_lower: m._base_manager.count() for m in data_models()},
        "chain": list(AuditEntry.objects.order_by("seq").values_list("hash", flat=True)),
        "media": {p.relative_to(media).as_posix(): p.read_bytes()
                  for p in media.rglob("*") if p.is_file()},
    }


def empty_the_instance(media):
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media, ignore_errors=True)


def test_a_backup_restored_into_an_empty_database_gives_back_everything(
        busy_world, media, tmp_path):
    before = state(media)
    assert before["counts"]["inspections.inspection_photos"] == 1
    assert before["counts"]["django_tasks_database.dbtaskresult"] >= 1
    assert len(before["media"]) == 1
    archive = tmp_path / "nongan.tar.gz"
    manifest = backup(archive)
    assert manifest["counts"] == before["counts"]
    assert manifest["audit"]["count"] == len(before["chain"])
    assert manifest["audit"]["last_hash"] == before["chain"][-1]

    empty_the_instance(media)
    assert AuditEntry.objects.count() == 0 and not media.exists()
    report = restore(archive)

    assert report.ok and report.chain_message == f"{len(before['chain'])} entries intact"
    assert state(media) == before
    assert verify()[0]


def test_the_archive_lists_every_member_with_its_checksum_and_one_beside_it(
        busy_world, tmp_path):
    archive = tmp_path / "nongan.tar"
    manifest = backup(archive)
    sidecar = (tmp_path / "nongan.tar.sha256").read_text().split()
    assert sidecar == [hashlib.sha256(archive.read_bytes()).hexdigest(), "nongan.tar"]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        stored = json.load(tar.extractfile("manifest.json"))
        for name in names[:-1]:
            digest = hashlib.sha256(tar.extractfile(name).read()).hexdigest()
            assert stored["members"][name]["sha256"] == digest
    assert names[-1] == "manifest.json" and set(names[:-1]) == set(stored["members"])
    assert stored["engine"] in ("sqlite", "postgresql")
    assert stored["migrations"]["inspections"] and stored["nongan_version"]
    assert manifest["media"] == {"files": 1, "bytes": manifest["media"]["bytes"], "missing": []}
    # Parents before children: the register before the plots, the plots before inspections.
    order = [n.split("-", 1)[1].removesuffix(".jsonl") for n in stored["order"]]
    assert order.index("regions.region") < order.index("producers.producer") \
        < order.index("producers.plot") < order.index("inspections.inspection")
    assert "sessions.session" not in order and "auth.permission" not in order


def test_the_commands_back_up_and_restore_and_new_records_follow_the_restored_ones(
        busy_world, media, tmp_path, capsys):
    archive = tmp_path / "nongan.tar"
    call_command("backup", str(archive), "--quiet")
    printed = capsys.readouterr()
    assert printed.out.split() == [hashlib.sha256(archive.read_bytes()).hexdigest(),
                                   str(archive)]
    assert printed.err == ""
    empty_the_instance(media)

    call_command("restore", str(archive))
    printed = capsys.readouterr()
    assert "row counts match the manifest" in printed.out
    assert "audit chain intact" in printed.out
    assert "producers.producer: 2 rows" in printed.err  # progress, per model
    # Sequences continue after the restored ids (PostgreSQL: reset after loading).
    fresh = make_producer(PLACES["pudong"][2], actor=busy_world.city_admin)
    assert fresh.pk > busy_world.chongming.the_producer.pk
    assert verify()[0]

"""A restore refuses an altered archive, another schema's archive and a database in use —
before writing anything."""

import hashlib
import io
import json
import tarfile

import pytest

from nongan.core.backup import Refused, backup, data_models, restore
from nongan.core.models import AuditEntry
from nongan.core.tests.test_backup_round_trip import busy_world, empty_the_instance, media, state

__all__ = ["busy_world", "media"]  # fixtures


def rewrite(archive, change):
    """The archive with `change(name, data) -> data` applied to each member."""
    with tarfile.open(archive) as tar:
        members = [(info, tar.extractfile(info).read()) for info in tar]
    with tarfile.open(archive, "w:gz") as tar:
        for info, data in members:
            data = change(info.name, data)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def nothing_stored(media):
    return (all(m._base_manager.count() == 0 for m in data_models())
            and not any(p.is_file() for p in media.rglob("*")))


def test_an_altered_photo_is_refused_by_name_and_nothing_is_written(busy_world, media, tmp_path):
    archive = tmp_path / "nongan.tar.gz"
    backup(archive)
    photo = next(n for n in state(media)["media"])
    (tmp_path / "nongan.tar.gz.sha256").unlink()  # only the archive travelled
    rewrite(archive, lambda name, data: data[:-1] + b"\x00" if name == f"media/{photo}"
            else data)
    empty_the_instance(media)

    with pytest.raises(Refused, match=f"media/{photo}: SHA-256 does not match"):
        restore(archive)
    assert nothing_stored(media)


def test_an_altered_row_is_refused_by_name(busy_world, media, tmp_path):
    archive = tmp_path / "nongan.tar.gz"
    backup(archive)
    (tmp_path / "nongan.tar.gz.sha256").unlink()
    rewrite(archive, lambda name, data: data.replace(b"13800000000", b"13900000000")
            if name.endswith("producers.producer.jsonl") else data)
    empty_the_instance(media)

    with pytest.raises(Refused, match=r"data/\d+-producers.producer.jsonl: SHA-256"):
        restore(archive)
    assert nothing_stored(media)


def test_an_archive_that_differs_from_its_checksum_file_is_refused(busy_world, media, tmp_path):
    archive = tmp_path / "nongan.tar.gz"
    backup(archive)
    forged = {}

    def forge(name, data):
        # Rows altered and the manifest made to agree still differ from the archive's own
        # checksum, kept beside it.
        if name.endswith("producers.producer.jsonl"):
            data = data.replace(b"13800000000", b"13900000000")
            forged[name] = hashlib.sha256(data).hexdigest()
        elif name == "manifest.json":
            manifest = json.loads(data)
            for member, digest in forged.items():
                manifest["members"][member]["sha256"] = digest
            data = json.dumps(manifest).encode()
        return data

    rewrite(archive, forge)
    empty_the_instance(media)

    with pytest.raises(Refused, match="nongan.tar.gz: SHA-256 differs from nongan.tar.gz.sha256"):
        restore(archive)
    assert nothing_stored(media)


def test_an_archive_of_another_schema_is_refused(busy_world, media, tmp_path):
    archive = tmp_path / "nongan.tar.gz"
    backup(archive)
    (tmp_path / "nongan.tar.gz.sha256").unlink()

    def older(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["inspections"] = "0001_initial"
        return json.dumps(manifest).encode()

    rewrite(archive, older)
    empty_the_instance(media)
    with pytest.raises(Refused, match="inspections: archive 0001_initial"):
        restore(archive)
    assert nothing_stored(media)


def test_a_restore_into_a_database_in_use_is_refused(busy_world, media, tmp_path):
    archive = tmp_path / "nongan.tar"
    backup(archive)
    before = state(media)
    with pytest.raises(Refused, match="already holds nongan data"):
        restore(archive)
    assert state(media) == before
    assert AuditEntry.objects.count() == len(before["chain"])

"""Backup and restore (备份与恢复): one archive with a consistent snapshot of the database and
the media files, checked member by member, restorable into an empty instance on SQLite or
PostgreSQL.

The archive (a tar, gzipped when its name ends in .tar.gz or .tgz) holds
- `data/NNN-<app.model>.jsonl`: every row of every model, Django's JSON Lines serialization,
  one member per model in dependency order (many-to-many tables are members of their own);
- `media/<name>`: every file of the media storage;
- `manifest.json` (last): format, versions, engine, migrations, row counts, the audit chain
  head and the SHA-256 and size of every other member.
Beside it, `FILE.sha256` holds the archive's own SHA-256 (sha256sum format).

Left out: content types and permissions (`migrate` creates them; rows that point at a
permission name it by natural key) and sessions (live login credentials; a restore logs
everybody out). Task rows (django_tasks_db) are kept, so pending tasks run after a restore.
"""

import datetime as dt
import hashlib
import io
import json
import os
import posixpath
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
EXCLUDED = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
# Rows a data migration stores on a fresh database (assessment/migrations/0002_shipped_table):
# they do not make a database "non-empty"; the restore replaces them with the archive's rows.
SEEDED_BY_MIGRATIONS = {"assessment.assessmenttable", "assessment.indicator"}
CHUNK = 2000
PROGRESS_EVERY = 100_000

Say = Callable[[str], None]


class Refused(Exception):
    """The archive or the target database does not allow a restore; nothing was loaded."""


@dataclass
class Report:
    counts_match: bool
    chain_intact: bool
    chain_message: str
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.counts_match and self.chain_intact


def _quiet(_message: str) -> None:
    pass


# --- what is backed up -----------------------------------------------------------------

def data_models() -> list[type[models.Model]]:
    """Every model with rows of its own (many-to-many tables too), parents before children."""
    chosen = [m for m in apps.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in EXCLUDED]
    chosen.sort(key=lambda m: m._meta.label_lower)
    inside = set(chosen)
    needs = {m: {f.related_model for f in m._meta.concrete_fields
                 if f.is_relation and f.related_model in inside and f.related_model is not m}
             for m in chosen}
    ordered, done = [], set()
    while len(ordered) < len(chosen):
        ready = [m for m in chosen if m not in done and needs[m] <= done]
        # A cycle of foreign keys (none today) is still loadable: Django creates foreign keys
        # DEFERRABLE INITIALLY DEFERRED on both engines and the load is one transaction.
        for m in ready or [next(m for m in chosen if m not in done)]:
            ordered.append(m)
            done.add(m)
    return ordered


def _by_natural_key(model) -> bool:
    """Rows pointing at a left-out model (a permission) name it by its natural key."""
    return any(f.is_relation and f.related_model._meta.label_lower in EXCLUDED
               for f in model._meta.concrete_fields)


def _migration_state(connection) -> dict[str, str]:
    """The latest applied migration of each app."""
    loader = MigrationLoader(connection)
    applied = set(loader.applied_migrations)
    latest = {}
    for app, name in sorted(applied):
        node = loader.graph.node_map.get((app, name))
        if node is None:
            continue
        if not any(child.key in applied and child.key[0] == app for child in node.children):
            latest[app] = name
    return latest


def _code_migrations(connection) -> dict[str, str]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return {app: name for app, name in sorted(loader.graph.leaf_nodes())}


@contextmanager
def _snapshot(using: str):
    """One read transaction: every row read sees the database as of one moment.

    PostgreSQL: REPEATABLE READ, READ ONLY — one snapshot for every statement, writers are
    not blocked. SQLite: BEGIN DEFERRED — in WAL mode a reader keeps the snapshot of its
    first read until it ends, writers go on (atomic() would say BEGIN IMMEDIATE here, the
    project's transaction mode, and hold off every writer for the whole backup).
    """
    connection = connections[using]
    if connection.in_atomic_block:  # already inside a transaction (tests): read within it
        yield
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
    else:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield


# --- archive helpers -------------------------------------------------------------------

class _Hashing(io.RawIOBase):
    """A reader that hashes and counts what passes through it."""

    def __init__(self, raw):
        self.raw, self.sha, self.size = raw, hashlib.sha256(), 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        self.sha.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)

    def drain(self):
        while self.read(1 << 20):
            pass
        return self.sha.hexdigest()


def _add(tar, name: str, fileobj, size: int, members: dict) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o644
    reader = _Hashing(fileobj)
    tar.addfile(info, reader)
    members[name] = {"sha256": reader.sha.hexdigest(), "size": size}


def _write_mode(path: Path) -> str:
    return "w:gz" if path.name.endswith((".tar.gz", ".tgz")) else "w"


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def media_names(storage, folder=""):
    """Every file in the media storage (walked through the storage API, so object storage
    works too), skipping a restore's hidden staging folder."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for sub in sorted(folders):
        if not sub.startswith("."):
            yield from media_names(storage, posixpath.join(folder, sub) if folder else sub)


# --- backup ----------------------------------------------------------------------------

def backup(path, *, say: Say = _quiet, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Write the archive at `path` and `path`.sha256; return the manifest."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        manifest = _write(partial, path, using, say)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    digest = file_sha256(path)
    Path(f"{path}.sha256").write_text(f"{digest}  {path.name}\n")
    manifest["sha256"] = digest
    return manifest


def _write(partial: Path, path: Path, using: str, say: Say) -> dict:
    connection = connections[using]
    members, counts, order, referenced = {}, {}, [], {}
    with tarfile.open(partial, _write_mode(path)) as tar, \
            tempfile.TemporaryDirectory(dir=path.parent) as work:
        with _snapshot(using):
            from nongan.core.models import AuditHead

            head = AuditHead.objects.using(using).filter(id=1).first()
            manifest = {
                "format": FORMAT,
                "nongan_version": _version(),
                "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
                "engine": connection.vendor,
                "migrations": _migration_state(connection),
                "audit": {"count": head.count if head else 0,
                          "last_hash": head.last_hash if head else "0" * 64},
            }
            for number, model in enumerate(data_models(), start=1):
                label = model._meta.label_lower
                name = f"data/{number:03d}-{label}.jsonl"
                scratch = Path(work) / "rows.jsonl"
                with open(scratch, "w", encoding="utf-8") as out:
                    counts[label] = _dump(model, out, using, referenced, say)
                with open(scratch, "rb") as f:
                    _add(tar, name, f, scratch.stat().st_size, members)
                order.append(name)
        # The snapshot is taken; the media are listed after it. A file is stored before the
        # row naming it commits, and media files are never rewritten, so every file a
        # snapshot row names is there now; files uploaded meanwhile come along as extras.
        files, size = 0, 0
        for name in media_names(default_storage):
            with default_storage.open(name, "rb") as f:
                length = _size(f, name)
                _add(tar, f"media/{name}", f, length, members)
            files, size = files + 1, size + length
            if files % 1000 == 0:
                say(f"  media: {files:,} files")
        missing = sorted(n for n in referenced if f"media/{n}" not in members)
        say(f"  media: {files:,} files, {size:,} bytes")
        manifest |= {"counts": counts, "order": order, "members": members,
                     "media": {"files": files, "bytes": size, "missing": missing}}
        body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        _add(tar, MANIFEST, io.BytesIO(body), len(body), {})
    if missing:
        say(f"warning: {len(missing)} media files named by rows are missing: {missing[:5]}")
    return manifest


def _version() -> str:
    try:
        return metadata.version("nongan")
    except metadata.PackageNotFoundError:
        return "unknown"


def _size(f, name: str) -> int:
    try:
        return os.fstat(f.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        return default_storage.size(name)


def _dump(model, out, using, referenced, say) -> int:
    """Stream one model's rows into `out`; remember the media files they name."""
    label = model._meta.label_lower
    file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
    count = 0

    def rows():
        nonlocal count
        for obj in model._base_manager.using(using).order_by("pk").iterator(chunk_size=CHUNK):
            for f in file_fields:
                if name := getattr(obj, f.attname):
                    referenced[str(name)] = True
            count += 1
            if count % PROGRESS_EVERY == 0:
                say(f"  {label}: {count:,} rows …")
            yield obj

    serializers.serialize(
        "jsonl", rows(), stream=out, fields=[f.name for f in model._meta.local_fields],
        use_natural_foreign_keys=_by_natural_key(model))
    say(f"  {label}: {count:,} rows")
    return count


# --- restore ---------------------------------------------------------------------------

def read_manifest_and_verify(path: Path) -> dict:
    """Read the whole archive once and check every member against the manifest."""
    sidecar = Path(f"{path}.sha256")
    if sidecar.exists():
        words = sidecar.read_text().split()
        if file_sha256(path) != (words[0] if words else ""):
            raise Refused(f"{path.name}: SHA-256 differs from {sidecar.name}")
    seen, manifest = {}, None
    try:
        with tarfile.open(path, "r|*") as tar:
            for info in tar:
                if not info.isfile():
                    raise Refused(f"{info.name}: not a regular file")
                reader = _Hashing(tar.extractfile(info))
                if info.name == MANIFEST:
                    manifest = json.loads(reader.read())
                else:
                    seen[info.name] = reader.drain()
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise Refused(f"{path.name}: not a readable archive ({exc})") from exc
    if manifest is None or manifest.get("format") != FORMAT:
        raise Refused(f"{path.name}: no manifest of format {FORMAT}")
    listed = manifest["members"]
    for name, digest in seen.items():
        if name not in listed:
            raise Refused(f"{name}: not listed in the manifest")
        if listed[name]["sha256"] != digest:
            raise Refused(f"{name}: SHA-256 does not match the manifest (altered)")
        _safe_name(name)
    for name in listed:
        if name not in seen:
            raise Refused(f"{name}: listed in the manifest but missing from the archive")
    return manifest


def _safe_name(name: str) -> None:
    clean = posixpath.normpath(name)
    if clean != name or name.startswith("/") or ".." in name.split("/") or not (
            name.startswith(("data/", "media/"))):
        raise Refused(f"{name}: unsafe member name")


def _check_schema(manifest: dict, connection) -> None:
    ours = _code_migrations(connection)
    theirs = manifest["migrations"]
    differ = [f"{app}: archive {theirs.get(app, '-')}, this version {ours.get(app, '-')}"
              for app in sorted(set(ours) | set(theirs)) if ours.get(app) != theirs.get(app)]
    if differ:
        raise Refused("the archive was made by another database schema; restore it with the "
                      "nongan version that made it, then upgrade:\n  " + "\n  ".join(differ))


def _check_empty(using: str) -> None:
    busy = [m._meta.label_lower for m in data_models()
            if m._meta.label_lower not in SEEDED_BY_MIGRATIONS
            and m._base_manager.using(using).exists()]
    if busy:
        raise Refused("the database already holds nongan data (" + ", ".join(busy[:5])
                      + (" …" if len(busy) > 5 else "") + "); restore into an empty database")


def restore(path, *, say: Say = _quiet, using: str = DEFAULT_DB_ALIAS) -> Report:
    """Verify, migrate, load in one transaction, copy media, then compare and verify."""
    path = Path(path).resolve()
    say(f"verifying {path.name}")
    manifest = read_manifest_and_verify(path)
    connection = connections[using]
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [f"{app}.{name}" for app, name in manifest["migrations"].items()
               if (app, name) not in known]
    if unknown:
        raise Refused("the archive was made by a newer nongan (migrations unknown here: "
                      + ", ".join(unknown) + ")")
    say("migrating")
    call_command("migrate", database=using, interactive=False, verbosity=0)
    _check_schema(manifest, connection)
    _check_empty(using)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=_staging_parent()))
    try:
        with transaction.atomic(using=using):
            for label in SEEDED_BY_MIGRATIONS & set(manifest["counts"]):
                apps.get_model(label)._base_manager.using(using).all().delete()
            _load(path, manifest, staging, using, say)
            _reset_sequences(connection)
            differences = _compare(manifest, using)
            if differences:
                raise Refused("row counts differ from the manifest after loading: "
                              + "; ".join(differences))
        _place_media(staging, say)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    from nongan.core.audit import verify

    intact, message = verify()
    return Report(counts_match=True, chain_intact=intact, chain_message=message)


def _staging_parent() -> Path | None:
    if isinstance(default_storage, FileSystemStorage):
        parent = Path(settings.MEDIA_ROOT)
        parent.mkdir(parents=True, exist_ok=True)
        return parent  # the same file system, so placing a file is a rename
    return None


def _load(path: Path, manifest: dict, staging: Path, using: str, say: Say) -> None:
    listed = manifest["members"]
    with tarfile.open(path, "r|*") as tar:
        for info in tar:
            if info.name == MANIFEST:
                continue
            reader = _Hashing(tar.extractfile(info))
            if info.name.startswith("data/"):
                label = info.name.split("-", 1)[1].removesuffix(".jsonl")
                loaded = _load_rows(apps.get_model(label), io.BufferedReader(reader), using)
                say(f"  {label}: {loaded:,} rows")
            else:
                target = staging / info.name.removeprefix("media/")
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as out:
                    shutil.copyfileobj(reader, out, 1 << 20)
            # The archive is read a second time: check it again, it could have changed.
            if reader.drain() != listed[info.name]["sha256"]:
                raise Refused(f"{info.name}: SHA-256 changed while restoring")


def _load_rows(model, lines, using: str) -> int:
    """Insert the rows in batches as they are (raw: auto_now fields keep their values, no
    signals), a line at a time so a model with millions of rows is never all in memory."""
    fields = model._meta.concrete_fields
    batch, count = [], 0
    for item in serializers.deserialize("jsonl", lines, using=using,
                                        handle_forward_references=False):
        batch.append(item.object)
        if len(batch) >= CHUNK:
            count += _insert(model, batch, fields, using)
            batch = []
    return count + (_insert(model, batch, fields, using) if batch else 0)


def _insert(model, objs, fields, using) -> int:
    ops = connections[using].ops
    size = max(ops.bulk_batch_size(fields, objs), 1)
    for start in range(0, len(objs), size):
        # QuerySet._insert with raw=True is what Model.save_base(raw=True) — loaddata — uses.
        model._base_manager.using(using)._insert(objs[start:start + size], fields=fields,
                                                 raw=True, using=using)
    return len(objs)


def _reset_sequences(connection) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), data_models())
    if statements:  # PostgreSQL; SQLite's AUTOINCREMENT follows explicit ids by itself
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _compare(manifest: dict, using: str) -> list[str]:
    from nongan.core.models import AuditHead

    differences = []
    for label, expected in manifest["counts"].items():
        found = apps.get_model(label)._base_manager.using(using).count()
        if found != expected:
            differences.append(f"{label}: {found} rows, manifest {expected}")
    head = AuditHead.objects.using(using).filter(id=1).first()
    got = {"count": head.count if head else 0, "last_hash": head.last_hash if head else "0" * 64}
    if got != manifest["audit"]:
        differences.append(f"audit head {got}, manifest {manifest['audit']}")
    return differences


def _place_media(staging: Path, say: Say) -> None:
    files = 0
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        name = source.relative_to(staging).as_posix()
        if _staging_parent() is not None:
            target = Path(default_storage.path(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        else:
            if default_storage.exists(name):
                default_storage.delete(name)
            with open(source, "rb") as f:
                default_storage.save(name, File(f, name=name))
        files += 1
    say(f"  media: {files:,} files placed")

"""Recording and verifying the audit chain (监管留痕)."""

import datetime as dt
import decimal
import hashlib
import json
import uuid

from django.db import transaction
from django.utils import timezone

from .context import client_address
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def jsonable(value):
    """Plain JSON values, so the hash is the same after a round trip through any database."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def entry_hash(prev_hash: str, fields: dict) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "client_address": entry.client_address,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "region_code": entry.region_code,
        "changes": entry.changes,
    }


def record(action: str, obj=None, *, actor, before=None, after=None, region_code="",
           object_type="", object_id="") -> AuditEntry:
    """Append one entry; call inside the transaction of the write it records."""
    assert transaction.get_connection().in_atomic_block, "audit entries belong to a write"
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    changes = {}
    if before is not None:
        changes["before"] = jsonable(before)
    if after is not None:
        changes["after"] = jsonable(after)
    user = actor if getattr(actor, "pk", None) else None
    entry = AuditEntry(
        seq=head.count + 1,
        at=timezone.now().replace(microsecond=0),
        actor=user,
        actor_name=getattr(actor, "username", "") or str(actor or "system"),
        client_address=client_address.get() or ("" if user else "cli"),
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        region_code=region_code,
        changes=changes,
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry.prev_hash, _hashed_fields(entry))
    entry.save()
    head.count, head.last_hash = entry.seq, entry.hash
    head.save(update_fields=["count", "last_hash"])
    return entry


def verify() -> tuple[bool, str]:
    """Walk the chain; return (intact, message naming the first broken entry)."""
    prev, expected_seq = GENESIS, 1
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return False, f"entry #{expected_seq} is missing (next found: #{entry.seq})"
        if entry.prev_hash != prev:
            return False, f"entry #{entry.seq}: previous hash does not match entry #{entry.seq - 1}"
        if entry_hash(prev, _hashed_fields(entry)) != entry.hash:
            return False, f"entry #{entry.seq} ({entry.action}) was altered"
        prev, expected_seq = entry.hash, expected_seq + 1
    head = AuditHead.objects.filter(id=1).first()
    count, last = (head.count, head.last_hash) if head else (0, GENESIS)
    if count != expected_seq - 1 or last != prev:
        return False, f"entries after #{expected_seq - 1} were removed (chain head: #{count})"
    return True, f"{expected_seq - 1} entries intact"


def audit_scope(user):
    """The audit log's scope: the entries `user` may read.

    A city-level account (the city administrator) reads every entry; any other account
    allowed "audit.view" (a district officer) reads the entries whose `region_code` starts
    with the first six digits of its region's code — its district (统计用区划代码: 2 digits
    province, 2 city, 2 district). Entries with no region (system-wide changes) stay
    with the city. Roles without "audit.view" read nothing.
    """
    from .permissions import allowed

    entries = AuditEntry.objects.all()
    if not allowed(user, "audit.view"):
        return entries.none()
    if user.region.level == "city":
        return entries
    return entries.filter(region_code__startswith=user.region_id[:6])

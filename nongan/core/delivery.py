"""Records made in the field arrive once (CONTRACT.md): the client's `uuid` names the record;
the same content again returns the stored one, other content under that uuid is a conflict."""

import hashlib
import json

from django.db import IntegrityError, transaction

from nongan.core import audit
from nongan.core.errors import Conflict
from nongan.core.scoping import visible


def payload_hash(payload: dict) -> str:
    body = json.dumps(audit.jsonable(payload), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def deliver_once(model, payload: dict, create, *, actor, changed: str):
    """`create(payload, digest, actor)` runs only for a new uuid; answers (record, created).
    `changed` is the conflict message for different content under a stored uuid."""
    digest = payload_hash(payload)
    existing = model.objects.filter(uuid=payload["uuid"]).first()
    if existing is None:
        try:
            with transaction.atomic():
                return create(payload, digest, actor), True
        except IntegrityError:
            # Two deliveries of the same record raced; the first one won.
            existing = model.objects.filter(uuid=payload["uuid"]).first()
            if existing is None:
                raise
    if not visible(model, actor).filter(pk=existing.pk).exists():
        raise Conflict("该编号已被另一条记录使用")
    if existing.payload_hash != digest:
        raise Conflict(changed)
    return existing, False

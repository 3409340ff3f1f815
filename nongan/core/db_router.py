"""Reads from a streaming read replica, only where a view asks for them (docs/deploy.md).

With `DATABASE_REPLICA_URL` set, settings add the alias "replica" and this router. Nothing
goes there by default: a replica lags the primary by a moment, and a page that has just saved
something must read it back. A view whose reads may be a few seconds old (a dashboard, a
monthly report) wraps them:

    with reading_from_replica():
        figures = dashboard_figures(visible(Result, request.user), ...)

Scoping is unchanged (the same querysets, only another connection). Writes, reads inside a
transaction, and everything when no replica is configured stay on "default".
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_wanted: ContextVar[bool] = ContextVar("nongan_read_replica", default=False)


@contextmanager
def reading_from_replica():
    """Send the ORM reads made inside the block to the replica (if there is one)."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


class ReplicaRouter:
    def __init__(self):
        self.replica = REPLICA in settings.DATABASES

    def db_for_read(self, model, **hints):
        if (self.replica and _wanted.get()
                and not connections["default"].in_atomic_block):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both aliases

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's migrations by replication

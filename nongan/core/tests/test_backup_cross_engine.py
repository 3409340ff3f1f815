"""A backup of one engine restores into the other: SQLite → PostgreSQL when the tests run on
SQLite, PostgreSQL → SQLite when they run on PostgreSQL (`nongan restore` in a child
process, with its own NONGAN_HOME and DATABASE_URL)."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from nongan.core.backup import backup
from nongan.core.tests.test_backup_round_trip import busy_world, media, state

__all__ = ["busy_world", "media"]  # fixtures

SERVER = os.environ.get("NONGAN_TEST_PG", "postgres://postgres@127.0.0.1:5432")
SCRATCH = "nongan_backup_other_engine"


@pytest.fixture
def other_database():
    """The other engine's empty database: a scratch PostgreSQL database, or None (SQLite)."""
    if connection.vendor != "sqlite":
        yield None
        return
    psycopg = pytest.importorskip("psycopg")

    def run(sql):
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3) as pg:
            pg.execute(sql)

    try:
        run(f"DROP DATABASE IF EXISTS {SCRATCH}")
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server for the other engine: {exc}")
    run(f"CREATE DATABASE {SCRATCH}")
    yield f"{SERVER}/{SCRATCH}"
    run(f"DROP DATABASE IF EXISTS {SCRATCH}")


@pytest.mark.once
def test_a_backup_restores_into_the_other_engine(busy_world, media, tmp_path, other_database):
    archive = tmp_path / "nongan.tar.gz"
    manifest = backup(archive)
    before = state(media)
    env = os.environ | {"NONGAN_HOME": str(tmp_path / "other")}
    if other_database:
        env["DATABASE_URL"] = other_database
    else:
        env.pop("DATABASE_URL", None)  # the other instance's SQLite file under its home

    run = subprocess.run([sys.executable, "-m", "nongan.cli", "restore", str(archive), "--quiet"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)

    assert run.returncode == 0, run.stderr
    assert f"audit chain intact: {manifest['audit']['count']} entries intact" in run.stdout
    restored = tmp_path / "other" / "media"
    assert {p.relative_to(restored).as_posix(): p.read_bytes()
            for p in restored.rglob("*") if p.is_file()} == before["media"]

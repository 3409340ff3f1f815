"""Shared by the benchmarks: a fresh bench database, fast bulk inserts (COPY on PostgreSQL,
executemany on SQLite) and the timing loop."""

import os
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse


def configure(db_name: str, home: Path, reuse: bool) -> None:
    """Point Django at a bench database — PostgreSQL `db_name` when DATABASE_URL is set, else
    SQLite under `home` — fresh unless `reuse`, and start Django."""
    url = os.environ.get("DATABASE_URL")
    if url:
        parts = urlparse(url)
        if not reuse:
            import psycopg

            admin = urlunparse(parts._replace(path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {db_name}")
                conn.execute(f"CREATE DATABASE {db_name}")
        os.environ["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{db_name}"))
    else:
        home.mkdir(parents=True, exist_ok=True)
        os.environ["NONGAN_HOME"] = str(home)
        if not reuse:
            for name in ("nongan.sqlite3", "nongan.sqlite3-wal", "nongan.sqlite3-shm"):
                (home / name).unlink(missing_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongan.settings")
    import django

    django.setup()


def insert_rows(table: str, columns: list[str], rows) -> None:
    """Many rows at once: COPY on PostgreSQL, executemany in batches on SQLite."""
    from django.db import connection

    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def timed(fn, runs: int, warm: bool = True) -> list[float]:
    """Milliseconds of `runs` calls of `fn`, after one untimed call unless `warm` is off."""
    if warm:
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples

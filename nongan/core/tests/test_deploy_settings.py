"""The deployment options of settings (docs/deploy.md): each off unless its variable is set."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from nongan.core.db_router import ReplicaRouter, reading_from_replica
from nongan.core.models import Notification as Thing

try:  # the [redis] extra: only a task for the RQ smoke test below
    from django_tasks import task

    @task()
    def add(a, b):
        return a + b
except ImportError:  # pragma: no cover
    add = None

SHOW = ("import json, nongan.settings as s; print(json.dumps({'storage': s.STORAGES['default'], "
        "'databases': sorted(s.DATABASES), 'replica': s.DATABASES.get('replica', {}).get('TEST'), "
        "'routers': getattr(s, 'DATABASE_ROUTERS', []), 'apps': s.INSTALLED_APPS, "
        "'queues': getattr(s, 'RQ_QUEUES', None), "
        "'cursors': s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False), "
        "'pg_options': [s.DATABASES[a].get('OPTIONS', {}).get('options') for a in s.DATABASES]"
        "}))")
DEPLOY_VARIABLES = ("NONGAN_MEDIA_STORAGE", "NONGAN_S3_BUCKET", "NONGAN_TASK_BACKEND",
                    "DATABASE_REPLICA_URL", "NONGAN_PGBOUNCER", "NONGAN_REDIS_URL")


def settings_with(tmp_path, **variables):
    env = {k: v for k, v in os.environ.items() if k not in DEPLOY_VARIABLES}
    env.update(NONGAN_HOME=str(tmp_path), **variables)
    done = subprocess.run([sys.executable, "-c", SHOW], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 or not done.stdout, done.stderr
    return json.loads(done.stdout) if done.returncode == 0 else done.stderr


def test_without_deployment_variables_media_stay_on_disk_tasks_in_the_database_and_no_replica(
        tmp_path):
    shown = settings_with(tmp_path)
    assert shown["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert shown["databases"] == ["default"] and shown["routers"] == []
    assert "django_rq" not in shown["apps"] and shown["queues"] is None
    assert shown["cursors"] is False


def test_s3_media_storage_is_configured_from_the_environment_with_a_private_bucket(tmp_path):
    shown = settings_with(tmp_path, NONGAN_MEDIA_STORAGE="s3", NONGAN_S3_BUCKET="nongan-media",
                          NONGAN_S3_ENDPOINT="http://minio:9000", NONGAN_S3_ACCESS_KEY="k",
                          NONGAN_S3_SECRET_KEY="s", NONGAN_S3_REGION="cn-east-2")
    options = shown["storage"]["OPTIONS"]
    assert shown["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "nongan-media"
    assert options["endpoint_url"] == "http://minio:9000"
    assert options["file_overwrite"] is False and options["default_acl"] is None


def test_s3_media_storage_without_a_bucket_stops_at_startup_with_the_reason(tmp_path):
    reason = settings_with(tmp_path, NONGAN_MEDIA_STORAGE="s3")
    assert "NONGAN_S3_BUCKET" in reason


def test_a_replica_url_adds_a_mirrored_alias_and_the_router_and_pgbouncer_drops_server_cursors(
        tmp_path):
    shown = settings_with(tmp_path, DATABASE_REPLICA_URL="postgres://r@replica:5432/nongan",
                          NONGAN_PGBOUNCER="1")
    assert shown["databases"] == ["default", "replica"]
    assert shown["replica"] == {"MIRROR": "default"}
    assert shown["routers"] == ["nongan.core.db_router.ReplicaRouter"]
    assert shown["cursors"] is True


def test_postgresql_connections_run_without_jit_except_through_pgbouncer(tmp_path):
    url, replica = "postgres://n@db:5432/nongan", "postgres://r@replica:5432/nongan"
    direct = settings_with(tmp_path, DATABASE_URL=url, DATABASE_REPLICA_URL=replica)
    assert direct["pg_options"] == ["-c jit=off", "-c jit=off"]
    pooled = settings_with(tmp_path, DATABASE_URL=url, NONGAN_PGBOUNCER="1")
    assert pooled["pg_options"] == [None]
    beside_sqlite = settings_with(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
                                  DATABASE_REPLICA_URL=replica)
    assert beside_sqlite["pg_options"] == [None, "-c jit=off"]


def test_the_rq_task_backend_installs_django_rq_with_a_queue_per_task_queue(tmp_path):
    pytest.importorskip("django_tasks_rq")
    shown = settings_with(tmp_path, NONGAN_TASK_BACKEND="django_tasks_rq.RQBackend",
                          NONGAN_REDIS_URL="redis://redis:6379/2")
    assert {"django_rq", "django_tasks_rq"} <= set(shown["apps"])
    assert shown["queues"]["default"]["URL"] == "redis://redis:6379/2"


def replica_router(configured=True):
    router = ReplicaRouter()  # settings give it no replica in tests
    router.replica = configured
    return router


def test_the_router_reads_from_the_replica_only_inside_the_block_and_only_if_there_is_one():
    router = replica_router()
    assert router.db_for_read(Thing) is None
    with reading_from_replica():
        assert router.db_for_read(Thing) == "replica"
        assert router.db_for_write(Thing) == "default"
    assert router.db_for_read(Thing) is None
    assert router.allow_migrate("replica", "core") is False
    assert router.allow_migrate("default", "core") is True
    with reading_from_replica():
        assert replica_router(configured=False).db_for_read(Thing) is None


def test_inside_a_transaction_the_router_keeps_reads_on_the_primary(db):
    with reading_from_replica():  # the test runs inside a transaction
        assert replica_router().db_for_read(Thing) is None


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_nongan_worker_runs_tasks_and_delayed_retries_from_redis_with_the_rq_backend(tmp_path):
    pytest.importorskip("django_tasks_rq")
    env = {k: v for k, v in os.environ.items() if k not in DEPLOY_VARIABLES}
    env.update(NONGAN_HOME=str(tmp_path), NONGAN_TASK_BACKEND="django_tasks_rq.RQBackend",
               NONGAN_REDIS_URL="redis://127.0.0.1:6379/15", DJANGO_SETTINGS_MODULE="nongan.settings")
    module = __name__
    enqueue = (
        "import datetime as dt, django; django.setup()\n"
        "from django.utils import timezone\n"
        f"from {module} import add\n"
        "now = add.enqueue(2, 3)\n"
        "later = add.using(run_after=timezone.now() + dt.timedelta(seconds=2)).enqueue(10, 20)\n"
        "print(now.id, later.id)\n")
    ids = subprocess.run([sys.executable, "-c", enqueue], env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    check = ("import django; django.setup()\n"
             f"from {module} import add\n"
             f"print(' '.join(str(add.get_result(i).status) for i in {ids!r}))\n")
    worker = subprocess.Popen([sys.executable, "-m", "nongan.cli", "worker", "--no-schedule"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            statuses = subprocess.run([sys.executable, "-c", check], env=env, text=True,
                                      capture_output=True, timeout=60).stdout.split()
            if statuses == ["SUCCESSFUL", "SUCCESSFUL"] or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert statuses == ["SUCCESSFUL", "SUCCESSFUL"]

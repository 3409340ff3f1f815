"""A task outlives the worker that ran it (core.workers): a worker that stops beating —
killed, out of memory, its machine gone — has its task put back in the queue and run by
another; a task that kills worker after worker is failed, not run for ever; and a worker
whose database went away (restarted) goes on working when it is back."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from nongan.core.models import AuditEntry, WorkerBeat
from nongan.core.workers import MAX_ATTEMPTS, requeue_abandoned
from nongan.testing import run_queued_tasks


@task()
def note_runs(path: str, seconds: float) -> int:
    """Writes "start" and, `seconds` later, "done" into `path`: what a worker ran."""
    with open(path, "a") as out:
        out.write("start\n")
    time.sleep(seconds)
    with open(path, "a") as out:
        out.write("done\n")
    return len(open(path).read().split())


def claimed(*workers: str, started_ago=dt.timedelta(minutes=3), path="unused") -> DBTaskResult:
    row = DBTaskResult.objects.get(pk=note_runs.enqueue(str(path), 0).id)
    for worker_id in workers:
        row.claim(worker_id)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - started_ago)
    return row


def beat(worker_id: str, ago: dt.timedelta) -> None:
    WorkerBeat.objects.create(worker_id=worker_id, host="test", pid=1,
                              seen_at=timezone.now() - ago)


@pytest.mark.django_db
def test_the_task_of_a_worker_that_stopped_beating_runs_again_and_a_living_ones_is_kept(
        tmp_path):
    beat("killed", dt.timedelta(minutes=2))
    beat("busy", dt.timedelta(seconds=3))
    lost, kept = claimed("killed", path=tmp_path / "runs.txt"), claimed("busy")

    assert requeue_abandoned() == {str(lost.id): "requeued"}
    assert requeue_abandoned() == {}  # once
    kept.refresh_from_db()
    assert kept.status == "RUNNING"
    entry = AuditEntry.objects.get(action="task.requeued")
    assert entry.object_id == str(lost.id) and entry.changes["after"]["worker"] == "killed"

    run_queued_tasks("next")
    lost.refresh_from_db()
    assert lost.status == "SUCCESSFUL"
    assert lost.worker_ids == ["killed", "next"]
    assert (tmp_path / "runs.txt").read_text().split() == ["start", "done"]


@pytest.mark.django_db
def test_a_task_just_claimed_by_a_worker_that_never_beat_is_left_alone():
    fresh = claimed("bare-db-worker", started_ago=dt.timedelta(seconds=1))
    assert requeue_abandoned() == {}
    fresh.refresh_from_db()
    assert fresh.status == "RUNNING"


@pytest.mark.django_db
def test_a_task_that_outlived_its_workers_max_times_is_failed_not_run_again():
    doomed = claimed(*[f"w{n}" for n in range(MAX_ATTEMPTS)])
    assert requeue_abandoned() == {str(doomed.id): "failed"}
    doomed.refresh_from_db()
    assert doomed.status == "FAILED"
    assert doomed.exception_class_path == "nongan.core.workers.WorkerDied"
    assert f"{MAX_ATTEMPTS} times" in doomed.traceback


@pytest.mark.once
def test_a_worker_killed_in_the_middle_of_a_task_is_relieved_by_the_next(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(NONGAN_HOME=str(tmp_path), NONGAN_WORKER_DEAD_AFTER_S="2",
               DJANGO_SETTINGS_MODULE="nongan.settings")
    subprocess.run([sys.executable, "-m", "nongan.cli", "migrate", "-v0"], env=env, check=True,
                   timeout=180)
    runs = tmp_path / "runs.txt"
    runs.touch()
    script = ("import django; django.setup()\n"
              f"from {__name__} import note_runs\n")
    task_id = subprocess.run(
        [sys.executable, "-c", script + f"print(note_runs.enqueue({str(runs)!r}, 3).id)"],
        env=env, capture_output=True, text=True, timeout=60, check=True).stdout.strip()

    def worker():
        return subprocess.Popen([sys.executable, "-m", "nongan.cli", "worker", "--no-schedule"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_for(lines, timeout):
        deadline = time.monotonic() + timeout
        while runs.read_text().split() != lines and time.monotonic() < deadline:
            time.sleep(0.1)
        return runs.read_text().split()

    first = worker()
    try:
        assert wait_for(["start"], 60) == ["start"]
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    second = worker()
    try:
        assert wait_for(["start", "start", "done"], 60) == ["start", "start", "done"]
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    status = subprocess.run(
        [sys.executable, "-c", script + f"r = note_runs.get_result({task_id!r})\n"
                                        "print(r.status, len(r.worker_ids))"],
        env=env, capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert status == ["SUCCESSFUL", "2"]


WORKER_UNDER_TEST = "nongan-worker-under-test"  # libpq's application_name (PGAPPNAME)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="drops connections in PostgreSQL")
def test_a_worker_whose_database_went_away_mid_task_runs_it_again_and_goes_on(
        transactional_db, tmp_path):
    """What a restart of PostgreSQL does to a worker: its connections are cut — here while
    a task runs, so that the task's end cannot be written."""
    settings = connection.settings_dict
    env = dict(os.environ, NONGAN_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="nongan.settings",
               NONGAN_WORKER_DEAD_AFTER_S="2", PGAPPNAME=WORKER_UNDER_TEST,
               DATABASE_URL=f"postgres://{settings['USER']}@{settings['HOST']}:"
                            f"{settings['PORT'] or 5432}/{settings['NAME']}")
    cut, after = tmp_path / "cut.txt", tmp_path / "after.txt"
    for path in (cut, after):
        path.touch()
    cut_id = note_runs.enqueue(str(cut), 3).id

    def wait_for(path, lines):
        deadline = time.monotonic() + 60
        while path.read_text().split() != lines and time.monotonic() < deadline:
            time.sleep(0.1)
        return path.read_text().split()

    worker = subprocess.Popen([sys.executable, "-m", "nongan.cli", "worker", "--no-schedule"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(cut, ["start"]) == ["start"]
        with connection.cursor() as cursor:
            # Only the worker's: other tests' connections (a live server's) share the database.
            cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE application_name = %s", [WORKER_UNDER_TEST])
            assert cursor.fetchone()[0] >= 1
        assert wait_for(cut, ["start", "done", "start", "done"]) == [
            "start", "done", "start", "done"]
        note_runs.enqueue(str(after), 0)
        assert wait_for(after, ["start", "done"]) == ["start", "done"]
        assert worker.poll() is None, "the worker exited"
        assert DBTaskResult.objects.get(pk=cut_id).status == "SUCCESSFUL"
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)

"""`nongan iot` as a process: it consumes from the broker into its database, survives bad
messages, and on SIGTERM stores what it holds, prints the counts and exits 0. (Against a
fresh SQLite database of its own, so no sensor is registered: its readings are counted as
rejected, which is what this test needs to see.)"""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from .factories import broker_or_skip, publish_all, publisher


@pytest.fixture
def home(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["NONGAN_HOME"] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "nongan.cli", "migrate", "-v0"], env=env, check=True,
                   timeout=120)
    return env


def wait_for(path, text, timeout=20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = path.read_text(encoding="utf-8")
        if text in out:
            return out
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in output:\n{path.read_text(encoding='utf-8')}")


def test_the_command_consumes_and_stops_gracefully_with_its_counts(home, tmp_path):
    host, port = broker_or_skip()
    root = f"nongan-test/{uuid.uuid4().hex[:8]}/iot/"
    client_id = f"nongan-test-cmd-{uuid.uuid4().hex[:8]}"
    out = tmp_path / "out.txt"
    with out.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "nongan.cli", "iot", "--host", host, "--port", str(port),
             "--topic", root + "#", "--client-id", client_id], env=home, stdout=sink,
            stderr=subprocess.STDOUT)
    try:
        wait_for(out, "订阅")
        pub = publisher(host, port)
        publish_all(pub, [(root + "NO-SUCH", {"at": "2026-06-01T08:00:00+08:00", "value": 1}),
                          (root + "NO-SUCH", b"garbage"),
                          (root + "a/b", b"{}")])
        pub.disconnect()
        time.sleep(1.5)
        assert process.poll() is None, "the consumer died on bad messages"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    text = out.read_text(encoding="utf-8")
    assert "已停止。收到读数 3，入库 0，重复 0，拒收 malformed 2，unknown_sensor 1" in text
    from nongan.iot.consumer import forget_session

    forget_session(host, port, client_id)

"""`nongan serve --connections N`: waitress holds at most N client connections; a client past
the limit waits unanswered until an idle one closes. (The load test found the default, 100,
below 200 phones served directly: each keeps a connection open between its requests.)"""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

PATH = "/field/manifest.webmanifest"  # no database, no login: only the server is tested


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, timeout: float) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{PATH}", timeout=timeout) as answer:
        return answer.status


@pytest.mark.once
def test_clients_past_the_limit_wait_until_a_connection_closes(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["NONGAN_HOME"] = str(tmp_path)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "nongan.cli", "serve", "--port", str(port),
                               "--threads", "2", "--connections", "4"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    idle = []
    try:
        deadline = time.monotonic() + 120  # collectstatic first
        while True:
            try:
                assert get(port, timeout=5) == 200
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.5)
        # waitress counts its listening socket and its wake-up pipe: 4 leaves 2 for clients
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        time.sleep(0.5)  # both accepted: the limit is reached
        with pytest.raises(TimeoutError):
            get(port, timeout=2)
        idle.pop().close()
        assert get(port, timeout=10) == 200
    finally:
        for connection in idle:
            connection.close()
        server.terminate()
        server.wait(30)

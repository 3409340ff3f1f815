"""A reference receiver of our webhooks, as a partner would write one: an HTTP server on
127.0.0.1 (a random port, in a thread) that checks the signature and the timestamp with
nongan.exchange.signing.verify, answers 401 to anything that fails, and otherwise answers
the next status of its script (200 once the script runs out)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from nongan.exchange.signing import verify


class Receiver:
    def __init__(self, secret: str, statuses=(), tolerance: int = 300):
        self.secret, self.statuses, self.tolerance = secret, list(statuses), tolerance
        self.received: list[dict] = []  # every request, verified or not
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = verify(owner.secret, self.headers.get("X-Nongan-Timestamp", ""), body,
                            self.headers.get("X-Nongan-Signature", ""),
                            tolerance=owner.tolerance)
                with owner.lock:
                    status = (owner.statuses.pop(0) if owner.statuses else 200) if ok else 401
                    owner.received.append({"headers": dict(self.headers), "body": body,
                                           "verified": ok, "status": status})
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.end_headers()
                self.wfile.write("收到".encode() if status < 300 else b"no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/nongan"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def accepted(self) -> list[dict]:
        """The deliveries it acknowledged (verified and answered 2xx), as parsed bodies."""
        return [json.loads(r["body"]) for r in self.received
                if r["verified"] and 200 <= r["status"] < 300]

"""A real HTTP receiver on 127.0.0.1 that verifies signatures like a user's would."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class Receiver:
    secret: str
    up: bool = True  # False: answer 503 (a receiver that is down for maintenance)
    signed: bool = True  # False: a Slack-style receiver, which takes unsigned posts
    got: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> "Receiver":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not outer.up:
                    self.send_response(503)
                    self.end_headers()
                    return
                # The receiver's check, written out as docs/automation.md shows it.
                expected = (
                    "sha256=" + hmac.new(outer.secret.encode(), body, hashlib.sha256).hexdigest()
                )
                given = self.headers.get("X-Gitannot-Signature-256", "")
                ok = hmac.compare_digest(expected, given)
                outer.got.append(Received(dict(self.headers.items()), body, ok))
                self.send_response(204 if ok or not outer.signed else 401)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def seqs(self) -> list[int]:
        return [int(r.event["gitannotseq"]) for r in self.got]


@contextmanager
def running(secret: str) -> Iterator[Receiver]:
    """A receiver on loopback for the duration of a test."""
    receiver = Receiver(secret).start()
    try:
        yield receiver
    finally:
        receiver.stop()

"""A small loopback HTTP listener for Label Studio's webhooks: an annotation created or
updated wakes the watch loop, so the repository follows the tool within seconds.

The request only wakes the loop; what is synced is read from the tool's API with the
sync's own token, so a forged request can at most cause one extra (idempotent) sync.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1 << 20
WAKE_ACTIONS = frozenset({"ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED"})


class Listener:
    def __init__(self, host: str, port: int) -> None:
        self.wake = threading.Event()
        self.received = 0
        listener = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10  # seconds a sender may stall; a stalled request is dropped

            def do_POST(self) -> None:
                # Never read past a size the request states and MAX_BODY allows: a
                # negative one made read() take the whole stream, without bound.
                size = _size(self.headers.get("Content-Length"))
                if size is None or size > MAX_BODY:
                    self.close_connection = True
                    self._answer(400 if size is None else 413)
                    return
                body = self.rfile.read(size)
                if _action(body) in WAKE_ACTIONS:  # recorded before the tool hears back
                    listener.received += 1
                    listener.wake.set()
                self._answer(200)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 — http.server API
                return  # the watch loop reports what it does

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}/labelstudio"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _size(header: str | None) -> int | None:
    """The body size a request states: digits only (no sign, no blanks), else None."""
    text = (header or "0").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _action(body: bytes) -> str:
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return ""
    return str(doc.get("action", "")) if isinstance(doc, dict) else ""

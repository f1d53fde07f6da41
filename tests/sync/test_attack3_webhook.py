"""Attack on the watch loop's webhook listener: a request whose Content-Length is negative
made the listener read the whole stream (`read(-1)`), as much as the sender sent: memory
on the sync host without bound, from anyone who can reach the port."""

from __future__ import annotations

import json
import socket

from gitannot.sync.webhook import MAX_BODY, Listener


def _post(listener: Listener, length: str, body: bytes) -> bytes:
    host, port = listener.address
    with socket.create_connection((host, port), timeout=10) as conn:
        head = f"POST /labelstudio HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
        conn.sendall(head.encode() + body)
        conn.shutdown(socket.SHUT_WR)
        return conn.recv(200)


def test_a_bad_or_oversized_content_length_is_refused_unread() -> None:
    listener = Listener("127.0.0.1", 0)
    listener.start()
    try:
        # valid JSON past MAX_BODY: only a listener that reads it all sees the action
        wake = json.dumps({"action": "ANNOTATION_CREATED"}).encode()
        flood = wake + b" " * (2 * MAX_BODY)
        assert _post(listener, "-1", flood).startswith(b"HTTP/1.0 400")
        assert _post(listener, "abc", wake).startswith(b"HTTP/1.0 400")
        assert _post(listener, str(len(flood)), flood).startswith(b"HTTP/1.0 413")
        assert not listener.wake.is_set()
        assert _post(listener, str(len(wake)), wake).startswith(b"HTTP/1.0 200")
        assert listener.wake.is_set()
    finally:
        listener.stop()

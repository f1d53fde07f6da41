"""Attacks on the sync host. The webhook listener read the whole stream when a request
stated a negative Content-Length (`read(-1)`): memory without bound, from anyone who can
reach the port. A tool user's name went into commit trailers and push options as is."""

from __future__ import annotations

import json
import socket

from gitannot.sync.pull import message, push_options
from gitannot.sync.webhook import MAX_BODY, Listener


def _post(listener: Listener, length: str, body: bytes = b"") -> bytes:
    """Send the head (and `body`, if any), then read the answer. A refused request is
    answered before any body is sent: a listener that waits to read one times out."""
    host, port = listener.address
    with socket.create_connection((host, port), timeout=10) as conn:
        head = f"POST /labelstudio HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
        conn.sendall(head.encode() + body)
        return conn.recv(200)


def test_a_bad_or_oversized_content_length_is_refused_unread() -> None:
    listener = Listener("127.0.0.1", 0)
    listener.start()
    try:
        wake = json.dumps({"action": "ANNOTATION_CREATED"}).encode()
        flood = wake + b" " * (2 * MAX_BODY)  # valid JSON past MAX_BODY
        assert _post(listener, "-1").startswith(b"HTTP/1.0 400")
        assert _post(listener, "abc").startswith(b"HTTP/1.0 400")
        assert _post(listener, str(len(flood))).startswith(b"HTTP/1.0 413")
        assert not listener.wake.is_set()
        assert _post(listener, str(len(wake)), wake).startswith(b"HTTP/1.0 200")
        assert listener.wake.is_set()
    finally:
        listener.stop()


def test_a_tool_user_name_cannot_add_trailers_or_push_options() -> None:
    """The user name is the tool's data: a newline in it added a trailer naming someone
    else (and git refuses a push option holding one, so the sync stopped pushing)."""
    hostile = "eve@x.org annotations=1\nLabel-Studio-User: alice@x.org"
    made = {hostile: [7], "bob@x.org": [8]}
    text = message("street signs", ["labels/ls/a.json"], made)
    trailers = [line for line in text.splitlines() if line.startswith("Label-Studio-User:")]
    assert trailers == [
        "Label-Studio-User: bob@x.org annotations=8",
        "Label-Studio-User: eve@x.org_annotations_1_Label-Studio-User__alice@x.org annotations=7",
    ]
    options = push_options("street signs", 3, made)
    assert all("\n" not in o and o.count(" annotations=") == 1 for o in options[2:])

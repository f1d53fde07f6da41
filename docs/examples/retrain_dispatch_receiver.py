"""Example receiver: verify gitannot's signature, turn `retrain.requested` into a CI
dispatch call (GitHub's repository_dispatch shape; GitLab pipeline triggers and others
differ only in URL and body).

    GITANNOT_WEBHOOK_SECRET=...           # the value of the target's `secret`
    DISPATCH_URL=https://<ci api>/repos/OWNER/REPO/dispatches
    DISPATCH_TOKEN=...                    # a CI token allowed to dispatch
    python retrain_dispatch_receiver.py 8080

Standard library only. Events other than retrain.requested are acknowledged and ignored;
a duplicate (same CloudEvents id, e.g. after a worker restart) is not dispatched twice.
"""

import hashlib
import hmac
import json
import os
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RETRAIN = "dev.gitannot.retrain.requested"
SEEN: set[str] = set()


def verified(secret: str, body: bytes, header: str | None) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return header is not None and hmac.compare_digest(expected, header)


def dispatch(event: dict[str, object]) -> int:
    payload = {
        "event_type": "gitannot-retrain",
        "client_payload": {"source": event["source"], "id": event["id"], **event["data"]},  # type: ignore[dict-item]
    }
    request = urllib.request.Request(
        os.environ["DISPATCH_URL"],
        data=json.dumps(payload).encode(),
        headers={
            "Authorization": f"Bearer {os.environ['DISPATCH_TOKEN']}",
            "Accept": "application/vnd.github+json",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        secret = os.environ["GITANNOT_WEBHOOK_SECRET"]
        if not verified(secret, body, self.headers.get("X-Gitannot-Signature-256")):
            self.send_response(401)  # gitannot retries, then dead-letters
            self.end_headers()
            return
        event = json.loads(body)
        if event.get("type") == RETRAIN and event["id"] not in SEEN:
            try:
                dispatch(event)
            except OSError:
                self.send_response(502)  # not acknowledged: gitannot will retry
                self.end_headers()
                return
            SEEN.add(event["id"])
        self.send_response(204)
        self.end_headers()


def serve(port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8080).serve_forever()

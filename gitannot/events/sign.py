"""The webhook signature: HMAC-SHA256 of the exact request body with the target's secret.

    X-Gitannot-Signature-256: sha256=<lower-case hex digest>

A receiver recomputes the HMAC over the raw bytes it received (before any JSON parsing)
and compares with hmac.compare_digest; see docs/automation.md for a complete receiver.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Gitannot-Signature-256"
EVENT_HEADER = "X-Gitannot-Event"
DELIVERY_HEADER = "X-Gitannot-Delivery"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does (kept here so the tests and the docs use the same code)."""
    return header is not None and hmac.compare_digest(signature(secret, body), header)

"""DSSE envelopes (Dead Simple Signing Envelope v1) signed with the server's Ed25519 key.

Pure. The signature covers PAE(payloadType, payload), so neither can change unnoticed;
`keyid` is the key's SSH fingerprint, checked against the trusted keys on verify.
"""

import base64
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.audit import ed25519, sshsig

IN_TOTO = "application/vnd.in-toto+json"


class EnvelopeError(Exception):
    """The envelope is malformed or its signature does not verify."""


def pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def sign(key: Ed25519PrivateKey, payload_type: str, payload: bytes) -> bytes:
    keyid = sshsig.fingerprint(sshsig.public_key_line(key.public_key()))
    envelope = {
        "payloadType": payload_type,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [
            {"keyid": keyid, "sig": base64.b64encode(key.sign(pae(payload_type, payload))).decode()}
        ],
    }
    return encode(envelope)


def encode(envelope: object) -> bytes:
    """The one byte form the server writes; verify refuses any other spelling, so no
    byte of the file can change unnoticed (not even JSON whitespace)."""
    return (json.dumps(envelope, indent=2, sort_keys=True) + "\n").encode()


def verify(data: bytes, trusted_keys: list[str], payload_type: str) -> tuple[bytes, str]:
    """(payload, signing key fingerprint) when one signature verifies with a trusted key."""
    try:
        envelope: Any = json.loads(data)
        payload = base64.b64decode(envelope["payload"], validate=True)
        kind = envelope["payloadType"]
        signatures = envelope["signatures"]
    except (ValueError, KeyError, TypeError) as exc:
        raise EnvelopeError(f"not a DSSE envelope: {exc}") from exc
    if encode(envelope) != data:
        raise EnvelopeError("not in the exact form the server writes (bytes were changed)")
    if kind != payload_type:
        raise EnvelopeError(f"payloadType is {kind!r}, expected {payload_type!r}")
    keys = {sshsig.fingerprint(k): _public_key(k) for k in trusted_keys}
    for signature in signatures if isinstance(signatures, list) else []:
        keyid = signature.get("keyid") if isinstance(signature, dict) else None
        key = keys.get(keyid) if isinstance(keyid, str) else None
        if key is None:
            continue
        try:
            raw_sig = base64.b64decode(signature["sig"], validate=True)
        except (ValueError, KeyError, TypeError):
            continue
        if ed25519.verify(key, raw_sig, pae(kind, payload)):
            return payload, str(signature["keyid"])
    raise EnvelopeError("no signature verifies with a trusted server key")


def _public_key(line: str) -> bytes:
    """The raw key of an `ssh-ed25519 AAAA...` line (the blob is two SSH strings: type,
    key)."""
    try:
        blob = base64.b64decode(line.split()[1], validate=True)
        kind_len = int.from_bytes(blob[:4], "big")
        kind = blob[4 : 4 + kind_len]
        raw = blob[8 + kind_len :]
        if kind != b"ssh-ed25519" or len(raw) != 32:
            raise ValueError("not an Ed25519 key")
        return raw
    except (IndexError, ValueError) as exc:
        raise EnvelopeError(f"trusted key {line[:40]!r} is not ssh-ed25519: {exc}") from exc

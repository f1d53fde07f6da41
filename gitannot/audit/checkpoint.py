"""Signed checkpoints: "the log had entry #N with this digest at this commit", for an
outside witness to keep. `verify --checkpoint` checks the log still contains it (and
so was not rewound or rewritten); `--from-checkpoint` verifies only what came after."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.audit import entry as E
from gitannot.audit import reader, sshsig
from gitannot.audit.errors import AuditReadError
from gitannot.audit.state import HighWater
from gitannot.constants import AUDIT_REF

CHECKPOINT_VERSION = 1  # the statement's own format (entries have theirs)


@dataclass(frozen=True)
class Checkpoint:
    mark: HighWater
    key: str  # key in force at that entry (signs the checkpoint)
    statement: dict[str, Any]


def make(head: reader.LogEntry, key: Ed25519PrivateKey, repo_name: str) -> str:
    statement = {
        "type": "checkpoint",
        "v": CHECKPOINT_VERSION,
        "repo": repo_name,
        "ref": AUDIT_REF,
        "seq": head.seq,
        "entry": head.digest,
        "commit": str(head.commit.id),
        "key": sshsig.public_key_line(key.public_key()),
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    data = E.canonical_bytes(statement)
    return data.decode() + sshsig.sign(key, data, E.NAMESPACE)


def load(text: str, trusted_keys: list[str]) -> Checkpoint:
    """Parse and check a checkpoint's signature; its key must be one of `trusted_keys`
    (an empty list trusts nothing: the checkpoint's own key never vouches for itself)."""
    line, _, armor = text.partition("\n")
    data = (line + "\n").encode()
    try:
        statement = json.loads(line)
        signer = sshsig.verify(armor, data, E.NAMESPACE)
    except (ValueError, sshsig.SignatureError) as exc:
        raise AuditReadError(f"checkpoint does not verify: {exc}") from exc
    if statement.get("type") != "checkpoint" or signer.public_key != statement.get("key"):
        raise AuditReadError("checkpoint is malformed or signed by a key it does not name")
    if signer.public_key not in trusted_keys:
        raise AuditReadError(f"checkpoint is signed by untrusted key {signer.fingerprint}")
    mark = HighWater(int(statement["seq"]), str(statement["entry"]), str(statement["commit"]))
    return Checkpoint(mark=mark, key=signer.public_key, statement=statement)

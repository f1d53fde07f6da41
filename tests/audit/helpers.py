"""Shared helpers for audit tests: read the log the way an auditor would."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygit2

from gitannot.audit import reader, sshsig
from gitannot.audit.reader import LogEntry
from gitannot.settings.server import audit_key_path
from tests.gitenv import ServerRepo


def log_entries(server: ServerRepo) -> list[LogEntry]:
    return list(reader.entries(pygit2.Repository(str(server.path))))


def allowed_signers(server: ServerRepo, dest: Path) -> Path:
    pub = Path(f"{audit_key_path(server.path)}.pub").read_text().split()[:2]
    dest.write_text(f'gitannot-audit namespaces="gitannot-audit,git" {" ".join(pub)}\n')
    return dest


def server_fingerprint(server: ServerRepo) -> str:
    return sshsig.fingerprint(Path(f"{audit_key_path(server.path)}.pub").read_text())


def ssh_keygen_verify(signers: Path, data: bytes, signature: str, tmp: Path) -> str:
    sig = tmp / "entry.sig"
    sig.write_text(signature)
    proc = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(signers),
            "-I",
            "gitannot-audit",
            "-n",
            "gitannot-audit",
            "-s",
            str(sig),
        ],
        input=data,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    return proc.stdout.decode()


def synthetic_fields(
    server: ServerRepo, user: str, decision: str = "accepted"
) -> dict[str, object]:
    """A push entry's fields whose tip is a real commit in the server repo."""
    tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # the empty tree
    server.git("hash-object", "-t", "tree", "-w", "/dev/null")
    tip = server.git("commit-tree", "-m", f"{user} {os.urandom(4).hex()}", tree).stdout.strip()
    return {
        "type": "push",
        "decision": decision,
        "actor": {"user": user, "source": "test", "variable": "GITANNOT_USER"},
        "updates": [
            {"ref": "refs/heads/main", "old": "0" * 40, "new": tip, "action": "create",
             "decision": decision, "reasons": []}
        ],
        "reasons": [],
    }  # fmt: skip


def rebuild(
    server: ServerRepo,
    messages: list[tuple[bytes, str]],
    key: object = None,
    key_for: Callable[[dict[str, Any]], object] | None = None,
) -> str:
    """Re-create the log from (entry bytes, signature) pairs, as an insider holding the
    server key would, and point refs/notes/audit at the result. Returns the head id.
    `key_for(entry)`: the key that signs that entry's commit, when not always `key`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from gitannot.audit import entry as E
    from gitannot.audit import gitobjects, writer
    from gitannot.settings.keys import load_private_key

    signer = (
        key if isinstance(key, Ed25519PrivateKey) else load_private_key(audit_key_path(server.path))
    )
    repo = pygit2.Repository(str(server.path))
    tree: pygit2.Tree | None = None
    parents: list[str | pygit2.Oid] = []
    for data, signature in messages:
        entry = E.decode(data)
        blobs = writer.entry_blobs(repo, tree, entry, E.entry_hash(data))
        tree = repo[gitobjects.update_tree(repo, tree, blobs)].peel(pygit2.Tree)
        chosen = key_for(entry) if key_for is not None else signer
        assert isinstance(chosen, Ed25519PrivateKey)
        commit = gitobjects.create_signed_commit(
            repo, chosen, tree=tree.id, parents=parents,
            message=E.compose_message(data, signature), when=1700000000,
        )  # fmt: skip
        parents = [commit]
    server.git("update-ref", "refs/notes/audit", str(parents[0]))
    return str(parents[0])

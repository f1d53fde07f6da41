"""Shared helpers for audit tests: read the log the way an auditor would."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2

from gitannot.audit import reader, sshsig
from gitannot.audit.reader import LogEntry
from gitannot.server.config import audit_key_path
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

"""Key rotation: an entry naming the new key, signed by the old one; then the key swaps.

Done under the writer lock so no push entry is signed by the wrong key in between.
The old private key is kept beside the new one (audit_ed25519.retired-<n>) so nothing
is lost if the rotation must be investigated.
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.audit import entry as E
from gitannot.audit import sshsig, state, writer
from gitannot.settings.keys import load_private_key
from gitannot.settings.server import audit_key_path


def rotate(git_dir: Path, operator: str, reason: str) -> writer.Appended:
    path = audit_key_path(git_dir)
    old = load_private_key(path)
    new = Ed25519PrivateKey.generate()
    new_line = sshsig.public_key_line(new.public_key())
    with state.locked(git_dir, state.DEFAULT_LOCK_TIMEOUT):
        fields = {
            "type": E.ROTATE,
            "actor": {"user": operator, "source": "server-operator", "variable": ""},
            "old_key": sshsig.public_key_line(old.public_key()),
            "new_key": new_line,
            "reason": reason,
        }
        appended = writer.append_locked(git_dir, fields, old)
        _install(path, new, new_line)
        state.remember_key(git_dir, new_line)
    return appended


def _install(path: Path, key: Ed25519PrivateKey, public: str) -> None:
    n = 1
    while path.with_name(f"{path.name}.retired-{n}").exists():
        n += 1
    os.replace(path, path.with_name(f"{path.name}.retired-{n}"))
    os.replace(Path(f"{path}.pub"), path.with_name(f"{path.name}.retired-{n}.pub"))
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    Path(f"{path}.pub").write_text(f"{public} gitannot-audit\n", encoding="utf-8")

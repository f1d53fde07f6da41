"""The server's Ed25519 audit signing key: generated at install, kept outside refs."""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.errors import ConfigError


def generate_key(path: Path, comment: str) -> None:
    """Write an OpenSSH Ed25519 key pair (private 0600) unless one exists already."""
    if path.exists():
        return
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    Path(f"{path}.pub").write_bytes(public + f" {comment}\n".encode())


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"audit signing key {path} cannot be read: {exc.strerror}",
            "run `gitannot server install` (it creates the key) or fix its permissions",
        ) from exc
    try:
        key = serialization.load_ssh_private_key(data, password=None)
    except ValueError as exc:
        raise ConfigError(f"audit signing key {path} is not a valid OpenSSH key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"audit signing key {path} is not Ed25519")
    return key

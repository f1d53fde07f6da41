"""authorized_keys lines that pin an SSH key to a gitannot identity (forced command)."""

import base64
import hashlib
import shlex


def key_fingerprint(public_key_line: str) -> str:
    """OpenSSH's SHA256 fingerprint of a public key line ("ssh-ed25519 AAAA... comment")."""
    blob = base64.b64decode(public_key_line.split()[1])
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def forced_command_line(user: str, public_key_line: str) -> str:
    """One authorized_keys line: this key may only run git through git-shell, as `user`.

    The identity comes from the key, never from the client: sshd ignores the client's
    command and runs ours, passing the original in SSH_ORIGINAL_COMMAND.
    """
    key_type, key_data = public_key_line.split()[:2]
    command = (
        f"env GITANNOT_USER={shlex.quote(user)} "
        f"GITANNOT_KEY_FINGERPRINT={key_fingerprint(public_key_line)} "
        'git-shell -c "$SSH_ORIGINAL_COMMAND"'
    )
    escaped = command.replace("\\", "\\\\").replace('"', '\\"')
    return f'command="{escaped}",restrict {key_type} {key_data} gitannot:{user}'

"""`gitannot server keys add|list`: authorized_keys lines that pin a key to a user.

Under git-shell as the account's login shell (the usual git account), sshd runs the forced
command through `git-shell -c`, which only runs git's own commands and the programs in
~/git-shell-commands/. So for such accounts the line runs `gitannot-shell USER FP`, a tiny
script placed there that sets the identity and execs `git-shell -c` on the client's
command. Other login shells get the `env GITANNOT_USER=... git-shell -c` line.
"""

import base64
import binascii
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from gitannot.core.identity import valid_user_name
from gitannot.errors import UsageError
from gitannot.server.sshkeys import forced_command_line, key_fingerprint

SHELL_SCRIPT = "gitannot-shell"
KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
# Runs inside git-shell (cwd: the account's home). The user name was checked when the
# line was written; checked again so a hand-edited line cannot inject shell syntax.
SHELL_TEXT = """#!/bin/sh
# gitannot-shell USER FINGERPRINT: written by `gitannot server keys add`.
case "$1" in ''|-*|*[!A-Za-z0-9._@+-]*) echo "gitannot-shell: bad user name" >&2; exit 1;; esac
GITANNOT_USER="$1"
GITANNOT_KEY_FINGERPRINT="$2"
export GITANNOT_USER GITANNOT_KEY_FINGERPRINT
exec git-shell -c "$SSH_ORIGINAL_COMMAND"
"""
NO_LOGIN_TEXT = """#!/bin/sh
echo "gitannot: this account serves git only (no interactive login)" >&2
exit 128
"""


@dataclass(frozen=True)
class Target:
    account: pwd.struct_passwd
    authorized_keys: Path

    @property
    def uses_git_shell(self) -> bool:
        return Path(self.account.pw_shell).name == "git-shell"


def target(account: str | None, authorized_keys: Path | None) -> Target:
    try:
        entry = pwd.getpwnam(account) if account else pwd.getpwuid(os.getuid())
    except KeyError as exc:
        raise UsageError(f"no account named {account!r}", "pass --account NAME") from exc
    path = authorized_keys or Path(entry.pw_dir) / ".ssh" / "authorized_keys"
    return Target(account=entry, authorized_keys=path)


def read_public_key(keyfile: Path) -> str:
    try:
        lines = [ln.strip() for ln in keyfile.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {keyfile}: {exc}", "pass the user's .pub file") from exc
    if any("PRIVATE KEY" in ln for ln in lines):
        raise UsageError(
            f"{keyfile} is a private key, not an OpenSSH public key line",
            "pass the .pub file (e.g. id_ed25519.pub); never copy private keys to the server",
        )
    keys = [ln for ln in lines if ln and not ln.startswith("#")]
    if len(keys) != 1:
        raise UsageError(f"{keyfile} must hold exactly one public key", "pass one .pub file")
    parts = keys[0].split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise UsageError(
            f"{keyfile} is not an OpenSSH public key line",
            "pass the .pub file (e.g. id_ed25519.pub), not the private key",
        )
    try:
        base64.b64decode(parts[1], validate=True)
    except binascii.Error as exc:
        raise UsageError(f"{keyfile}: the key data is not base64") from exc
    return keys[0]


def shell_line(user: str, public_key_line: str) -> str:
    key_type, key_data = public_key_line.split()[:2]
    fingerprint = key_fingerprint(public_key_line)
    return (
        f'command="{SHELL_SCRIPT} {user} {fingerprint}",restrict '
        f"{key_type} {key_data} gitannot:{user}"
    )


def line_for(tgt: Target, user: str, public_key_line: str) -> str:
    if tgt.uses_git_shell:
        return shell_line(user, public_key_line)
    return forced_command_line(user, public_key_line)


def add(tgt: Target, user: str, keyfile: Path) -> list[str]:
    if not valid_user_name(user):
        raise UsageError(f"{user!r} is not a valid user name", "use letters, digits and . _ @ + -")
    public = read_public_key(keyfile)
    blob = public.split()[1]
    line = line_for(tgt, user, public)
    existing = _lines(tgt.authorized_keys)
    kept = [ln for ln in existing if blob not in ln.split()]
    replaced = len(kept) != len(existing)
    _write(tgt, tgt.authorized_keys, "\n".join([*kept, line]) + "\n", 0o600)
    verb = "replaced the line for" if replaced else "added"
    actions = [f"{verb} {user}'s key {key_fingerprint(public)} in {tgt.authorized_keys}"]
    if tgt.uses_git_shell:
        actions.extend(_install_shell_commands(tgt))
    return actions


def _install_shell_commands(tgt: Target) -> list[str]:
    folder = Path(tgt.account.pw_dir) / "git-shell-commands"
    actions = []
    for name, text in ((SHELL_SCRIPT, SHELL_TEXT), ("no-interactive-login", NO_LOGIN_TEXT)):
        path = folder / name
        if path.exists() and path.read_text(encoding="utf-8", errors="replace") == text:
            continue
        if name != SHELL_SCRIPT and path.exists():
            continue  # the admin's own message
        _write(tgt, path, text, 0o755)
        actions.append(f"wrote {path} (git-shell runs it for the forced command)")
    return actions


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def _write(tgt: Target, path: Path, text: str, mode: int) -> None:
    """Write as the account would: its ssh and git-shell folders must stay its own."""
    uid, gid = tgt.account.pw_uid, tgt.account.pw_gid
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700 if path.parent.name == ".ssh" else 0o755)
        if os.geteuid() == 0:
            os.chown(path.parent, uid, gid)
    tmp = path.with_name(f".{path.name}.gitannot-tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(mode)
    if os.geteuid() == 0:
        os.chown(tmp, uid, gid)
    os.replace(tmp, path)


@dataclass(frozen=True)
class Listed:
    user: str
    fingerprint: str
    key_type: str
    kind: str  # "gitannot-shell", "env" or "other"


def list_keys(path: Path) -> list[Listed]:
    listed = []
    for line in _lines(path):
        fields = _split_options(line.strip())
        if fields is None:
            continue
        options, key_type, key_data, comment = fields
        user, kind = _user_of(options, comment)
        try:
            fingerprint = key_fingerprint(f"{key_type} {key_data}")
        except (binascii.Error, ValueError):
            fingerprint = "(invalid key data)"
        listed.append(Listed(user, fingerprint, key_type, kind))
    return listed


def _split_options(line: str) -> tuple[str, str, str, str] | None:
    if not line or line.startswith("#"):
        return None
    for key_type in KEY_TYPES:
        marker = f" {key_type} " if not line.startswith(key_type + " ") else f"{key_type} "
        at = line.find(marker)
        if at >= 0:
            options = line[:at].strip()
            rest = line[at + len(marker) :].split(maxsplit=1)
            if rest:
                return options, key_type, rest[0], rest[1] if len(rest) > 1 else ""
    return None


def _user_of(options: str, comment: str) -> tuple[str, str]:
    if f'command="{SHELL_SCRIPT} ' in options:
        return options.split(f'command="{SHELL_SCRIPT} ', 1)[1].split()[0], SHELL_SCRIPT
    if "GITANNOT_USER=" in options:
        return options.split("GITANNOT_USER=", 1)[1].split()[0].strip("'"), "env"
    return (comment or "-"), "other"

"""Names shared by every layer: exit codes, ref names, file locations."""

from typing import Final

ZERO_OID: Final = "0" * 40

# Exit codes, the same for every command and hook.
EXIT_OK: Final = 0
EXIT_DENIED: Final = 1  # denied / invalid / conflict
EXIT_USAGE: Final = 2
EXIT_INTERNAL: Final = 3

AUDIT_REF: Final = "refs/notes/audit"
DRIVER_NAME: Final = "gitannot"
HOOK_NAMES: Final = ("pre-receive", "post-receive")
# Stamped into every installed hook; lets install/doctor recognise their own files.
HOOK_STAMP: Final = "gitannot-hook-v1"

# Server-side state lives in <repo.git>/gitannot/, outside refs and never pushed.
SERVER_DIR: Final = "gitannot"
SERVER_CONFIG_FILE: Final = "server.yaml"
INTERPRETER_FILE: Final = "interpreter"
AUDIT_KEY_FILE: Final = "audit_ed25519"
# With a resident hook service: where it listens, and the client the shims run.
HOOK_SERVICE_FILE: Final = "service.json"
HOOK_CLIENT_FILE: Final = "hookclient.py"

# Environment variables that carry the authenticated pusher, in priority order.
IDENTITY_ENV_VARS: Final = (
    ("GITANNOT_USER", "ssh-forced-command"),
    ("GL_USER", "gitolite"),
    ("REMOTE_USER", "http"),
    ("GITEA_PUSHER_NAME", "gitea"),
    ("GL_USERNAME", "gitlab"),
    ("GITHUB_USER_LOGIN", "ghes"),
)

DEFAULT_HOOK_TIMEOUT_SECONDS: Final = 4.0

# A merge conflict record inside a JSON label file is an object holding this key, with
# "base", "ours", "theirs" (and "key", "reason"). Validation rejects files that hold one.
CONFLICT_KEY: Final = "__gitannot_conflict__"

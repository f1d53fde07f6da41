"""Who pushed: read from the transport's environment, never from commit metadata."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gitannot.constants import IDENTITY_ENV_VARS

# Same shape gitolite accepts for user names; anything else is treated as no identity.
_VALID_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


@dataclass(frozen=True)
class Identity:
    user: str
    source: str  # what vouched for it, e.g. "forced-command", "gitolite"
    variable: str  # the environment variable it came from


def valid_user_name(name: str) -> bool:
    return _VALID_USER.match(name) is not None


def identity_from_env(env: Mapping[str, str]) -> Identity | None:
    """The first identity variable that is set wins; an invalid name means no identity."""
    for variable, source in IDENTITY_ENV_VARS:
        value = env.get(variable, "").strip()
        if value:
            if not _VALID_USER.match(value):
                return None
            return Identity(user=value, source=source, variable=variable)
    return None


def transport_kind(env: Mapping[str, str]) -> str:
    """The transport the push came over, from what the server set; "unknown" otherwise.

    sshd sets SSH_CONNECTION, a CGI web server GATEWAY_INTERFACE / REMOTE_ADDR. A local
    (file://) push sets neither, and neither may a service that runs receive-pack itself,
    so that is recorded as "unknown" rather than guessed.
    """
    if env.get("SSH_CONNECTION") or env.get("SSH_CLIENT"):
        return "ssh"
    if env.get("GATEWAY_INTERFACE") or env.get("REMOTE_ADDR"):
        return "http"
    return "unknown"


def transport_details(env: Mapping[str, str]) -> dict[str, str]:
    """Facts about the connection worth recording in the audit log."""
    details: dict[str, str] = {"kind": transport_kind(env)}
    for key in (
        "SSH_CONNECTION",
        "REMOTE_ADDR",
        "GITANNOT_KEY_FINGERPRINT",
        "GIT_PUSH_CERT_SIGNER",
        "GIT_PUSH_CERT_KEY",
        "GIT_PUSH_CERT_STATUS",
    ):
        if env.get(key):
            details[key] = env[key]
    return details

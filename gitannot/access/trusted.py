"""Load the policy in force from the trusted base (default branch tip before the push)."""

from dataclasses import dataclass
from typing import Protocol

from gitannot.access.loader import PolicyError, parse_policy
from gitannot.access.model import POLICY_PATH, Policy


class PolicySource(Protocol):
    """What TrustedBase offers; kept narrow so commands can pass a file or another ref."""

    def read(self, path: str) -> bytes | None: ...

    def blob_id(self, path: str) -> str | None: ...


@dataclass(frozen=True)
class PolicyState:
    policy: Policy | None  # None: no policy file (bootstrap) or an unusable one (error set)
    error: PolicyError | None = None
    blob_id: str | None = None


# Parsed policies by blob id: a server process (bench, commands) parses each version once.
_CACHE: dict[str, PolicyState] = {}


def load_trusted(base: PolicySource, path: str = POLICY_PATH) -> PolicyState:
    blob_id = base.blob_id(path)
    if blob_id is None:
        return PolicyState(None)
    if blob_id not in _CACHE:
        _CACHE[blob_id] = parse_bytes(base.read(path), path, blob_id)
    return _CACHE[blob_id]


def parse_bytes(data: bytes | None, path: str, blob_id: str | None) -> PolicyState:
    if data is None:
        error = PolicyError(path, 0, "is not a regular file")
        return PolicyState(None, error, blob_id)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return PolicyState(None, PolicyError(path, 0, f"is not UTF-8: {exc}"), blob_id)
    try:
        return PolicyState(parse_policy(text, path), None, blob_id)
    except PolicyError as exc:
        return PolicyState(None, exc, blob_id)

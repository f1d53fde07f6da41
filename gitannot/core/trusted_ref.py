"""Which branch the hook trusts, from the value install recorded (pure, no repository).

Kept in core so the hook, the access checks and the server commands read it the same
way without importing the server package (the layering runs one way).
"""

KEY = "default_branch"  # the key in server.yaml


def recorded_ref(value: object) -> str | None:
    """The recorded branch when it is a full branch ref; None when absent or malformed."""
    return value if isinstance(value, str) and value.startswith("refs/heads/") else None


def trusted_ref(value: object, head: str) -> str:
    """The recorded branch; HEAD's target only for installs that predate recording it."""
    return recorded_ref(value) or head

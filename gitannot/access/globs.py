"""Glob patterns for refs and paths, with a `{user}` placeholder. Pure, no I/O.

`**` matches anything (slashes included), `*` and `?` stay inside one path segment,
`{user}` is the pusher's name taken literally, a trailing `/` means everything below.
Everything else is literal: no character classes, so a user name or a path can never
smuggle in pattern syntax.
"""

import re
from functools import lru_cache

USER_PLACEHOLDER = "{user}"


def check_pattern(pattern: str) -> str | None:
    """Why a pattern is unusable, or None when it is fine."""
    if not pattern:
        return "empty pattern"
    rest = pattern.replace(USER_PLACEHOLDER, "")
    if "{" in rest or "}" in rest:
        return f"unknown placeholder in {pattern!r} (only {USER_PLACEHOLDER} exists)"
    if pattern.startswith("/"):
        return f"{pattern!r} must be relative (no leading '/')"
    return None


def matches(pattern: str, text: str, user: str) -> bool:
    return _compile(pattern, user).fullmatch(text) is not None


@lru_cache(maxsize=4096)
def _compile(pattern: str, user: str) -> re.Pattern[str]:
    if pattern.endswith("/"):
        pattern += "**"  # "labels/" means everything under labels/, as in .gitignore
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith(USER_PLACEHOLDER, i):
            out.append(re.escape(user))
            i += len(USER_PLACEHOLDER)
        elif pattern.startswith("**/", i):
            out.append("(?:.*/)?")  # zero or more whole segments
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)

"""Glob patterns for refs and paths in the access policy. Pure, no I/O.

The syntax is gitannot.core.globs' (`**`, `*`, `?`, literal otherwise) with `{user}` as
the pusher's name; a trailing `/` means everything below.
"""

import re
from functools import lru_cache

from gitannot.core.globs import USER_PLACEHOLDER, translate


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
    return _compile(pattern, user, re.DOTALL).fullmatch(text) is not None


def matches_any_case(pattern: str, text: str, user: str) -> bool:
    """For deny lists only (deny rules' paths, limits): `x.JPG` is `x.jpg` to the tools
    that read it and on case-insensitive checkouts, so a deny must catch both. Folding
    case in an allow would grant more than written, so allows use `matches`."""
    return _compile(pattern, user, re.DOTALL | re.IGNORECASE).fullmatch(text) is not None


@lru_cache(maxsize=4096)
def _compile(pattern: str, user: str, flags: re.RegexFlag) -> re.Pattern[str]:
    if pattern.endswith("/"):
        pattern += "**"  # "labels/" means everything under labels/, as in .gitignore
    return re.compile(translate(pattern, user=user), flags)

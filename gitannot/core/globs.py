"""Git-style globs as regular expressions. Pure, no I/O.

`**/` matches zero or more whole folders, `**` anything (slashes included), `*` and `?`
stay inside one path segment. With `user`, `{user}` stands for that name taken
literally. Everything else is literal: no character classes, so a user name or a path
can never smuggle in pattern syntax.
"""

import re

USER_PLACEHOLDER = "{user}"


def translate(pattern: str, *, user: str | None = None) -> str:
    """Regex source matching what `pattern` matches (anchor it yourself)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if user is not None and pattern.startswith(USER_PLACEHOLDER, i):
            out.append(re.escape(user))
            i += len(USER_PLACEHOLDER)
        elif pattern.startswith("**/", i):
            out.append("(?:.*/)?")
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
    return "".join(out)

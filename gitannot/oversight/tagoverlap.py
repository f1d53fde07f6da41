"""Can an automatic tag name (auto_tag.pattern) also match a release glob (tag_pattern)?

Both describe regular languages: the tag pattern is literal text with {date} (YYYY-MM-DD),
{n} (1, 2, ...) and {branch} (any non-empty text); the release pattern is an fnmatch glob
(`*`, `?`, `[...]`). They overlap when their intersection is not empty, which a walk over
the product of the two token lists decides, and the walk yields the shortest shared name
for the error message. Pure.
"""

import fnmatch
import re
import string
from collections import deque
from dataclasses import dataclass

# Characters that can tell the patterns apart: printable ASCII, plus one stand-in for
# everything else (no pattern written in ASCII tells two other characters apart).
_OTHER = "\u00e9"
ALPHABET = frozenset(chr(c) for c in range(32, 127)) | {_OTHER}
_DIGITS = frozenset(string.digits)


@dataclass(frozen=True)
class Token:
    chars: frozenset[str]
    repeat: bool = False  # zero or more (a `*`); otherwise exactly one


def template_tokens(pattern: str) -> list[Token]:
    """auto_tag.pattern as tokens."""
    out: list[Token] = []
    for part in re.split(r"(\{date\}|\{n\}|\{branch\})", pattern):
        if part == "{date}":
            out.extend(Token(_DIGITS if c == "d" else frozenset("-")) for c in "dddd-dd-dd")
        elif part == "{n}":
            out += [Token(_DIGITS - {"0"}), Token(_DIGITS, repeat=True)]
        elif part == "{branch}":
            out += [Token(ALPHABET), Token(ALPHABET, repeat=True)]
        else:
            out.extend(Token(frozenset(c)) for c in part)
    return out


def glob_tokens(pattern: str) -> list[Token]:
    """An fnmatch glob as tokens; brackets are judged by fnmatch itself, char by char."""
    out: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append(Token(ALPHABET, repeat=True))
        elif c == "?":
            out.append(Token(ALPHABET))
        elif c == "[" and (end := _bracket_end(pattern, i)) is not None:
            bracket = pattern[i : end + 1]
            out.append(Token(frozenset(a for a in ALPHABET if fnmatch.fnmatchcase(a, bracket))))
            i = end
        else:
            out.append(Token(frozenset(c)))
        i += 1
    return out


def _bracket_end(pattern: str, start: int) -> int | None:
    """Index of the `]` closing the bracket at `start`, as fnmatch reads it."""
    j = start + 1
    if j < len(pattern) and pattern[j] == "!":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 1
    return j if j < len(pattern) else None


def shared_name(tag_pattern: str, release_glob: str) -> str | None:
    """The shortest name both patterns produce/match, or None when there is none."""
    a, b = template_tokens(tag_pattern), glob_tokens(release_glob)
    alphabet = ALPHABET | set(tag_pattern) | set(release_glob)
    a = [Token(t.chars if t.chars != ALPHABET else frozenset(alphabet), t.repeat) for t in a]
    b = [Token(t.chars if t.chars != ALPHABET else frozenset(alphabet), t.repeat) for t in b]
    start, goal = (0, 0), (len(a), len(b))
    came: dict[tuple[int, int], tuple[tuple[int, int], str] | None] = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if state == goal:
            return _spell(came, goal)
        i, j = state
        moves: list[tuple[tuple[int, int], str]] = []
        if i < len(a) and a[i].repeat:
            moves.append(((i + 1, j), ""))
        if j < len(b) and b[j].repeat:
            moves.append(((i, j + 1), ""))
        if i < len(a) and j < len(b):
            common = a[i].chars & b[j].chars
            if common:
                nxt = (i if a[i].repeat else i + 1, j if b[j].repeat else j + 1)
                moves.append((nxt, min(common)))
        for nxt, char in moves:
            if nxt not in came:
                came[nxt] = (state, char)
                queue.append(nxt)
    return None


def _spell(
    came: dict[tuple[int, int], tuple[tuple[int, int], str] | None], goal: tuple[int, int]
) -> str:
    chars: list[str] = []
    step = came[goal]
    while step is not None:
        state, char = step
        chars.append(char)
        step = came[state]
    return "".join(reversed(chars))

"""Which tree entry names git itself refuses (fsck, checkout). Pure.

A name like `..` or `.git` makes a path that matches `labels/**` yet lands outside
labels/ or inside the repository's own metadata on checkout; git's fsck rejects them,
but git does not run fsck on received objects unless receive.fsckObjects is on. The
checks follow git's fsck: `.`, `..`, empty names, `/` or NUL inside a name, and `.git`
in any case and in the spellings NTFS (`git~1`, trailing dots and spaces, `:stream`,
`\\` as separator) and HFS+ (ignored zero-width characters) treat as `.git`.
"""

import re

# Code points HFS+ ignores when comparing names (git's is_hfs_dotgit).
_HFS_IGNORED = frozenset(
    [0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x206A, 0x2070), 0xFEFF]
)


# Names of letters, digits, `_`, `-` and inner dots: none of the cases below can apply
# (they need a leading dot, `~`, `\\`, `:`, a space, `/`, NUL or a non-ASCII byte). Most
# names are like this, and a push of 10,000 commits checks half a million of them.
_PLAIN = re.compile(rb"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def invalid_component(name: bytes) -> str | None:
    """Why git would refuse this tree entry name, or None when it is an ordinary name."""
    if _PLAIN.fullmatch(name):
        return None
    return _full_reason(name)


def _full_reason(name: bytes) -> str | None:
    if not name:
        return "an empty name"
    if b"/" in name:
        return "a name containing '/'"
    if b"\0" in name:
        return "a name containing NUL"
    if name in (b".", b".."):
        return f"the name {name.decode()!r}"
    if _is_ntfs_dotgit(name) or _is_hfs_dotgit(name):
        return "a spelling of .git (the repository's own folder on some file systems)"
    return None


def _is_ntfs_dotgit(name: bytes) -> bool:
    r"""`.git` or `git~1` followed only by dots and spaces, in any `\`-separated part,
    up to an alternate data stream's `:`."""
    for part in name.split(b"\\"):
        stem = part.split(b":", 1)[0].lower()
        for word in (b".git", b"git~1"):
            if stem.startswith(word) and not stem[len(word) :].strip(b" ."):
                return True
    return False


def _is_hfs_dotgit(name: bytes) -> bool:
    text = name.decode("utf-8", errors="replace")
    return "".join(c for c in text if ord(c) not in _HFS_IGNORED).lower() == ".git"

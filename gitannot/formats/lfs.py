"""Git LFS pointer files: a few lines that stand in for content kept in LFS storage.

A label file committed through LFS reaches the server as its pointer, never as labels,
so no format can check it; it is recognised before detection and reported as such
(`format.lfs-pointer`) instead of passing as an unknown text file or failing to parse.
"""

import re

from gitannot.formats.report import Reporter

# The first line of git-lfs's pointer spec (docs/spec.md in git-lfs); the pre-release
# "hawser" URL is still accepted by git-lfs. Pointers are under 1024 bytes.
_FIRST_LINE = re.compile(
    rb"version https://(git-lfs\.github\.com|hawser\.github\.com)/spec/v1\r?\n"
)
_OID = re.compile(rb"^oid (\w+:[0-9a-f]+)\r?$", re.M)
_SIZE = re.compile(rb"^size (\d+)\r?$", re.M)
MAX_POINTER_BYTES = 1024


def is_lfs_pointer(data: bytes) -> bool:
    return len(data) < MAX_POINTER_BYTES and _FIRST_LINE.match(data) is not None


def report_lfs_pointer(data: bytes, rep: Reporter) -> None:
    oid, size = _OID.search(data), _SIZE.search(data)
    what = f" for {size.group(1).decode()} bytes" if size else ""
    at = f" ({oid.group(1).decode()})" if oid else ""
    rep.add(
        "format.lfs-pointer",
        f"this is a Git LFS pointer{what}{at}, not label content: the labels are in LFS"
        " storage, which the server does not read, so they were not validated",
    )

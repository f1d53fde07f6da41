"""Git's own line-merge conflict markers in a label file, and what to tell the user.

They appear when a clone merged without gitannot's driver (git config is not cloned, so
`gitannot install-driver` was never run) or when the driver fell back to git merge-file.
A JSON or XML reader only sees a syntax error; this says what really happened.
"""

import re

# <<<<<<< at a line start, later ======= alone on a line, later >>>>>>> at a line start.
_BLOCK = re.compile(rb"^<{7}(?:[ \r\n]|$).*?^={7}\r?$.*?^>{7}(?:[ \r\n]|$)", re.M | re.S)


def first_marker_line(data: bytes) -> int | None:
    """1-based line of the first complete marker block; None when there is none."""
    found = _BLOCK.search(data)
    return None if found is None else data.count(b"\n", 0, found.start()) + 1


def explain(path: str, line: int) -> str:
    return (
        f"{path}: git's line-merge conflict markers (<<<<<<< ======= >>>>>>>) at line "
        f"{line}: git merged this file line by line because gitannot's merge driver is not "
        "registered in this clone"
    )


def what_to_do(path: str) -> str:
    return (
        f"run `gitannot remerge {path}` to redo the merge record by record from the "
        "versions git kept (then `git add` it if it reports no conflicts); run "
        "`gitannot setup` once so later merges use the driver"
    )

"""Did an accepted push land? Only its receipt says so.

gitannot's pre-receive decides before other hooks (gitolite's update hook, a second
pre-receive chained by the platform) and before git moves the refs; post-receive writes
the receipt once the refs really moved. An accepted push without a receipt therefore
did not land (or is still in flight): reports must not call it simply "accepted".
"""

from typing import Any

from gitannot.audit import entry as E
from gitannot.audit.reader import LogEntry

NOT_LANDED = "accepted by gitannot, did not land"
WHY = (
    "no receipt: another hook (e.g. gitolite's update hook) or git refused the push after "
    "gitannot accepted it, or the push was still in progress"
)


def completed(items: list[LogEntry]) -> set[int]:
    return {
        int(i.entry["completes"])
        for i in items
        if i.entry.get("type") == E.RECEIPT and i.entry.get("completes")
    }


def outcome(entry: dict[str, Any], seq: int, done: set[int]) -> str:
    """ "landed", NOT_LANDED, or "" for entries that are not accepted pushes."""
    if entry.get("type") != E.PUSH or entry.get("decision") != "accepted":
        return ""
    return "landed" if seq in done else NOT_LANDED

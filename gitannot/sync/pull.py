"""Annotations back into Git: render the tool's submitted annotations, merge them with
what Git has (a real `git merge` with the gitannot driver, based on what the tool showed
at the last sync), commit as the sync identity and push through the server's hooks.

The base of the merge is the tool's own previous rendering (kept in the sync state), so
an edit made in Git since then is kept, an edit made in the tool is applied, and the same
annotation edited on both sides is a conflict: reported, never overwritten.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from gitannot.sync.annotators import LEDGER_PATH
from gitannot.sync.workclone import Identity, WorkClone

MAX_USER_OPTIONS = 12  # the audit entry keeps 16 push options; leave room for the rest
# What a tool user's name may carry into a trailer or push option: an email's characters.
_UNSAFE = re.compile(r"[^A-Za-z0-9._%+@-]")


def safe_user(user: str) -> str:
    """The tool's user name as one token: a newline or blank in it (the tool's data, not
    ours) would add a trailer naming someone else, or break the push's options."""
    return _UNSAFE.sub("_", user)[:254] or "(unknown)"


@dataclass
class PullOutcome:
    pushed: str | None = None  # the commit the server accepted
    unchanged: bool = False  # the tool has nothing Git lacks
    conflict: str = ""  # git's report when the merge conflicted
    rejected: str = ""  # the server's output when the push was refused
    users: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.conflict and not self.rejected


def push_options(project: str, project_id: int, made: dict[str, list[int]]) -> list[str]:
    """What the audit entry keeps about where the push came from: the tool, the project,
    and each tool user with the annotations of theirs the push carries (the entry keeps
    16 options of 1 KiB; beyond that it records the digest of what was cut)."""
    options = ["gitannot.sync=labelstudio", f"labelstudio.project={project_id}:{project}"]
    users = sorted(made)
    for user in users[:MAX_USER_OPTIONS]:
        ids = ",".join(str(i) for i in made[user])
        options.append(f"labelstudio.user={safe_user(user)} annotations={ids}")
    if len(users) > MAX_USER_OPTIONS:
        options.append(f"labelstudio.more-users={len(users) - MAX_USER_OPTIONS}")
    return options


def message(project: str, rendered: list[str], made: dict[str, list[int]]) -> str:
    lines = [f"labelstudio sync: annotations of {project}", ""]
    lines += [f"Writes {path} from the Label Studio project {project!r}." for path in rendered]
    lines.append("")
    lines += [
        f"Label-Studio-User: {safe_user(user)} annotations={','.join(str(i) for i in ids)}"
        for user, ids in sorted(made.items())
    ]
    return "\n".join(lines) + "\n"


def pull(
    clone: WorkClone,
    *,
    state_key: str,
    branch: str,
    start: str,
    rendered: Mapping[str, bytes],
    who: Identity,
    options: list[str],
    commit_message: str,
    ledger: bytes,
) -> PullOutcome:
    out = PullOutcome()
    # A sync branch that does not exist yet starts at the default branch's tip; the
    # push then creates it (an access-controlled action like any other).
    tip = clone.tip(branch) or start
    state = clone.state(state_key)
    base: dict[str, bytes | None] = {}
    for path in rendered:
        # No state (the first run, or a lost working clone): no base, so an annotation
        # that differs between Git and the tool is a conflict, never overwritten.
        base[path] = clone.read(state, path) if state else None
    if state and all(base[p] == data for p, data in rendered.items()):
        out.unchanged = True
        return out
    base_commit = clone.commit_tree(clone.tree_with(tip, base), [tip], "sync base\n", who)
    ours = clone.commit_tree(clone.tree_of(tip), [base_commit], "git side\n", who)
    theirs_tree = clone.tree_with(base_commit, dict(rendered))
    theirs = clone.commit_tree(theirs_tree, [base_commit], "tool side\n", who)
    merged, report = clone.merge(ours, theirs, who)
    if merged is None:
        out.conflict = report
        return out
    if merged == clone.tree_of(tip):
        out.unchanged = True
        _remember(clone, state_key, state, tip, {**rendered, LEDGER_PATH: ledger}, who)
        return out
    commit = clone.commit_tree(merged, [tip], commit_message, who)
    result = clone.push(commit, branch, options)
    if not result.accepted:
        out.rejected = result.output
        return out
    out.pushed = commit
    _remember(clone, state_key, state, commit, {**rendered, LEDGER_PATH: ledger}, who)
    return out


def _remember(
    clone: WorkClone,
    key: str,
    old: str | None,
    synced: str,
    rendered: Mapping[str, bytes],
    who: Identity,
) -> None:
    """State: a commit whose tree has the tool's rendering and whose parent is the last
    synced commit (kept in the working clone, never pushed)."""
    tree = clone.tree_with(synced, dict(rendered))
    state = clone.commit_tree(tree, [synced], f"gitannot sync state {key}\n", who)
    clone.set_state(key, state, old)

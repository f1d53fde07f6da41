"""Who last changed each annotation, and its whole history, with the pusher from the
audit log (the authenticated user of the push that brought the commit, never the
commit's author).

Pushes come from the signed entries in refs/notes/audit (each entry is in its log
commit's message, so pointer notes of v2 need no resolving): every accepted ref update
brings the commits `new ^old`; a commit belongs to the first push that brought it. A
clone that has not fetched the audit ref knows no pushers, and says so.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitannot.audit import reader
from gitannot.constants import AUDIT_REF
from gitannot.gitio.run import run_git
from gitannot.history.diff import changed_fields
from gitannot.history.versions import REKEYED, SAME, Match, Versions, match

ZERO = "0" * 40


@dataclass(frozen=True)
class Push:
    seq: int
    user: str | None
    time: str
    ref: str
    applied: dict[str, str]  # policy / schema file -> blob id in force for the push


@dataclass
class Event:
    commit: str
    kind: str  # "created", "changed", "deleted", "blamed"
    fields: list[str]
    author: str
    push: Push | None
    label: str = ""
    key: str = ""  # the annotation's id in this commit's version


@dataclass
class History:
    path: str
    audit_fetched: bool
    pushes: dict[str, Push] = field(default_factory=dict)


def _git(cwd: Path, *args: str) -> str | None:
    proc = run_git(list(args), cwd=cwd, check=False)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def load_pushes(cwd: Path) -> History:
    hist = History("", audit_fetched=False)
    repo = reader.open_repo(str(cwd))
    if repo.references.get(AUDIT_REF) is None:
        return hist
    hist.audit_fetched = True
    for found in reader.entries(repo):
        entry = found.entry
        if entry.get("type") != "push" or entry.get("decision") != "accepted":
            continue
        actor = entry.get("actor") or {}
        for update in entry.get("updates") or []:
            new, old = update.get("new", ZERO), update.get("old", ZERO)
            if update.get("decision") != "accepted" or new == ZERO:
                continue
            push = Push(found.seq, actor.get("user"), entry.get("time", ""), update.get("ref", ""),
                        dict(entry.get("applied") or {}))  # fmt: skip
            listed = _git(cwd, "rev-list", new, *([f"^{old}"] if old != ZERO else []))
            if listed is None and old != ZERO:  # old not in this clone: new's whole history
                listed = _git(cwd, "rev-list", new)
            for commit in (listed or "").split():
                hist.pushes.setdefault(commit, push)
    return hist


def commits(cwd: Path, path: str, rev: str) -> tuple[list[str], dict[str, list[str]]]:
    """Commits touching `path`, newest first, with their parents rewritten to the nearest
    such commits, over the whole history: every side of every merge (`--full-history`),
    not only the side git's default simplification would keep."""
    args = ["rev-list", "--topo-order", "--parents", "--full-history", rev, "--", path]
    order: list[str] = []
    parents: dict[str, list[str]] = {}
    for line in (_git(cwd, *args) or "").splitlines():
        ids = line.split()
        order.append(ids[0])
        parents[ids[0]] = ids[1:]
    return order, parents


@dataclass(frozen=True)
class Row:
    id: str
    label: str


class _Walk:
    """The file's history: versions per commit and the match of each commit to each
    parent, computed once."""

    def __init__(self, cwd: Path, path: str, rev: str) -> None:
        self.cwd, self.path = cwd, path
        self.order, self.parents = commits(cwd, path, rev)
        self.versions = Versions(reader.open_repo(str(cwd)), path)
        self._matches: dict[tuple[str, str], Match] = {}
        self._authors: dict[str, str] = {}
        self._bases: dict[str, str | None] = {}

    def match(self, commit: str, parent: str) -> Match:
        key = (commit, parent)
        if key not in self._matches:
            self._matches[key] = match(self.versions.at(commit), self.versions.at(parent))
        return self._matches[key]

    def author(self, commit: str) -> str:
        if commit not in self._authors:
            found = _git(self.cwd, "log", "-1", "--format=%an <%ae>", commit) or ""
            self._authors[commit] = found.strip()
        return self._authors[commit]

    def merge_base(self, commit: str) -> str | None:
        if commit not in self._bases:
            parents = self.parents[commit]
            out = _git(self.cwd, "merge-base", "--octopus", *parents) if len(parents) > 1 else None
            self._bases[commit] = (out or "").strip() or None
        return self._bases[commit]

    def kept_from(self, commit: str, key: str) -> tuple[str, str] | None:
        """(parent, its key) whose version of the annotation `commit` keeps unchanged.

        In a merge, a parent's version kept over a change another parent made since
        their merge base is no parent's: the merge rolled that change back itself (an
        old commit merged in over a newer relabel), and the rollback is the merger's.
        """
        same = [(p, m[0]) for p in self.parents[commit] if (m := self.match(commit, p).get(key))
                and m[1] == SAME]  # fmt: skip
        base = self.merge_base(commit) if same and len(self.parents[commit]) > 1 else None
        if base is None:
            return same[0] if same else None
        for parent, pkey in same:
            if self._moved(parent, pkey, base):
                return parent, pkey  # this side changed it: a real merge takes it from here
            if not any(self._dropped(commit, key, other, base) for other in self.parents[commit]
                       if other != parent):  # fmt: skip
                return parent, pkey
        return None

    def _moved(self, parent: str, pkey: str, base: str) -> bool:
        """Does the parent's annotation differ from the merge base's (or is it new)?"""
        found = self.match(parent, base).get(pkey) if parent != base else (pkey, SAME)
        return found is None or found[1] != SAME

    def _dropped(self, commit: str, key: str, other: str, base: str) -> bool:
        """Did `other` change the annotation since the base, a change `commit` lacks?"""
        found = self.match(commit, other).get(key)
        if found is not None and found[1] == SAME:
            return False
        if found is None:  # `other` lacks it: dropped a deletion only if the base had it
            return self.versions.at(base).has(key)
        return self._moved(other, found[0], base)

    def origins(self, commit: str, key: str) -> list[tuple[str, str, str]]:
        """(parent, parent key, relation) for each parent the annotation comes from."""
        out = []
        for parent in self.parents[commit]:
            found = self.match(commit, parent).get(key)
            if found is not None:
                out.append((parent, *found))
        return out

    def created(self, commit: str, key: str) -> bool:
        """No parent version has the annotation (the common case, asked per row)."""
        return not any(key in self.match(commit, parent) for parent in self.parents[commit])

    def event(self, commit: str, key: str, hist: History) -> Event | None:
        """What `commit` did to annotation `key`; None when some parent had it unchanged."""
        if self.kept_from(commit, key) is not None:
            return None
        # A rolled-back annotation is SAME in the old parent: describe the change against
        # the side whose version was dropped.
        came = sorted(self.origins(commit, key), key=lambda o: o[2] == SAME)
        mine = self.versions.at(commit)
        label = mine.label(key)
        if not came:
            kind, fields = "created", []
        else:
            parent, pkey, rel = came[0]
            before, after = self.versions.at(parent).ann(pkey), mine.ann(key)
            fields = changed_fields(before, after) if before and after else []
            kind = "changed"
            if rel == REKEYED:
                kind, fields = "re-keyed", [f"id {pkey} → {key}", *fields]
        return Event(commit, kind, fields, self.author(commit), hist.pushes.get(commit), label, key)


def blame(cwd: Path, path: str, rev: str = "HEAD") -> tuple[History, list[tuple[Row, Event]]]:
    """Each annotation of `path` at `rev` with the commit that last changed it: walking
    back, the first commit whose version of the annotation differs from every parent's
    (git blame's rule, per annotation), through re-keys and every side of merges."""
    hist = load_pushes(cwd)
    hist.path = path
    walk = _Walk(cwd, path, rev)
    if not walk.order or _git(cwd, "cat-file", "-e", f"{rev}:{path}") is None:
        raise ValueError(f"{path} is not in {rev}")
    children: dict[str, int] = {}
    for commit in walk.order:
        for parent in walk.parents[commit]:
            children[parent] = children.get(parent, 0) + 1
    # commit -> key -> (commit that last changed the annotation, its key there)
    last: dict[str, dict[str, tuple[str, str]]] = {}
    for commit in reversed(walk.order):  # oldest first: parents before children
        mine: dict[str, tuple[str, str]] = {}
        for key in walk.versions.at(commit).keys:
            kept = walk.kept_from(commit, key)
            mine[key] = last[kept[0]][kept[1]] if kept is not None else (commit, key)
        last[commit] = mine
        for parent in walk.parents[commit]:  # memory: drop what no later commit reads
            children[parent] -= 1
            if not children[parent]:
                del last[parent]
    return hist, _rows(walk, hist, last[walk.order[0]])


def _rows(
    walk: "_Walk", hist: History, last: dict[str, tuple[str, str]]
) -> list[tuple[Row, Event]]:
    """One row per annotation at the blamed version, with the event of its origin."""
    labels = walk.versions.at(walk.order[0]).labels()
    out = []
    for key, (commit, then) in last.items():
        # Unchanged since (SAME: no field differs), so the label then is the label now.
        label = labels[key]
        if not walk.parents[commit] or walk.created(commit, then):  # most rows: no parsing
            event: Event | None = Event(
                commit, "created", [], walk.author(commit), hist.pushes.get(commit), label, then
            )
        else:
            event = walk.event(commit, then, hist)
        if event is not None:
            out.append((Row(key, label), event))
    return out


def annotation_log(
    cwd: Path, path: str, aid: str, rev: str = "HEAD"
) -> tuple[History, list[Event]]:
    """Every commit (oldest first), on every side of every merge, that created, changed,
    re-keyed or deleted the annotation `aid` of `path` at `rev` (or, when `rev` no longer
    has it, the annotation of that id that was deleted)."""
    hist = load_pushes(cwd)
    hist.path = path
    walk = _Walk(cwd, path, rev)
    if not walk.order:
        raise ValueError(f"{path} has no history at {rev} (no commit touches it)")
    events: list[Event] = []
    seeds: list[tuple[str, str]] = []
    if walk.versions.at(walk.order[0]).has(aid):
        seeds.append((walk.order[0], aid))
    else:
        for commit, parent in _deletions(walk, aid):
            gone = walk.versions.at(parent)
            events.append(
                Event(commit, "deleted", [], walk.author(commit), hist.pushes.get(commit),
                      gone.label(aid), aid)
            )  # fmt: skip
            seeds.append((parent, aid))
    seen: set[tuple[str, str]] = set()
    while seeds:
        commit, key = seeds.pop()
        if (commit, key) in seen:
            continue
        seen.add((commit, key))
        event = walk.event(commit, key, hist)
        if event is not None and (event.kind != "changed" or event.fields):
            events.append(event)
        seeds += [(parent, pkey) for parent, pkey, _ in walk.origins(commit, key)]
    if not events:
        raise ValueError(f"{path} has no annotation {aid} at {rev}, nor one deleted before")
    rank = {commit: n for n, commit in enumerate(walk.order)}
    events.sort(key=lambda e: (-rank[e.commit], e.kind == "deleted"))
    return hist, events


def _deletions(walk: _Walk, aid: str) -> list[tuple[str, str]]:
    """(commit, parent) where the parent had `aid` and the commit carries it nowhere."""
    out = []
    for commit in walk.order:
        for parent in walk.parents[commit]:
            if not walk.versions.at(parent).has(aid):
                continue
            carried = {pkey for pkey, _ in walk.match(commit, parent).values()}
            if aid not in carried:
                out.append((commit, parent))
    return out


def event_json(event: Event) -> dict[str, Any]:
    push = event.push
    return {
        "commit": event.commit,
        "id_in_commit": event.key,
        "kind": event.kind,
        "fields": event.fields,
        "label": event.label,
        "author": event.author,
        "pushed_by": push.user if push else None,
        "push_seq": push.seq if push else None,
        "pushed_at": push.time if push else None,
        "ref": push.ref if push else None,
        "applied": push.applied if push else None,
    }


def push_text(event: Event, audit_fetched: bool) -> str:
    push = event.push
    if push is None:
        why = "not in the audit log" if audit_fetched else "unknown: audit log not fetched"
        return f"pusher {why}"
    applied = " ".join(f"{name}={blob[:12]}" for name, blob in sorted(push.applied.items()))
    text = f"pushed by {push.user or '(no identity)'} at {push.time} (audit #{push.seq})"
    return text + (f" [{applied}]" if applied else "")


NOT_FETCHED = (
    "gitannot: this clone has no audit log, so pushers are unknown; fetch it with\n"
    "  git fetch origin refs/notes/audit:refs/notes/audit"
)

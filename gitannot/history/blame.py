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
from gitannot.core.annotation import Annotation
from gitannot.gitio.run import run_git
from gitannot.history.diff import POSITIONAL, changed_fields, parse_version

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


class _Versions:
    """The file's annotations per commit (parsed once per blob)."""

    def __init__(self, cwd: Path, path: str) -> None:
        self.cwd, self.path = cwd, path
        self.by_blob: dict[str, dict[str, Annotation]] = {}
        self.fmt = ""

    def at(self, commit: str) -> dict[str, Annotation]:
        blob = (
            _git(self.cwd, "rev-parse", "--verify", "-q", f"{commit}:{self.path}") or ""
        ).strip()
        if not blob:
            return {}
        if blob not in self.by_blob:
            data = run_git(["cat-file", "blob", blob], cwd=self.cwd).stdout
            pf = parse_version(self.path, data)
            self.fmt = self.fmt or (pf.format if pf else "")
            self.by_blob[blob] = {str(a.id): a for a in (pf.annotations if pf else [])}
        return self.by_blob[blob]


def commits(cwd: Path, path: str, rev: str) -> tuple[list[str], dict[str, list[str]]]:
    """Commits touching `path`, newest first, and their (history-simplified) parents."""
    out = _git(cwd, "rev-list", "--topo-order", "--parents", rev, "--", path) or ""
    order: list[str] = []
    parents: dict[str, list[str]] = {}
    for line in out.splitlines():
        ids = line.split()
        order.append(ids[0])
        parents[ids[0]] = ids[1:]
    return order, parents


def _same(a: Annotation | None, b: Annotation | None) -> bool:
    return a is not None and b is not None and not changed_fields(a, b)


def _author(cwd: Path, commit: str) -> str:
    return (_git(cwd, "log", "-1", "--format=%an <%ae>", commit) or "").strip()


def blame(
    cwd: Path, path: str, rev: str = "HEAD"
) -> tuple[History, list[tuple[Annotation, Event]]]:
    """Each annotation of `path` at `rev` with the commit that last changed it: the
    first commit, walking back, whose version differs from every parent's."""
    hist = load_pushes(cwd)
    hist.path = path
    order, parents = commits(cwd, path, rev)
    versions = _Versions(cwd, path)
    if not order:
        return hist, []
    current = versions.at(order[0])
    _refuse_positional(versions.fmt, path)
    out = []
    for aid, ann in current.items():
        cur = order[0]
        while True:
            mine = versions.at(cur)[aid]
            nxt = next((p for p in parents[cur] if _same(versions.at(p).get(aid), mine)), None)
            if nxt is None:
                break
            cur = nxt
        kind = "changed" if any(aid in versions.at(p) for p in parents[cur]) else "created"
        event = Event(cur, kind, [], _author(cwd, cur), hist.pushes.get(cur), ann.label)
        out.append((ann, event))
    return hist, out


def _refuse_positional(fmt: str, path: str) -> None:
    if fmt in POSITIONAL:
        raise ValueError(
            f"{path}: {fmt} annotations have no ids (only positions), so they cannot be "
            "followed through history; blame and log need COCO, Label Studio or per-image JSON"
        )


def annotation_log(
    cwd: Path, path: str, aid: str, rev: str = "HEAD"
) -> tuple[History, list[Event]]:
    """Every commit (oldest first) that created, changed or deleted annotation `aid`,
    compared with the commit's first parent that touched the file."""
    hist = load_pushes(cwd)
    hist.path = path
    order, parents = commits(cwd, path, rev)
    versions = _Versions(cwd, path)
    events: list[Event] = []
    for commit in reversed(order):
        mine = versions.at(commit).get(aid)
        _refuse_positional(versions.fmt, path)
        before = versions.at(parents[commit][0]).get(aid) if parents[commit] else None
        if mine is None and before is None:
            continue
        fields: list[str] = []
        if before is None:
            kind = "created"
        elif mine is None:
            kind = "deleted"
        else:
            fields = changed_fields(before, mine)
            if not fields:
                continue
            kind = "changed"
        shown = mine or before
        label = shown.label if shown is not None else ""
        events.append(
            Event(commit, kind, fields, _author(cwd, commit), hist.pushes.get(commit), label)
        )
    return hist, events


def event_json(event: Event) -> dict[str, Any]:
    push = event.push
    return {
        "commit": event.commit,
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

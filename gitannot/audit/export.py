"""Compliance reports: who changed what and when, denials, bypasses, per-user and
per-path counts. Paths changed by accepted pushes are read from git at export time
(the entry records ref updates, not file lists, to stay small)."""

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pygit2

from gitannot.audit import entry as E
from gitannot.audit.reader import LogEntry

CSV_FIELDS = (
    "seq", "time", "type", "user", "via", "remote", "decision", "ref", "action",
    "old", "new", "ref_decision", "rules", "bypass", "paths", "digest",
)  # fmt: skip


@dataclass
class Summary:
    users: Counter[tuple[str, str]] = field(default_factory=Counter)  # (user, decision)
    paths_changed: Counter[str] = field(default_factory=Counter)
    paths_denied: Counter[str] = field(default_factory=Counter)
    denials: list[dict[str, Any]] = field(default_factory=list)
    bypasses: list[dict[str, Any]] = field(default_factory=list)


def changed_paths(repo: pygit2.Repository, old: str, new: str) -> list[str]:
    if set(new) == {"0"}:
        return []
    try:
        new_tree = repo[new].peel(pygit2.Tree)
        old_tree = repo[old].peel(pygit2.Tree) if set(old) != {"0"} else None
    except (KeyError, ValueError, pygit2.GitError):
        return []  # objects gone (e.g. a rejected push) or not fetched into this clone
    diff = (
        old_tree.diff_to_tree(new_tree)
        if old_tree is not None
        else new_tree.diff_to_tree(swap=True)
    )
    return sorted({d.new_file.path for d in diff.deltas} | {d.old_file.path for d in diff.deltas})


def _since(repo: pygit2.Repository, entry: dict[str, Any], update: dict[str, Any]) -> str:
    """What a ref update is compared with: its old value; for a new branch, where it
    forked from the default branch as it was then (not the empty tree: a new branch
    does not change every file it holds)."""
    if set(update["old"]) != {"0"} or set(update["new"]) == {"0"}:
        return str(update["old"])
    base = (entry.get("base") or {}).get("commit")
    try:
        fork = repo.merge_base(base, update["new"]) if base else None
    except (KeyError, ValueError, pygit2.GitError):
        fork = None
    return str(fork) if fork is not None else str(update["old"])


def rows(repo: pygit2.Repository, items: list[LogEntry]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        e = item.entry
        actor = e.get("actor") or {}
        transport = e.get("transport") or {}
        remote = (transport.get("SSH_CONNECTION") or transport.get("REMOTE_ADDR") or "").split()
        for u in e.get("updates") or [{}]:
            accepted = e.get("type") == E.PUSH and u.get("decision") == "accepted"
            paths = changed_paths(repo, _since(repo, e, u), u["new"]) if accepted else []
            rules = [r["rule"] for r in [*u.get("reasons", []), *e.get("reasons", [])]]
            out.append({
                "seq": item.seq, "time": e.get("time", ""), "type": e.get("type", ""),
                "user": actor.get("user", ""), "via": actor.get("source", ""),
                "remote": remote[0] if remote else "", "decision": e.get("decision", ""),
                "ref": u.get("ref", ""), "action": u.get("action", ""),
                "old": u.get("old", ""), "new": u.get("new", ""),
                "ref_decision": u.get("decision", ""), "rules": " ".join(sorted(set(rules))),
                "bypass": e.get("bypass") or "", "paths": paths,
                "digest": item.digest,
            })  # fmt: skip
    return out


def summarize(items: list[LogEntry], table: list[dict[str, Any]]) -> Summary:
    summary = Summary()
    for item in items:
        e = item.entry
        if e.get("type") != E.PUSH:
            continue
        user = (e.get("actor") or {}).get("user") or "(no identity)"
        summary.users[(user, e.get("decision", "?"))] += 1
        reasons = [r for u in e.get("updates", []) for r in u.get("reasons", [])]
        reasons += e.get("reasons", [])
        for reason in reasons:
            if reason.get("path") and reason.get("severity") == "error":
                summary.paths_denied[reason["path"]] += 1
        brief = {"seq": item.seq, "time": e.get("time"), "user": user}
        if e.get("decision") == "rejected":
            summary.denials.append({**brief, "rules": sorted({r["rule"] for r in reasons})})
        if e.get("bypass"):
            summary.bypasses.append({**brief, "reason": e["bypass"]})
    for row in table:
        for path in row["paths"]:
            summary.paths_changed[path] += 1
    return summary


def to_csv(table: list[dict[str, Any]]) -> str:
    """`paths` is a JSON array: a path may hold spaces, commas or newlines, so no
    separator character could tell where one ends."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {**row, "paths": json.dumps(row["paths"], ensure_ascii=False)} for row in table
    )
    return buf.getvalue()


def _code(path: str) -> str:
    """A Markdown code span that shows `path` exactly (spaces, pipes, backticks)."""
    text = path.replace("|", "\\|").replace("\n", "\\n")
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def to_json(items: list[LogEntry], table: list[dict[str, Any]], summary: Summary) -> str:
    users: dict[str, dict[str, int]] = {}
    for (user, decision), n in sorted(summary.users.items()):
        users.setdefault(user, {})[decision] = n
    doc = {
        "entries": [{**i.entry, "digest": i.digest, "commit": str(i.commit.id)} for i in items],
        "changes": table,
        "summary": {
            "users": users,
            "paths_changed": dict(sorted(summary.paths_changed.items())),
            "paths_denied": dict(sorted(summary.paths_denied.items())),
            "denials": summary.denials,
            "bypasses": summary.bypasses,
        },
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def to_markdown(table: list[dict[str, Any]], summary: Summary) -> str:
    out = ["# gitannot audit report", "", "## Pushes per user", ""]
    out += ["| user | decision | pushes |", "| --- | --- | --- |"]
    out += [f"| {u} | {d} | {n} |" for (u, d), n in sorted(summary.users.items())]
    out += ["", "## Changes", "", "| # | time | user | ref | action | decision | paths |"]
    out += ["| --- | --- | --- | --- | --- | --- | --- |"]
    for r in table:
        if r["type"] == E.PUSH:
            paths = ", ".join(_code(p) for p in r["paths"][:5]) + (
                " …" if len(r["paths"]) > 5 else ""
            )
            out.append(
                f"| {r['seq']} | {r['time']} | {r['user']} | {r['ref']} | {r['action']} "
                f"| {r['ref_decision']} | {paths} |"
            )
    out += ["", "## Denials", ""]
    out += [
        f"- #{d['seq']} {d['time']} {d['user']}: {', '.join(d['rules'])}" for d in summary.denials
    ]
    out += ["", "## Break-glass bypasses", ""]
    out += [f"- #{b['seq']} {b['time']} {b['user']}: {b['reason']}" for b in summary.bypasses]
    out += ["", "## Paths changed (accepted pushes)", "", "| path | pushes |", "| --- | --- |"]
    out += [f"| {_code(p)} | {n} |" for p, n in sorted(summary.paths_changed.items())]
    out += ["", "## Paths denied", "", "| path | denials |", "| --- | --- |"]
    out += [f"| {_code(p)} | {n} |" for p, n in sorted(summary.paths_denied.items())]
    return "\n".join(out) + "\n"

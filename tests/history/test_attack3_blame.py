"""Attack: make blame name someone else for your change. A merge whose parent is an old
commit keeps that commit's version of an annotation over a newer change: git blame's
rule followed the old parent, and blame named the old version's pusher for the
merger's rollback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.gitenv import ServerRepo, git, install_server
from tests.history.test_blame_push import REL, coco, gitannot, user_clone


def test_a_merge_that_rolls_an_annotation_back_is_blamed_on_its_pusher(tmp_path: Path) -> None:
    server: ServerRepo = install_server(
        tmp_path / "server" / "labels.git", ["alice", "bob", "carol"]
    )
    alice = user_clone(server, tmp_path / "alice", "alice")
    old = alice.commit({REL: coco({1: "car", 2: "car"})}, "add labels")
    assert alice.push("HEAD:refs/heads/main").accepted
    carol = user_clone(server, tmp_path / "carol", "carol")
    relabel = carol.commit({REL: coco({1: "truck", 2: "car"})}, "relabel 1")
    assert carol.push("HEAD:refs/heads/main").accepted
    bob = user_clone(server, tmp_path / "bob", "bob")
    bob.git("checkout", "-q", old, "--", REL)  # main's tree, with the old labels file
    tree = bob.git("write-tree").stdout.strip()
    merge = bob.git(
        "commit-tree",
        tree,
        "-p",
        relabel,
        "-p",
        old,
        "-m",
        "merge",
        env={"GIT_AUTHOR_NAME": "alice"},
    ).stdout.strip()
    result = bob.push(f"{merge}:refs/heads/main")
    assert result.accepted, result.output
    reader = tmp_path / "reader"
    git("clone", "-q", server.file_url(), str(reader))
    git("fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit", cwd=reader)
    proc = gitannot(reader, "blame", REL, "--json")
    assert proc.returncode == 0, proc.stderr
    rows: list[dict[str, Any]] = json.loads(proc.stdout)["annotations"]
    got = {r["id"]: (r["commit"], r["kind"], r["pushed_by"]) for r in rows}
    assert got == {"1": (merge, "changed", "bob"), "2": (old, "created", "alice")}
    log = json.loads(gitannot(reader, "log", REL, "--annotation", "1", "--json").stdout)
    events = [(e["commit"], e["kind"], e["fields"], e["pushed_by"]) for e in log["events"]]
    assert events == [
        (old, "created", [], "alice"),
        (relabel, "changed", ["label car → truck"], "carol"),
        (merge, "changed", ["label truck → car"], "bob"),
    ]

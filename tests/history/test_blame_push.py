"""Blame and annotation log on a repository built by real pushes of three users."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.gitenv import Client, ServerRepo, clone, git, install_server

pytestmark = pytest.mark.slow  # one server, three users' pushes: built once per module

REL = "labels/a.json"


def coco(labels: dict[int, str], boxes: dict[int, list[int]] | None = None) -> bytes:
    cats = {"car": 1, "truck": 2}
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "categories": [{"id": i, "name": n} for n, i in cats.items()],
        "annotations": [
            {"id": i, "image_id": 1, "category_id": cats[name],
             "bbox": (boxes or {}).get(i, [i, i, 10, 10]), "area": 100, "iscrowd": 0}
            for i, name in labels.items()
        ],
    }  # fmt: skip
    return json.dumps(doc, indent=2).encode()


def gitannot(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitannot", *args], cwd=cwd, capture_output=True, text=True
    )


Built = tuple[ServerRepo, dict[str, str]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("pushes"))


def user_clone(server: ServerRepo, dest: Path, user: str) -> Client:
    client = clone(server, dest, user)
    client.extra_env = {"GIT_AUTHOR_NAME": user, "GIT_AUTHOR_EMAIL": f"{user}@example.org"}
    return client


def build(tmp_path: Path) -> Built:
    server = install_server(tmp_path / "server" / "labels.git", ["alice", "bob", "carol"])
    tips: dict[str, str] = {}
    alice = user_clone(server, tmp_path / "alice", "alice")
    tips["alice"] = alice.commit({REL: coco({1: "car", 2: "car", 3: "car"})}, "add labels")
    assert alice.push("HEAD:refs/heads/main").accepted
    bob = user_clone(server, tmp_path / "bob", "bob")
    tips["bob"] = bob.commit({REL: coco({1: "car", 2: "truck", 3: "car"})}, "relabel 2")
    assert bob.push("HEAD:refs/heads/main").accepted
    carol = user_clone(server, tmp_path / "carol", "carol")
    # carol pushes a commit authored under alice's name: the pusher is still carol
    carol.write({REL: coco({1: "car", 2: "truck", 3: "car"}, {3: [5, 1, 10, 10]})})
    carol.git("add", REL)
    carol.git("commit", "-q", "-m", "move 3", "--author", "Alice Author <alice@example.org>")
    tips["carol"] = carol.git("rev-parse", "HEAD").stdout.strip()
    result = carol.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return server, tips


def test_blame_names_the_authenticated_pusher(tmp_path: Path, built: Built) -> None:
    server, tips = built
    reader = tmp_path / "reader"
    git("clone", "-q", server.file_url(), str(reader))
    git("fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit", cwd=reader)
    proc = gitannot(reader, "blame", REL, "--json")
    assert proc.returncode == 0, proc.stderr
    rows: list[dict[str, Any]] = json.loads(proc.stdout)["annotations"]
    got = {r["id"]: (r["commit"], r["kind"], r["pushed_by"], r["author"]) for r in rows}
    assert got == {
        "1": (tips["alice"], "created", "alice", "alice <alice@example.org>"),
        "2": (tips["bob"], "changed", "bob", "bob <bob@example.org>"),
        "3": (tips["carol"], "changed", "carol", "Alice Author <alice@example.org>"),
    }
    text = gitannot(reader, "blame", REL).stdout.splitlines()
    assert text[2].startswith(f"{tips['carol'][:12]} 3 car changed pushed by carol at ")
    assert text[2].endswith("; author Alice Author <alice@example.org>")


def test_annotation_log_walks_every_change(tmp_path: Path, built: Built) -> None:
    server, tips = built
    reader = tmp_path / "reader"
    git("clone", "-q", server.file_url(), str(reader))
    git("fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit", cwd=reader)
    doc = json.loads(gitannot(reader, "log", REL, "--annotation", "2", "--json").stdout)
    events = [(e["commit"], e["kind"], e["fields"], e["pushed_by"]) for e in doc["events"]]
    assert events == [
        (tips["alice"], "created", [], "alice"),
        (tips["bob"], "changed", ["label car → truck"], "bob"),
    ]
    lines = gitannot(reader, "log", REL, "--annotation", "3").stdout.splitlines()
    assert lines[1].startswith(
        f"{tips['carol'][:12]} changed: bbox moved by (+2, -2) (pushed by carol"
    )


def test_without_fetched_notes_it_says_what_it_cannot_know(tmp_path: Path, built: Built) -> None:
    server, _ = built
    reader = tmp_path / "reader"
    git("clone", "-q", server.file_url(), str(reader))  # notes are not cloned
    proc = gitannot(reader, "blame", REL, "--json")
    doc = json.loads(proc.stdout)
    assert doc["audit_fetched"] is False
    assert {r["pushed_by"] for r in doc["annotations"]} == {None}
    text = gitannot(reader, "blame", REL)
    assert "git fetch origin refs/notes/audit:refs/notes/audit" in text.stderr
    assert "pusher unknown: audit log not fetched" in text.stdout

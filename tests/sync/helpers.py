"""The project the sync tests mirror, and small steps on both sides (Git, the tool)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitannot.audit.reader import LogEntry
from gitannot.main import main
from tests.gitenv import Client, ServerRepo
from tests.sync.labelstudio import ADMIN_TOKEN, ANNOTATORS, LabelStudioServer

SYNC_USER = "ls-sync"
LS_FILE = "labels/ls/annotations.json"
COCO_FILE = "labels/coco/annotations.coco.json"
BOB = "bob@example.com"
CAROL = "carol@example.com"

ACCESS = """\
version: 1
users:
  alice: {roles: [admin]}
  ls-sync: {roles: [sync]}
rules:
  - allow: all
    who: role:admin
    refs: ["refs/heads/**", "refs/tags/**"]
  - allow: [update]
    who: role:sync
    refs: refs/heads/main
    paths: [SYNC_PATHS]
"""

SCHEMA = """\
version: 1
name: street
labels:
  - {id: 1, name: person, geometry: [bbox]}
  - {id: 2, name: car, geometry: [bbox, polygon]}
changelog:
  - {version: 1, changes: [first ontology]}
"""

SCHEMA_V2 = (
    SCHEMA.replace("version: 1\n", "version: 2\n", 1).replace(
        "changelog:", "  - {id: 3, name: truck, geometry: [bbox]}\nchangelog:"
    )
    + "  - {version: 2, changes: [trucks]}\n"
)

PROJECT = """\
dataset: {name: street, type: detection, version: 1.0.0}
formats:
  - {glob: "labels/ls/*.json", format: labelstudio}
  - {glob: "labels/coco/*.json", format: coco}
"""

SYNC = """\
version: 1
labelstudio:
  project: TITLE
  labels: [labels/ls/annotations.json, labels/coco/annotations.coco.json]
  drift: DRIFT
"""

SHA = {name: f"{n:064x}" for n, name in enumerate(("img1", "img2", "img3"), 1)}


def manifest_row(item: str, split: str = "train") -> str:
    row = {
        "id": item,
        "uri": f"s3://street/{item}.jpg",
        "sha256": SHA[item],
        "split": split,
        "width": 640,
        "height": 480,
    }
    return json.dumps(row) + "\n"


def files(
    title: str, drift: str = "revert", sync_paths: str = "labels/**"
) -> dict[str, str | bytes | None]:
    return {
        ".gitattributes": "labels/** merge=gitannot\n",
        "configs/access.yaml": ACCESS.replace("SYNC_PATHS", sync_paths),
        "configs/project.yaml": PROJECT,
        "configs/sync.yaml": SYNC.replace("TITLE", json.dumps(title)).replace("DRIFT", drift),
        "schema/labels.yaml": SCHEMA,
        "data/images.jsonl": manifest_row("img1") + manifest_row("img2", "val"),
    }


def title_for(request: pytest.FixtureRequest) -> str:
    return f"gitannot {request.node.name}"[:50]


def seed(alice: Client, title: str = "gitannot sync test", **kwargs: str) -> str:
    commit = alice.commit(files(title, **kwargs), "the project the sync mirrors")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return commit


def sync(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ls: LabelStudioServer,
    server: ServerRepo,
    workdir: Path,
    *extra: str,
) -> tuple[int, str]:
    """One `gitannot sync labelstudio` as the host runs it: credentials from the
    environment, pushes over file:// as the transport identity ls-sync."""
    monkeypatch.setenv("GITANNOT_USER", SYNC_USER)
    monkeypatch.setenv("GITANNOT_LABELSTUDIO_URL", ls.url)
    monkeypatch.setenv("GITANNOT_LABELSTUDIO_TOKEN", ADMIN_TOKEN)
    capsys.readouterr()
    args = ["sync", "labelstudio", "--workdir", str(workdir), "--remote", server.file_url()]
    code = main([*args, *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def sync_env(ls: LabelStudioServer) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GITANNOT_USER=SYNC_USER,
        GITANNOT_LABELSTUDIO_URL=ls.url,
        GITANNOT_LABELSTUDIO_TOKEN=ADMIN_TOKEN,
    )
    return env


def project_id(ls: LabelStudioServer, title: str) -> int:
    found = [p.id for p in ls.sdk().projects.list(page_size=100) if p.title == title]
    assert len(found) == 1, found
    return int(found[0])


def tool_tasks(ls: LabelStudioServer, pid: int) -> list[dict[str, Any]]:
    """Every task with its annotations, as comparable plain values."""
    out = []
    for task in ls.sdk().tasks.list(project=pid, fields="all", page_size=100):
        anns = [a if isinstance(a, dict) else a.dict() for a in task.annotations or []]
        out.append(
            {
                "id": task.id,
                "data": dict(task.data),
                "meta": dict(task.meta or {}),
                "annotations": sorted(
                    (a["id"], a["completed_by"], json.dumps(a["result"], sort_keys=True))
                    for a in anns
                ),
            }
        )
    return sorted(out, key=lambda t: t["id"])


def task_of(ls: LabelStudioServer, pid: int, item: str) -> int:
    ids = [t["id"] for t in tool_tasks(ls, pid) if t["data"].get("gitannot_item") == item]
    assert len(ids) == 1, ids
    return int(ids[0])


def box(label: str, x: float, region: str = "r1") -> dict[str, Any]:
    return {
        "id": region,
        "type": "rectanglelabels",
        "from_name": "bbox",
        "to_name": "image",
        "original_width": 640,
        "original_height": 480,
        "value": {
            "x": x,
            "y": 10,
            "width": 20,
            "height": 25,
            "rotation": 0,
            "rectanglelabels": [label],
        },
    }


def annotate(ls: LabelStudioServer, user: str, task: int, result: list[dict[str, Any]]) -> int:
    """An annotation submitted through the API as `user` (what the labeling UI sends)."""
    made = ls.sdk(ANNOTATORS[user]).annotations.create(id=task, result=result)
    return int(made.id)


def edit_annotation(
    ls: LabelStudioServer, user: str, annotation: int, result: list[dict[str, Any]]
) -> None:
    ls.sdk(ANNOTATORS[user]).annotations.update(id=annotation, result=result)


def main_tip(server: ServerRepo) -> str | None:
    return server.rev("refs/heads/main")


def server_file(server: ServerRepo, path: str) -> Any:
    return json.loads(server.git("show", f"refs/heads/main:{path}").stdout)


def dump(doc: Any) -> str:
    return json.dumps(doc, indent=2) + "\n"


def last_push_entry(entries: list[LogEntry]) -> dict[str, Any]:
    """The newest push entry (post-receive adds a receipt after an accepted one)."""
    return next(e.entry for e in reversed(entries) if e.entry.get("type") == "push")


MAX_WATCH_LINES = 200  # bound on what the watch loop may print before the awaited line


def read_until(proc: subprocess.Popen[str], marker: str) -> str:
    """The watch loop's output up to and including the first line holding `marker`."""
    assert proc.stdout is not None
    lines: list[str] = []
    for _ in range(MAX_WATCH_LINES):
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"the watch loop ended before {marker!r}:\n{''.join(lines)}")
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError(f"no {marker!r} in {MAX_WATCH_LINES} lines:\n{''.join(lines)}")

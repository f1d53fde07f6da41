"""Demo steps: a task is assigned, labelled on its branch, reviewed, fixed, approved by a
second reviewer and merged; self-approval and unapproved merges are refused."""

import json
import os
import subprocess
import sys
from typing import Any

from gitannot.demo.scenario import Demo, DemoClient, Outcome

ORDER = 50
LABEL = "labels/coco/w1-0001.json"
BRANCH = "annotate/bob/w1"
WORKFLOW = """\
# Tasks and reviews (docs/workflow.md describes every key).
version: 1
task_managers: [role:admin]
task_rights:            # annotators change labels only through an open task
  who: [role:annotator]
  paths: ["labels/**"]
protect:
  - refs: [refs/heads/main]
    approvals: 1
    reviewers: [role:reviewer]
    dismiss_stale: true
"""
TASK = """\
id: w1
title: street scene w1-0001
items: [labels/coco/w1-0001.json]
assignees: [bob]
reviewers: [dave, erin]
stage: annotation
state: {state}
due: 2099-12-31
on_expiry: lock
overlap: 1
"""


def _label(box: list[int]) -> str:
    doc: dict[str, Any] = {
        "images": [{"id": 1, "file_name": "w1-0001.jpg", "width": 640, "height": 480}],
        "categories": [{"id": 1, "name": "person"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": box,
             "area": box[2] * box[3], "iscrowd": 0}
        ],
    }  # fmt: skip
    return json.dumps(doc, indent=1) + "\n"


def _access(text: str) -> str:
    """The scaffold policy plus a second reviewer and task files on annotators' and
    reviewers' branches."""
    edits = [
        ("  dave: {roles: [reviewer, schema-owner]}\n",
         "  dave: {roles: [reviewer, schema-owner]}\n  erin: {roles: [reviewer]}\n"),
        ("    refs: refs/heads/annotate/{user}/**\n    paths: labels/**\n",
         "    refs: refs/heads/annotate/{user}/**\n    paths: [labels/**, tasks/**]\n"),
        ("    refs: refs/heads/review/{user}/**\n    paths: [labels/**, reviews/**]\n",
         "    refs: refs/heads/review/{user}/**\n    paths: [labels/**, reviews/**, tasks/**]\n"),
    ]  # fmt: skip
    for old, new in edits:
        if old not in text:
            raise RuntimeError(f"the scaffold access policy changed: {old!r} not found")
        text = text.replace(old, new, 1)
    return text


def _review(demo: Demo, client: DemoClient, *args: str, expect: str) -> Outcome:
    """`gitannot review ...` in the client's clone; its push carries the client's identity."""
    proc = subprocess.run(
        [sys.executable, "-m", "gitannot", "review", *args],
        cwd=client.path,
        env={**os.environ, **client.env()},
        capture_output=True,
        text=True,
    )
    outcome = Outcome(proc.returncode, proc.stdout + proc.stderr)
    demo.print_outcome(f"gitannot review {' '.join(args)} ({client.user})", outcome, expect)
    return outcome


def _fresh(client: DemoClient, branch: str, start: str = "origin/main") -> None:
    client.git("fetch", "-q", "origin")
    client.git("checkout", "-q", "-B", branch, start)


def run(demo: Demo) -> None:
    alice = demo.client("alice")
    demo.step("alice turns on the workflow: task w1 for bob, reviewers dave and erin")
    _fresh(alice, "main")
    policy = (alice.path / "configs" / "access.yaml").read_text(encoding="utf-8")
    alice.commit(
        {
            "configs/access.yaml": _access(policy),
            "configs/workflow.yaml": WORKFLOW,
            "tasks/w1.yaml": TASK.format(state="new"),
            LABEL: _label([10, 20, 200, 300]),
        },
        "Workflow: task w1, protected main",
    )
    alice.push("HEAD:refs/heads/main", expect="accepted")

    bob = demo.client("bob")
    demo.step("bob starts w1 on his task branch and labels; a file outside w1 is refused")
    _fresh(bob, BRANCH)
    bob.commit({"tasks/w1.yaml": TASK.format(state="in progress")}, "Start w1")
    bob.commit({"labels/coco/intro-0001.json": _label([1, 1, 5, 5])}, "Not my task")
    bob.push(f"HEAD:refs/heads/{BRANCH}", expect="rejected")
    bob.git("reset", "-q", "--hard", "HEAD~1")
    bob.commit({LABEL: _label([12, 22, 196, 296])}, "Label w1-0001")
    bob.commit({"tasks/w1.yaml": TASK.format(state="completed")}, "Submit w1")
    bob.push(f"HEAD:refs/heads/{BRANCH}", expect="accepted")

    dave = demo.client("dave")
    demo.step("dave reviews and requests changes; merging the unapproved work is refused")
    _review(demo, dave, "request-changes", BRANCH, "-m", "the box is too loose", expect="accepted")
    dave.git("fetch", "-q", "origin")
    dave.push(f"refs/remotes/origin/{BRANCH}:refs/heads/main", expect="rejected")

    demo.step("bob fixes the box and pushes again")
    bob.commit({LABEL: _label([14, 24, 190, 290])}, "Tighter box")
    bob.push(f"HEAD:refs/heads/{BRANCH}", expect="accepted")

    demo.step("dave tweaks the label himself and approves his own commit: does not count")
    _fresh(dave, "review/dave/w1", f"origin/{BRANCH}")
    dave.commit({LABEL: _label([15, 24, 189, 290])}, "One more pixel")
    dave.push("HEAD:refs/heads/review/dave/w1", expect="accepted")
    _review(demo, dave, "approve", "review/dave/w1", "-m", "fine", expect="accepted")
    dave.git("fetch", "-q", "origin")
    dave.push("refs/remotes/origin/review/dave/w1:refs/heads/main", expect="rejected")

    erin = demo.client("erin")
    demo.step("erin, a second reviewer who pushed none of it, approves bob's fixed commit")
    _review(demo, erin, "approve", BRANCH, "-m", "box is tight now", expect="accepted")

    demo.step("dave moves main onto exactly the approved commit: accepted")
    dave.git("fetch", "-q", "origin")
    dave.push(f"refs/remotes/origin/{BRANCH}:refs/heads/main", expect="accepted")

    demo.step("The verdicts are in the audit log, the board shows the task")
    tip = dave.git("rev-parse", f"refs/remotes/origin/{BRANCH}").output.strip()
    demo.gitannot("audit", "show", tip, "--repo", str(demo.server))
    _review(demo, erin, "list", BRANCH, expect="accepted")
    _fresh(erin, "main")
    erin.gitannot("task", "list")

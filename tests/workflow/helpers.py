"""A project with the workflow configured: users, tasks, protected main, review helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from tests.gitenv import Client, PushResult, ServerRepo

ACCESS = """\
version: 1
users:
  alice: {roles: [admin]}
  bob: {roles: [annotator]}
  carol: {roles: [annotator]}
  dave: {roles: [reviewer]}
  erin: {roles: [reviewer]}
break_glass:
  who: [role:admin]
rules:
  - allow: all
    who: role:admin
    refs: ["refs/heads/**", "refs/tags/**"]
  - allow: [create, update, force, delete]
    who: role:annotator
    refs: refs/heads/annotate/{user}/**
    paths: [labels/**, tasks/**]
  - allow: [update]
    who: role:reviewer
    refs: refs/heads/main
  - allow: [create, update, force, delete]
    who: role:reviewer
    refs: refs/heads/review/{user}/**
    paths: [labels/**, tasks/**]
  - allow: [create, update]
    who: "*"
    refs: refs/reviews/**
"""

WORKFLOW = """\
version: 1
task_managers: [role:admin]
task_rights:
  who: [role:annotator]
  paths: ["labels/**"]
protect:
  - refs: [refs/heads/main]
    approvals: 1
    reviewers: [role:reviewer]
    dismiss_stale: true
"""


def day(offset: int) -> str:
    """A due date relative to the real server clock (no clock is mocked for pushes)."""
    return (datetime.now(UTC) + timedelta(days=offset)).strftime("%Y-%m-%d")


def task(
    task_id: str,
    items: str,
    assignees: str,
    reviewers: str = "[dave, erin]",
    stage: str = "annotation",
    state: str = "new",
    due: str | None = None,
) -> str:
    return (
        f"id: {task_id}\ntitle: batch {task_id}\nitems: {items}\nassignees: {assignees}\n"
        f"reviewers: {reviewers}\nstage: {stage}\nstate: {state}\n"
        f"due: {due or day(30)}\non_expiry: lock\noverlap: 1\n"
    )


def seed_files(workflow: str = WORKFLOW) -> dict[str, str | bytes | None]:
    return {
        "configs/access.yaml": ACCESS,
        "configs/workflow.yaml": workflow,
        "labels/cats/a.txt": "cat 1\n",
        "labels/cats/b.txt": "cat 2\n",
        "labels/dogs/a.txt": "dog 1\n",
        "labels/birds/a.txt": "bird 1\n",
        "tasks/t1.yaml": task("t1", "[labels/cats/*.txt]", "[bob]"),
        "tasks/t2.yaml": task("t2", "[labels/dogs/*.txt]", "[carol]", "[dave]"),
        "tasks/t3.yaml": task("t3", "[labels/birds/*.txt]", "[bob]", due=day(-2)),
    }


def seed(alice: Client, workflow: str = WORKFLOW) -> str:
    commit = alice.commit(seed_files(workflow), "seed workflow project")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return commit


def start_from(client: Client, ref: str = "main") -> None:
    client.git("fetch", "-q", "origin", f"+refs/heads/{ref}:refs/remotes/origin/{ref}")
    client.git("checkout", "-q", "-B", "work", f"origin/{ref}")


def set_state(task_text: str, state: str, stage: str = "annotation") -> str:
    text = task_text.replace("stage: annotation", f"stage: {stage}")
    return text.replace("state: new", f"state: {state}")


def gitannot(client: Client, *args: str, user: str | None = None) -> PushResult:
    """Run the gitannot CLI in the client's clone as `user` (a subprocess, like a person)."""
    env = dict(os.environ)
    env["GITANNOT_USER"] = user or client.user
    proc = subprocess.run(
        [sys.executable, "-m", "gitannot", *args],
        cwd=client.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return PushResult(proc.returncode, proc.stdout + proc.stderr)


def audit_show(server: ServerRepo, commit: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "gitannot", "audit", "--repo", str(server.path), "show", commit],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout + proc.stderr

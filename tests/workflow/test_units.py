"""Pure parts: who may move a task, the workflow config's errors, the board (clock passed in)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitannot.access.loader import parse_policy
from gitannot.errors import ConfigError
from gitannot.main import main as gitannot_main
from gitannot.workflow.board import board
from gitannot.workflow.config import parse_workflow
from gitannot.workflow.model import Task
from gitannot.workflow.transitions import judge
from tests.workflow.helpers import ACCESS, WORKFLOW

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POLICY = parse_policy(ACCESS, "configs/access.yaml")


def make(stage: str, state: str, due: datetime | None = None, **kw: object) -> Task:
    fields: dict[str, object] = dict(
        id="t1", path="tasks/t1.yaml", title="", items=("labels/**",), assignees=("bob",),
        reviewers=("dave",), stage=stage, state=state, due=due, on_expiry="lock", overlap=1,
    )  # fmt: skip
    fields.update(kw)
    return Task(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("user", "old", "new", "allowed"),
    [
        ("bob", ("annotation", "new"), ("annotation", "in progress"), True),
        ("bob", ("annotation", "in progress"), ("annotation", "completed"), True),
        ("bob", ("annotation", "completed"), ("acceptance", "completed"), False),
        ("bob", ("annotation", "completed"), ("annotation", "in progress"), False),
        ("dave", ("annotation", "new"), ("annotation", "in progress"), False),
        ("dave", ("annotation", "completed"), ("acceptance", "completed"), True),
        ("dave", ("validation", "in progress"), ("annotation", "rejected"), True),
        ("dave", ("acceptance", "completed"), ("annotation", "in progress"), False),
        ("carol", ("annotation", "new"), ("annotation", "in progress"), False),
    ],
)
def test_moves_per_role(
    user: str, old: tuple[str, str], new: tuple[str, str], allowed: bool
) -> None:
    verdict = judge(make(*old), make(*new), user, manager=False, now=NOW)
    assert verdict.allowed is allowed, verdict


def test_managers_do_anything_and_expiry_uses_the_clock_given() -> None:
    reopen = judge(make("acceptance", "completed"), make("annotation", "new"), "alice",
                   manager=True, now=NOW)  # fmt: skip
    assert reopen.allowed
    due = datetime(2026, 5, 31, tzinfo=UTC)
    start = (make("annotation", "new", due), make("annotation", "in progress", due))
    assert not judge(*start, "bob", manager=False, now=NOW).allowed
    assert "expired at 2026-05-31T00:00:00Z" in judge(*start, "bob", manager=False, now=NOW).reason
    assert judge(*start, "bob", manager=False, now=datetime(2026, 5, 30, tzinfo=UTC)).allowed


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            WORKFLOW + "extra: 1\n",
            "configs/workflow.yaml:11: unknown key(s) in the top level: extra",
        ),
        (
            WORKFLOW.replace("role:reviewer", "role:qa"),
            "no user of the access policy has role 'qa'",
        ),
        (WORKFLOW.replace("approvals: 1", "approvals: 0"), "approvals must be a positive integer"),
        (WORKFLOW.replace("refs/heads/main", "main"), "'main' is not a full ref name"),
        (WORKFLOW.replace("version: 1", "version: 2"), "`version: 1` is required"),
    ],
)
def test_workflow_config_errors_name_the_line(text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_workflow(text.encode(), "configs/workflow.yaml", POLICY)
    assert needle in info.value.message


def test_board_counts_by_state_overdue_and_reviewers() -> None:
    late = datetime(2026, 5, 1, tzinfo=UTC)
    tasks = [
        make("annotation", "in progress", late),
        make("annotation", "completed", id="t2", assignees=("carol",)),
        make("acceptance", "completed", late, id="t3"),
    ]
    data = board(tasks, NOW)
    assert data["by_state"] == {
        "acceptance/completed": ["t3"],
        "annotation/completed": ["t2"],
        "annotation/in progress": ["t1"],
    }
    assert [o["task"] for o in data["overdue"]] == ["t1"]  # t3 is done: not overdue
    assert data["overdue"][0]["locked"] is True
    assert data["awaiting_review"] == [
        {"task": "t2", "reviewers": ["dave"], "assignees": ["carol"]}
    ]
    assert data["per_user"]["bob"] == {"open": 1, "submitted": 0, "done": 1, "to_review": 0}
    assert data["per_user"]["dave"]["to_review"] == 1


def test_task_list_json_reads_the_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    from tests.gitenv import git

    git("init", "-q", str(tmp_path))
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t1.yaml").write_text(
        "id: t1\nitems: [labels/a.json]\nassignees: [bob]\nreviewers: [dave]\n"
        "stage: annotation\nstate: completed\ndue: 2020-01-01\n",
        encoding="utf-8",
    )
    (tmp_path / "tasks" / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert gitannot_main(["task", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["awaiting_review"][0]["task"] == "t1"
    assert data["overdue"][0]["due"] == "2020-01-02T00:00:00Z"
    assert "task.invalid-yaml" in data["invalid"]["tasks/broken.yaml"]

"""Table-driven: each role, each project folder, on protected and personal branches.

Every row is a real push through the installed hook into a server whose main holds the
scaffold policy (gitannot/scaffold/templates/configs/access.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from tests.access.helpers import assert_accepted, assert_denied, line_of, policy_text, sync
from tests.gitenv import Client, ServerRepo

POLICY = policy_text()
ANNOTATOR_RULE = f"configs/access.yaml:{line_of(POLICY, 'refs: refs/heads/annotate/{user}/**') - 2}"
NO_RULE = "decided by configs/access.yaml (no matching rule)"

FOLDERS = {
    "labels": "labels/notes/new.txt",
    "schema": "schema/CHANGELOG.md",
    "configs": "configs/notes.txt",
    "tasks": "tasks/t1.yaml",
    "reviews": "reviews/r2.yaml",
    "data": "data/manifest.jsonl",
}


@dataclass(frozen=True)
class Case:
    user: str
    ref: str
    folder: str
    allowed: bool
    needles: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        verdict = "allow" if self.allowed else "deny"
        return f"{self.user}-{self.ref.removeprefix('refs/heads/')}-{self.folder}-{verdict}"


def _cases() -> list[Case]:
    cases = []
    # Annotators on their personal branch: labels only.
    for folder in FOLDERS:
        ok = folder == "labels"
        what = f"bob may not create branch annotate/bob/{folder} with a change to {FOLDERS[folder]}"
        needles: tuple[str, ...] = (
            () if ok else ("[access.path-denied]", what, NO_RULE, "allowed for alice")
        )
        cases.append(Case("bob", f"refs/heads/annotate/bob/{folder}", folder, ok, needles))
    # Annotators on the protected branch: nothing, whatever the folder.
    for folder in FOLDERS:
        needles = (
            "[access.ref-denied]",
            "DENIED: bob may not update branch main (no rule allows it: deny by default)",
            "hint: allowed for alice, dave",
        )
        cases.append(Case("bob", "refs/heads/main", folder, False, needles))
    # Someone else's personal branch.
    cases.append(
        Case(
            "carol",
            "refs/heads/annotate/bob/x",
            "labels",
            False,
            ("carol may not create branch annotate/bob/x",),
        )
    )
    cases.append(Case("carol", "refs/heads/annotate/carol/x", "labels", True))
    # Reviewer + schema owner on main: labels, reviews, tasks, schema; not configs or data.
    for folder in FOLDERS:
        ok = folder in ("labels", "reviews", "tasks", "schema")
        needles = (
            ("EVALUATE (error, not enforced) [access.evaluate]", "would deny dave update")
            if folder == "tasks"
            else ()
            if ok
            else (
                "[access.path-denied]",
                f"dave may not update branch main with a change to {FOLDERS[folder]}",
                "allowed for alice",
            )
        )
        cases.append(Case("dave", "refs/heads/main", folder, ok, needles))
    # Reviewer on their review branch: labels and reviews only.
    for folder in FOLDERS:
        ok = folder in ("labels", "reviews")
        ref = f"refs/heads/review/dave/{folder}"
        needles = () if ok else ("[access.path-denied]", f"with a change to {FOLDERS[folder]}")
        cases.append(Case("dave", ref, folder, ok, needles))
    cases.append(Case("dave", "refs/heads/schema/a", "schema", True))
    cases.append(Case("dave", "refs/heads/schema/b", "labels", False, ("[access.path-denied]",)))
    cases.append(
        Case(
            "bob",
            "refs/heads/schema/c",
            "schema",
            False,
            (
                "[access.ref-denied]",
                "bob may not create branch schema/c",
                "allowed for alice, dave",
            ),
        )
    )
    # Admin: every folder, on main and on a personal branch.
    for folder in FOLDERS:
        cases.append(Case("alice", "refs/heads/main", folder, True))
        cases.append(Case("alice", f"refs/heads/annotate/alice/{folder}", folder, True))
    return cases


CASES = _cases()
# Over ssh: one allowed and one denied row per role (the rest is the same hook code).
SSH_IDS = {
    "bob-annotate/bob/labels-labels-allow",
    "bob-annotate/bob/schema-schema-deny",
    "bob-main-labels-deny",
    "dave-main-schema-allow",
    "dave-main-configs-deny",
    "alice-main-configs-allow",
}


def _run(case: Case, client: Client, server: ServerRepo, via: str) -> None:
    """One row: commit a change to the folder, push it, check outcome, message and ref."""
    sync(client)
    if via == "ssh":  # the file:// row already created the branch on the shared server
        old, new = "annotate/bob/", "annotate/bob/ssh-"
        needles = tuple(n.replace(old, new) for n in case.needles)
        case = replace(case, ref=case.ref.replace(old, new), needles=needles)
    before = server.rev(case.ref)
    path = FOLDERS[case.folder]
    commit = client.commit({path: f"{case.id} via {via}\n"}, case.id)
    result = client.push(f"HEAD:{case.ref}", via=via)
    if case.allowed:
        assert_accepted(result, f"gitannot: push by {case.user} accepted", *case.needles)
        assert server.rev(case.ref) == commit
    else:
        assert_denied(result, f"push by {case.user} REJECTED", *case.needles)
        assert server.rev(case.ref) == before
        if "[access.path-denied]" in case.needles:
            assert f"{case.ref} {commit[:12]} {path}:" in result.output


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_role_folder_file(
    case: Case, shared_client: Callable[[str], Client], shared_seeded: ServerRepo
) -> None:
    _run(case, shared_client(case.user), shared_seeded, "file")


SSH_CASES = [c for c in CASES if c.id in SSH_IDS]


@pytest.mark.ssh
@pytest.mark.usefixtures("needs_ssh")
@pytest.mark.parametrize("case", SSH_CASES, ids=[c.id for c in SSH_CASES])
def test_role_folder_ssh(
    case: Case, shared_client: Callable[[str], Client], shared_seeded: ServerRepo
) -> None:
    _run(case, shared_client(case.user), shared_seeded, "ssh")


def test_ssh_table_covers_every_role() -> None:
    assert len(SSH_CASES) == len(SSH_IDS)
    assert {c.user for c in SSH_CASES} == {"alice", "bob", "dave"}
    assert ANNOTATOR_RULE.startswith("configs/access.yaml:")

"""Shared setup for access tests: a server whose main holds the scaffold policy."""

from __future__ import annotations

from pathlib import Path

from tests.gitenv import Client, PushResult, ServerRepo

TEMPLATE = (
    Path(__file__).resolve().parents[2]
    / "gitannot"
    / "scaffold"
    / "templates"
    / "configs"
    / "access.yaml"
)

SEED_FILES: dict[str, str | bytes | None] = {
    "README.md": "annotation project\n",
    "labels/notes/img1.txt": "reviewed\n",
    "schema/CHANGELOG.md": "v1: cat, dog\n",
    "tasks/t1.yaml": "status: open\n",
    "reviews/r1.yaml": "result: pending\n",
    "data/manifest.jsonl": '{"uri": "s3://b/img1.jpg"}\n',
}


def policy_text() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def seed(server: ServerRepo, alice: Client, policy: str | None = None) -> str:
    """alice (bootstrap admin) pushes the policy and one file per folder to main."""
    files = dict(SEED_FILES)
    files["configs/access.yaml"] = policy if policy is not None else policy_text()
    commit = alice.commit(files, "seed project")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert server.rev("refs/heads/main") == commit
    return commit


def sync(client: Client, ref: str = "main") -> None:
    """Reset the client's work tree to the server's `ref` (a fresh start for each case)."""
    client.git("fetch", "-q", "origin", f"+refs/heads/{ref}:refs/remotes/origin/{ref}")
    client.git("checkout", "-q", "-B", "work", f"origin/{ref}")


def assert_denied(result: PushResult, *needles: str) -> None:
    assert not result.accepted, result.output
    assert "REJECTED" in result.output, result.output
    for needle in needles:
        assert needle in result.output, f"{needle!r} not in:\n{result.output}"


def assert_accepted(result: PushResult, *needles: str) -> None:
    assert result.accepted, result.output
    for needle in needles:
        assert needle in result.output, f"{needle!r} not in:\n{result.output}"


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing needle (to assert file:line sources)."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in policy")

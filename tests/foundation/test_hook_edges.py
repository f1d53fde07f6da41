"""Edges of the pre-receive service: refs that point at no commit, startup failures."""

import json
from collections.abc import Callable

from tests.gitenv import Client, ServerRepo, git


def _admin_with_main(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> Client:
    alice = make_client(server, "alice")
    alice.commit({"README.md": "project\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    return alice


def test_tag_pointing_at_a_blob_is_rejected(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    """A tag to a blob or tree would carry content past every path rule and limit."""
    alice = _admin_with_main(server, make_client)
    blob = git("hash-object", "-w", "--stdin", cwd=alice.path, input="payload\n").stdout.strip()
    result = alice.push(f"{blob}:refs/tags/smuggled")
    assert not result.accepted
    assert "[refs.non-commit-target] refs/tags/smuggled" in result.output
    assert server.rev("refs/tags/smuggled") is None


def test_annotated_tag_of_a_tree_is_rejected(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = _admin_with_main(server, make_client)
    tree = alice.git("rev-parse", "HEAD^{tree}").stdout.strip()
    alice.git("tag", "-a", "-m", "tree tag", "treetag", tree)
    result = alice.push("refs/tags/treetag")
    assert not result.accepted
    assert "[refs.non-commit-target] refs/tags/treetag" in result.output


def test_annotated_tag_of_a_commit_is_still_fine(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = _admin_with_main(server, make_client)
    alice.git("tag", "-a", "-m", "release", "v1")
    assert alice.push("refs/tags/v1").accepted


def test_unreadable_server_config_is_still_logged(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    """One audit entry per push attempt, also when the hook cannot load its settings."""
    alice = _admin_with_main(server, make_client)
    (server.path / "gitannot" / "server.yaml").write_text("admins: [unterminated\n")
    alice.commit({"README.md": "changed\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "server.yaml cannot be read" in result.output
    head = server.git("log", "-1", "--format=%B", "refs/notes/audit").stdout.splitlines()
    entry = json.loads(next(line for line in head if line.startswith("{")))
    assert entry["decision"] == "rejected"
    assert entry["actor"]["user"] == "alice"
    assert "server.yaml cannot be read" in entry["error"]
    assert [u["ref"] for u in entry["updates"]] == ["refs/heads/main"]

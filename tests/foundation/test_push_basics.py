"""Identity and fail-closed behaviour through real pushes, over file:// and ssh."""

from collections.abc import Callable

import pytest

from tests.faults import inject_fault
from tests.gitenv import Client, ServerRepo

TRANSPORTS = ["file", "ssh"]


@pytest.fixture(params=TRANSPORTS)
def via(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def any_server(via: str, request: pytest.FixtureRequest) -> ServerRepo:
    name = "ssh_server" if via == "ssh" else "server"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def test_admin_push_accepted(
    any_server: ServerRepo, via: str, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = make_client(any_server, "alice")
    commit = alice.commit({"README.md": "labels\n"})
    result = alice.push("HEAD:refs/heads/main", via=via)
    assert result.accepted, result.output
    assert "gitannot: push by alice accepted" in result.remote_lines()
    assert any_server.rev("refs/heads/main") == commit


def test_push_without_identity_rejected(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    client = make_client(server, "alice")
    client.commit({"README.md": "x\n"})
    result = client.push("HEAD:refs/heads/main", identity_env={})
    assert not result.accepted
    assert "[identity.missing]" in result.output
    assert server.rev("refs/heads/main") is None


def test_ssh_key_without_forced_identity_rejected(
    ssh_server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    client = make_client(ssh_server, "anonymous")
    client.commit({"README.md": "x\n"})
    result = client.push("HEAD:refs/heads/main", via="ssh")
    assert not result.accepted
    assert "[identity.missing]" in result.output
    assert ssh_server.rev("refs/heads/main") is None


def test_commit_author_is_not_identity(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    bob = make_client(server, "bob")
    bob.git("config", "user.name", "alice")
    bob.commit({"README.md": "x\n"})
    result = bob.push("HEAD:refs/heads/main", identity_env={"GIT_AUTHOR_NAME": "alice"})
    assert not result.accepted
    assert "[identity.missing]" in result.output


def test_invalid_identity_name_is_no_identity(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    client = make_client(server, "alice")
    client.commit({"README.md": "x\n"})
    result = client.push("HEAD:refs/heads/main", identity_env={"GITANNOT_USER": "alice; rm -rf /"})
    assert not result.accepted
    assert "[identity.missing]" in result.output


def test_non_admin_rejected_without_policy(
    any_server: ServerRepo, via: str, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    bob = make_client(any_server, "bob")
    bob.commit({"labels/a.json": "{}\n"})
    result = bob.push("HEAD:refs/heads/main", via=via)
    assert not result.accepted
    assert "[access.bootstrap-admins-only]" in result.output
    assert "user 'bob' may not push" in result.output


def test_injected_crash_rejects_push(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = make_client(server, "alice")
    alice.commit({"README.md": "x\n"})
    inject_fault(server, "crash")
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[internal.error]" in result.output
    assert "injected fault" in result.output
    assert server.rev("refs/heads/main") is None


def test_timeout_rejects_push(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    server.configure(hook_timeout_seconds=0.5)
    alice = make_client(server, "alice")
    alice.commit({"README.md": "x\n"})
    inject_fault(server, "hang")
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[internal.timeout]" in result.output
    assert "time limit of 0.5s" in result.output


def test_unreadable_server_config_rejects_push(
    any_server: ServerRepo, via: str, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    server = any_server
    (server.path / "gitannot" / "server.yaml").write_text("admins: [unterminated\n")
    alice = make_client(server, "alice")
    alice.commit({"README.md": "x\n"})
    result = alice.push("HEAD:refs/heads/main", via=via)
    assert not result.accepted
    assert "server.yaml cannot be read" in result.output


def test_missing_interpreter_rejects_push(
    any_server: ServerRepo, via: str, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    server = any_server
    (server.path / "gitannot" / "interpreter").write_text("/nonexistent/python\n")
    alice = make_client(server, "alice")
    alice.commit({"README.md": "x\n"})
    result = alice.push("HEAD:refs/heads/main", via=via)
    assert not result.accepted
    assert "no usable interpreter" in result.output

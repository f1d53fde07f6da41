"""Issue 9 item 7, end to end: a policy that does not load never lands, and when the
policy on the default branch cannot be loaded or evaluated the bootstrap admins can
still push the fix (everyone else is rejected, saying why)."""

from collections.abc import Callable

import pytest

from tests.access.helpers import policy_text
from tests.faults import clear_fault, inject_fault
from tests.gitenv import Client, ServerRepo
from tests.validation.test_yaml_loader import bomb

MakeClient = Callable[[ServerRepo, str], Client]
POLICY = "configs/access.yaml"
ADMIN_RULE = '    refs: ["refs/heads/**", "refs/tags/**"]\n'


def alias_bomb_policy() -> str:
    """The scaffold policy, valid in every other respect, whose admin rule's `why` is
    an alias bomb: 9**5 strings once expanded (the attack used 9**9 for ~700 MB)."""
    levels = [line.split(": ", 1)[1] for line in bomb(5).splitlines()]
    why = "    why:\n" + "".join(f"      - {level}\n" for level in levels)
    text = policy_text()
    assert text.count(ADMIN_RULE) == 1
    return text.replace(ADMIN_RULE, ADMIN_RULE + why)


def bomb_line() -> int:
    """The line of the first anchor in alias_bomb_policy()."""
    return policy_text().splitlines().index(ADMIN_RULE.rstrip("\n")) + 3


@pytest.fixture
def alice(server: ServerRepo, make_client: MakeClient) -> Client:
    client = make_client(server, "alice")
    client.commit({POLICY: policy_text(), "README.md": "x\n"}, "policy")
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return client


def test_alias_bomb_policy_push_is_rejected(alice: Client, server: ServerRepo) -> None:
    before = server.rev("refs/heads/main")
    alice.commit({POLICY: alias_bomb_policy()})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [access.pushed-policy-invalid] refs/heads/main" in result.output
    assert f"{POLICY}:{bomb_line()}: YAML anchors and aliases" in result.output
    assert server.rev("refs/heads/main") == before


def test_policy_that_does_not_lint_is_rejected_on_any_branch(
    alice: Client, server: ServerRepo
) -> None:
    broken = policy_text().replace("version: 1\n", "version: 1\nversion: 1\n", 1)
    alice.commit({POLICY: broken})
    result = alice.push("HEAD:refs/heads/topic")
    assert not result.accepted
    assert "[access.pushed-policy-invalid] refs/heads/topic" in result.output
    assert "duplicate key 'version'" in result.output
    assert server.rev("refs/heads/topic") is None


def _land_directly(server: ServerRepo, client: Client, files: dict[str, str | bytes | None]) -> str:
    """Write a commit into the server's main without any hook (as a server admin with
    shell access, or an older gitannot, could have)."""
    commit = client.commit(files, "written behind the hook's back")
    server.git("fetch", "-q", str(client.path), f"{commit}:refs/heads/main")
    assert server.rev("refs/heads/main") == commit
    return commit


def test_bootstrap_admin_fixes_a_policy_on_main_that_does_not_load(
    alice: Client, server: ServerRepo, make_client: MakeClient
) -> None:
    _land_directly(server, alice, {POLICY: alias_bomb_policy()})
    bob = make_client(server, "bob")
    bob.commit({"labels/a.txt": "x\n"})
    denied = bob.push("HEAD:refs/heads/main")
    assert not denied.accepted
    assert "ERROR [access.policy-invalid]" in denied.output
    assert "the access policy in force cannot be used" in denied.output
    assert "a bootstrap admin (alice) must push a fixed configs/access.yaml" in denied.output

    fix = alice.commit({POLICY: policy_text()}, "fix the policy")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "pushes as a bootstrap admin" in result.output
    assert server.rev("refs/heads/main") == fix


@pytest.mark.parametrize("fault", ["access-crash", "access-hang"])
def test_bootstrap_admin_gets_past_a_policy_that_cannot_be_evaluated(
    alice: Client, server: ServerRepo, make_client: MakeClient, fault: str
) -> None:
    """The policy loads, but evaluating it crashes or never ends (a test-only wrapper
    makes the access check do that): the bootstrap admin's fix lands, others are
    rejected (fail closed) with the reason."""
    server.configure(hook_timeout_seconds=3)
    inject_fault(server, fault)
    bob = make_client(server, "bob")
    bob.commit({"labels/a.txt": "x\n"})
    denied = bob.push("HEAD:refs/heads/main")
    assert not denied.accepted
    rule = "internal.error" if fault == "access-crash" else "internal.timeout"
    assert f"[{rule}]" in denied.output

    fix = alice.commit({POLICY: policy_text() + "# fixed\n"}, "fix the policy")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "the access policy in force could not be evaluated" in result.output
    assert "alice pushes as a bootstrap admin" in result.output
    assert server.rev("refs/heads/main") == fix
    clear_fault(server)

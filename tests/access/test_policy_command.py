"""`gitannot policy lint|explain|check` give the hook's answers without pushing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.main import main
from tests.access.helpers import line_of, policy_text, sync
from tests.gitenv import Client, ServerRepo

ClientFactory = Callable[[str], Client]


def _access_lines(text: str) -> list[str]:
    """Finding lines (rule, ref, commit, path, message) and their sources, without prefixes."""
    out: list[str] = []
    keep = False
    for line in text.splitlines():
        line = line.removeprefix("remote: ").removeprefix("gitannot: ").rstrip()
        if not line.startswith(" "):
            keep = "[access." in line
        if keep:
            out.append(line)
    return out


@pytest.mark.usefixtures("shared_seeded")
def test_check_matches_the_hook(
    shared_client: ClientFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    bob = shared_client("bob")
    sync(bob)
    bob.commit({"labels/notes/ok.txt": "ok\n"}, "fine")
    bob.commit({"schema/CHANGELOG.md": "no\n", "configs/x.txt": "no\n"}, "not fine")
    ref = "refs/heads/annotate/bob/cmd"
    rc = main(["policy", "check", "--repo", str(bob.path), "--user", "bob", ref, "0", "HEAD"])
    offline = capsys.readouterr().out
    assert rc == 1
    assert offline.startswith(f"DENIED: bob create {ref}")
    pushed = bob.push(f"HEAD:{ref}")
    assert not pushed.accepted
    assert _access_lines(offline) == _access_lines(pushed.output)
    assert len(_access_lines(offline)) == 6  # two findings, each with source and hint

    # The allowed part alone passes, offline and for real.
    rc = main(["policy", "check", "--repo", str(bob.path), "--user", "bob", ref, "0", "HEAD~1"])
    assert rc == 0 and capsys.readouterr().out.startswith(f"ALLOWED: bob create {ref}")
    assert bob.push(f"HEAD~1:{ref}").accepted


def test_check_in_the_server_repo(
    shared_seeded: ServerRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = str(shared_seeded.path)
    rc = main(["policy", "check", "--repo", repo, "--user", "dave", "refs/heads/main", "main", "0"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "DENIED: dave may not delete branch main" in out
    rc = main(["policy", "check", "--repo", repo, "--user", "bob", "refs/notes/x", "0", "main"])
    assert rc == 1 and "[refs.notes-server-only]" in capsys.readouterr().out


def test_explain(shared_seeded: ServerRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo = str(shared_seeded.path)
    args = ["policy", "explain", "--repo", repo]
    assert main([*args, "bob", "refs/heads/main", "update", "--path", "labels/a"]) == 1
    out = capsys.readouterr().out
    assert "DENIED: bob update refs/heads/main labels/a (decided by configs/access.yaml " in out
    assert main([*args, "dave", "refs/heads/main", "update", "--path", "schema/x"]) == 0
    out = capsys.readouterr().out
    line = line_of(policy_text(), "paths: schema/**") - 3
    assert (
        f"ALLOWED: dave update refs/heads/main schema/x (decided by configs/access.yaml:{line})"
        in out
    )
    assert f"configs/access.yaml:{line}: MATCH" in out
    assert main([*args, "dave", "refs/heads/main", "update", "--path", "tasks/t"]) == 0
    assert "disagrees (not enforced)" in capsys.readouterr().out
    assert main([*args, "zed", "refs/heads/main", "update"]) == 1
    assert "user 'zed' is not in configs/access.yaml" in capsys.readouterr().out


def test_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "access.yaml"
    good.write_text(policy_text())
    assert main(["policy", "lint", str(good)]) == 0
    assert "ok: 4 users, 9 rules, 5 limits" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(policy_text().replace("who: role:annotator", "who: role:annotater"))
    assert main(["policy", "lint", str(bad)]) == 1
    line = line_of(policy_text(), "who: role:annotator") - 1
    assert f"{bad}:{line}: no user has role 'annotater'" in capsys.readouterr().err


def test_check_records_the_policy_blob_for_the_audit_log(shared_seeded: ServerRepo) -> None:
    from gitannot.access.check import check_access
    from gitannot.access.offline import open_repo, push_context, resolve
    from gitannot.core.refupdate import RefUpdate

    repo = open_repo(shared_seeded.path)
    update = RefUpdate(resolve(repo, "0"), resolve(repo, "main"), "refs/heads/annotate/bob/z")
    ctx = push_context(repo, update, "bob", base="refs/heads/main", admins=[], options=[])
    assert check_access(ctx) == []  # existing commits only: nothing new to check
    blob = shared_seeded.git("rev-parse", "main:configs/access.yaml").stdout.strip()
    assert ctx.applied == {"policy": blob}

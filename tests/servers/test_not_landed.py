"""A push gitannot accepted but another hook refused: show/export say it did not land.
And an export in a clone that lacks the pushed commits says so instead of blank paths."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from gitannot.audit.landing import NOT_LANDED
from gitannot.main import main
from tests.gitenv import Client, ServerRepo


def test_refused_by_another_hook_did_not_land(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # git runs the update hook after pre-receive: here it stands for gitolite's.
    update = server.path / "hooks" / "update"
    update.write_text('#!/bin/sh\n[ "$1" = refs/heads/blocked ] && exit 1\nexit 0\n')
    update.chmod(0o755)
    alice = make_client(server, "alice")
    landed = alice.commit({"README.md": "one\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    blocked = alice.commit({"README.md": "two\n"})
    result = alice.push("HEAD:refs/heads/blocked")
    assert not result.accepted
    assert "gitannot: push by alice accepted" in result.output
    capsys.readouterr()

    assert main(["audit", "show", "--repo", str(server.path), blocked]) == 0
    shown = capsys.readouterr().out
    assert f"{NOT_LANDED} (no receipt: another hook" in shown
    assert main(["audit", "show", "--repo", str(server.path), landed]) == 0
    assert NOT_LANDED not in capsys.readouterr().out

    assert main(["audit", "export", "--repo", str(server.path), "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    outcomes = {r["new"]: r["outcome"] for r in table if r["type"] == "push"}
    assert outcomes == {landed: "landed", blocked: NOT_LANDED}
    assert main(["audit", "export", "--repo", str(server.path), "--format", "md"]) == 0
    assert f"| refs/heads/blocked | create | {NOT_LANDED} |" in capsys.readouterr().out


def test_export_in_a_clone_names_missing_commits(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    capsys: pytest.CaptureFixture[str],
) -> None:
    alice = make_client(server, "alice")
    alice.commit({"README.md": "one\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    bob = make_client(server, "bob")
    alice.commit({"labels/x.txt": "x\n"})
    assert alice.push("HEAD:refs/heads/side").accepted
    bob.git("fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit")  # the log only
    capsys.readouterr()
    assert main(["audit", "export", "--repo", str(bob.path), "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert "1 accepted update(s) name commits this repository does not have" in err
    bob.git("fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*")
    assert main(["audit", "export", "--repo", str(bob.path), "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert "does not have" not in captured.err
    assert '"labels/x.txt"' in captured.out

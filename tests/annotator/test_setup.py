"""`gitannot setup` (and install-driver) make a clone fetch refs/notes/audit, so an
annotator can ask git who pushed a commit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gitannot.main import main
from tests.gitenv import Client, ServerRepo, git


def test_setup_fetches_audit_notes(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    capsys: pytest.CaptureFixture[str],
) -> None:
    alice = make_client(server, "alice")
    tip = alice.commit({"README.md": "labels\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    bob = make_client(server, "bob")
    assert bob.git("notes", "--ref=audit", "show", tip, check=False).returncode != 0
    assert main(["setup", str(bob.path)]) == 0
    out = capsys.readouterr().out
    assert "`git fetch origin` now brings refs/notes/audit" in out
    note = bob.git("notes", "--ref=audit", "show", tip).stdout
    assert "pushed by alice via forced-command" in note
    # Later pushes arrive with a plain `git fetch`; re-running setup adds nothing twice.
    assert main(["setup", str(bob.path)]) == 0
    fetch = bob.git("config", "--get-all", "remote.origin.fetch").stdout.splitlines()
    assert fetch.count("refs/notes/audit:refs/notes/audit") == 1
    alice.commit({"README.md": "labels 2\n"})
    second = alice.commit({"README.md": "labels 3\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    bob.git("fetch", "-q", "origin")
    assert "pushed by alice" in bob.git("notes", "--ref=audit", "show", second).stdout


def test_install_driver_adds_the_refspec(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    bob = make_client(server, "bob")
    assert main(["install-driver", str(bob.path)]) == 0
    fetch = bob.git("config", "--get-all", "remote.origin.fetch").stdout.splitlines()
    assert "refs/notes/audit:refs/notes/audit" in fetch


def test_init_policy_protects_the_configured_default_branch(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "p"), "--default-branch", "trunk"]) == 0
    policy = (tmp_path / "p" / "configs" / "access.yaml").read_text()
    assert "refs/heads/trunk" in policy and "refs/heads/main" not in policy
    head = git("symbolic-ref", "HEAD", cwd=tmp_path / "p").stdout.strip()
    assert head == "refs/heads/trunk"
    assert main(["init", str(tmp_path / "q")]) == 0  # git's default here: main
    assert "refs/heads/main" in (tmp_path / "q" / "configs" / "access.yaml").read_text()

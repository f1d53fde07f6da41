"""Small server-admin fixes: uninstall keeps the audit key, doctor names the real path,
the version is one number everywhere the pre-commit example relies on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gitannot
from gitannot.main import main
from gitannot.server import doctor
from gitannot.server.sshkeys import key_fingerprint
from tests.gitenv import ServerRepo

ROOT = Path(__file__).resolve().parents[2]


def test_uninstall_keeps_audit_key_unless_delete_key(server: ServerRepo) -> None:
    key = server.path / "gitannot" / "audit_ed25519"
    data = key.read_bytes()
    assert main(["server", "uninstall", str(server.path)]) == 0
    assert key.read_bytes() == data
    assert not (server.path / "hooks" / "pre-receive").exists()
    assert main(["server", "install", str(server.path), "--admin", "alice"]) == 0
    assert key.read_bytes() == data  # reinstall signs with the same key
    assert main(["server", "uninstall", str(server.path), "--delete-key"]) == 0
    assert not key.exists()


def test_doctor_hint_names_the_repository(server: ServerRepo) -> None:
    (server.path / "hooks" / "pre-receive").unlink()
    fixes = [p.fix for p in doctor.diagnose(server.path) if p.check == "hook"]
    assert fixes == [f"gitannot server install {server.path}"]
    assert "REPO.git" not in fixes[0]


def test_version_changelog_and_precommit_rev_agree() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    match = re.search(r'^version = "([^"]+)"', pyproject, re.M)
    assert match is not None and match.group(1) == gitannot.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {gitannot.__version__} " in changelog
    assert f"tag: `v{gitannot.__version__}`" in changelog
    docs = (ROOT / "docs" / "validation.md").read_text()
    assert f"rev: v{gitannot.__version__}" in docs
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "entry: gitannot validate" in hooks and "language: python" in hooks


def test_keys_add_replaces_and_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.sshd import _keygen

    _keygen(tmp_path / "id_carol")
    pub = tmp_path / "id_carol.pub"
    auth = tmp_path / "authorized_keys"
    args = ["server", "keys", "add", "carol", str(pub), "--authorized-keys", str(auth)]
    assert main(args) == 0
    assert main(args) == 0  # same key again: replaced, not duplicated
    lines = auth.read_text().splitlines()
    assert len(lines) == 1
    # This account's login shell is not git-shell: the env line, which sh and bash run.
    assert lines[0].startswith('command="env GITANNOT_USER=carol ')
    assert auth.stat().st_mode & 0o777 == 0o600
    assert main(["server", "keys", "list", "--authorized-keys", str(auth)]) == 0
    out = capsys.readouterr().out
    assert f"carol\t{key_fingerprint(pub.read_text())}\tssh-ed25519\tenv" in out
    bad = ["server", "keys", "add", "carol;rm", str(pub), "--authorized-keys", str(auth)]
    assert main(bad) == 2
    assert main(["server", "keys", "add", "dan", str(tmp_path / "id_carol")]) == 2
    assert "is a private key, not an OpenSSH public key line" in capsys.readouterr().err

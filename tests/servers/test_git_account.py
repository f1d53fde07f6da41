"""A git account whose login shell is git-shell, set up by root the documented way:
`server install --python` for a repository the account owns, `server keys add`, then real
pushes over a real sshd as that account."""

from __future__ import annotations

import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitannot.main import main
from gitannot.server import doctor
from gitannot.server.sshkeys import key_fingerprint
from tests.access.helpers import SEED_FILES, policy_text
from tests.gitenv import Client, PushResult, ServerRepo, git
from tests.servers.accounts import accounts_available, git_account, shared_interpreter
from tests.sshd import SSHD, _free_port, _keygen, sshd_available

pytestmark = [pytest.mark.ssh, pytest.mark.slow]


@pytest.fixture
def base() -> Iterator[Path]:
    why = accounts_available()
    if why is not None or not sshd_available():
        pytest.skip(why or "sshd not installed")
    path = Path(tempfile.mkdtemp(prefix="gitannot-acct-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def account(base: Path) -> Iterator[pwd.struct_passwd]:
    with git_account(base) as entry:
        yield entry


def _repo_owned_by(account: pwd.struct_passwd) -> Path:
    repo = Path(account.pw_dir) / "labels.git"
    git("init", "--bare", "-q", "--initial-branch=main", str(repo))
    subprocess.run(["chown", "-R", f"{account.pw_uid}:{account.pw_gid}", str(repo)], check=True)
    return repo


def _start_sshd(base: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    host_key = base / "host_ed25519"
    _keygen(host_key)
    config = base / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        "AuthorizedKeysFile %h/.ssh/authorized_keys\n"
        f"PidFile {base / 'sshd.pid'}\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nStrictModes no\nUsePAM no\nLogLevel ERROR\n"
    )
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    log = open(base / "sshd.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("sshd did not start")


def _client(base: Path, repo: Path, url: str, user: str) -> Client:
    path = base / f"clone-{user}"
    git("init", "-q", "-b", "work", str(path))
    client = Client(path=path, server=ServerRepo(repo, ["alice"]), user=user)
    client.extra_env = {
        "GIT_SSH_COMMAND": f"ssh -i {base / ('id_' + user)} -o IdentitiesOnly=yes "
        "-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        "-o LogLevel=ERROR"
    }
    client.git("remote", "add", "origin", url)
    return client


def _push(client: Client, refspec: str) -> PushResult:
    proc = client.git("push", "--porcelain", "origin", refspec, check=False)
    return PushResult(proc.returncode, proc.stdout + proc.stderr)


def test_root_install_for_git_shell_account_and_push_over_ssh(
    base: Path, account: pwd.struct_passwd, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo_owned_by(account)
    # The test venv's interpreter lives under root's 0700 home: refused, with the fix.
    assert main(["server", "install", str(repo), "--admin", "alice"]) == 2
    err = capsys.readouterr().err
    assert f"the hooks run as {account.pw_name}" in err
    assert "--python" in err
    assert not (repo / "hooks" / "pre-receive").exists()

    python = shared_interpreter(base)
    args = ["server", "install", str(repo), "--admin", "alice", "--python", str(python)]
    assert main(args) == 0
    assert f"file(s) over to {account.pw_name}" in capsys.readouterr().out
    key = repo / "gitannot" / "audit_ed25519"
    assert key.stat().st_uid == account.pw_uid
    assert doctor.diagnose(repo) == []

    for user in ("alice", "bob"):
        _keygen(base / f"id_{user}")
        keys = ["server", "keys", "add", user, str(base / f"id_{user}.pub")]
        assert main([*keys, "--account", account.pw_name]) == 0
    assert main(["server", "keys", "list", "--account", account.pw_name]) == 0
    listed = capsys.readouterr().out
    alice_fp = key_fingerprint((base / "id_alice.pub").read_text())
    assert f"alice\t{alice_fp}\tssh-ed25519\tgitannot-shell" in listed
    shell = Path(account.pw_dir) / "git-shell-commands" / "gitannot-shell"
    assert shell.stat().st_uid == account.pw_uid

    proc, port = _start_sshd(base)
    try:
        url = f"ssh://{account.pw_name}@127.0.0.1:{port}{repo}"
        alice = _client(base, repo, url, "alice")
        alice.commit({**SEED_FILES, "configs/access.yaml": policy_text()}, "seed")
        result = _push(alice, "HEAD:refs/heads/main")
        assert result.accepted, result.output + (base / "sshd.log").read_text()
        assert "gitannot: push by alice accepted" in result.output
        bob = _client(base, repo, url, "bob")
        bob.git("fetch", "-q", "origin", "main")
        bob.git("checkout", "-q", "-b", "b", "FETCH_HEAD")
        bob.commit({"labels/notes/bob.txt": "bob\n"}, "bob's labels")
        result = _push(bob, "HEAD:refs/heads/annotate/bob/one")
        assert result.accepted, result.output
        assert "gitannot: push by bob accepted" in result.output
        denied = _push(bob, "HEAD:refs/heads/main")
        assert not denied.accepted
        assert "[access.ref-denied]" in denied.output
    finally:
        proc.terminate()
        proc.wait(timeout=5)

    # A file root left behind (e.g. after restoring a backup) is named with the chown fix.
    subprocess.run(["chown", "root:root", str(key)], check=True)
    problems = [p for p in doctor.diagnose(repo) if p.check == "ownership"]
    assert len(problems) == 1
    assert str(key) in problems[0].message
    assert problems[0].fix.startswith(f"chown -R {account.pw_name}:")

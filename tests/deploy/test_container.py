"""What the container image runs, run on this machine: deploy/container/entrypoint.sh
provisions from a mounted config and secrets, starts sshd, the hook service and the
metrics service, and real pushes go through them. (The image build itself is not run.)"""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitannot.main import main
from gitannot.settings.server import audit_key_path
from tests.deploy import prom
from tests.gitenv import git
from tests.sshd import sshd_available

ENTRYPOINT = Path(__file__).resolve().parents[2] / "deploy" / "container" / "entrypoint.sh"
# As deploy/k8s renders it: this pod (hostname gitannot-1) serves shard 1 only.
CONFIG = """\
shards:
  "0":
    - {name: elsewhere.git, admins: [alice]}
  "1":
    - {name: labels.git, admins: [alice]}
    - {name: team/other.git, admins: [bob]}
settings:
  hook_timeout_seconds: 30
  audit_lock_timeout_seconds: 60
"""


def keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name,
                    "-f", str(path)], check=True)  # fmt: skip
    return Path(f"{path}.pub").read_text().strip()


@dataclass
class Container:
    root: Path
    env: dict[str, str]
    ssh_port: int
    metrics_port: int

    @property
    def state(self) -> Path:
        return self.root / "state"

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(ENTRYPOINT), command], env=self.env, capture_output=True,
                              text=True, check=False)  # fmt: skip

    def ssh_env(self, user: str) -> dict[str, str]:
        key = self.root / "keys" / f"id_{user}"
        command = (
            f"ssh -i {key} -o IdentitiesOnly=yes -o BatchMode=yes -o "
            "StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
        )
        return {**os.environ, "GIT_SSH_COMMAND": command}  # fmt: skip

    def url(self, name: str) -> str:
        return f"ssh://{getpass.getuser()}@127.0.0.1:{self.ssh_port}{self.root / 'repos' / name}"


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    if not sshd_available():
        if os.environ.get("CI"):
            pytest.fail("sshd is required in CI (apt-get install openssh-server)")
        pytest.skip("sshd not installed")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "server.yaml").write_text(CONFIG)
    secrets, keys = tmp_path / "secrets", tmp_path / "keys"
    secrets.mkdir()
    keys.mkdir()
    users = [f"{u} {keygen(keys / f'id_{u}')}" for u in ("alice", "bob", "mallory")]
    (secrets / "users").write_text("# name key\n" + "\n".join(users) + "\n")
    keygen(secrets / "audit_ed25519")
    ssh_port, metrics_port = prom.free_port(), prom.free_port()
    env = {
        **os.environ,
        "GITANNOT": str(Path(sys.executable).parent / "gitannot"),
        "GITANNOT_CONFIG": str(tmp_path / "config" / "server.yaml"),
        "GITANNOT_REPOS": str(tmp_path / "repos"),
        "GITANNOT_SECRETS": str(secrets),
        "GITANNOT_STATE": str(tmp_path / "state"),
        "GITANNOT_SSH_PORT": str(ssh_port),
        "GITANNOT_SSH_LISTEN": "127.0.0.1",
        "GITANNOT_METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
        "GITANNOT_SHARD_FROM_HOSTNAME": "1",
        "HOSTNAME": "gitannot-1",
    }
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    log = tmp_path / "entrypoint.log"
    proc = subprocess.Popen([str(ENTRYPOINT), "serve"], env=env, stdout=open(log, "wb"),  # noqa: SIM115
                            stderr=subprocess.STDOUT)  # fmt: skip
    try:
        prom.wait_listening(ssh_port, proc, log)
        prom.wait_listening(metrics_port, proc, log)
        yield Container(tmp_path, env, ssh_port, metrics_port)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.ssh
def test_entrypoint_serves_pushes_with_mounted_keys(
    container: Container, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert container.run("ready").returncode == 0
    assert container.run("live").returncode == 0
    repo = container.root / "repos" / "labels.git"
    assert sorted(p.name for p in (container.root / "repos").iterdir()) == ["labels.git", "team"]
    # The audit key is the mounted one, not a generated one.
    mounted = (container.root / "secrets" / "audit_ed25519").read_bytes()
    assert audit_key_path(repo).read_bytes() == mounted

    work = tmp_path / "work"
    git("clone", "-q", container.url("labels.git"), str(work), env=container.ssh_env("alice"))
    (work / "README.md").write_text("hello\n")
    git("add", "-A", cwd=work)
    git("commit", "-qm", "first", cwd=work)
    ok = git("push", "origin", "HEAD:refs/heads/main", cwd=work, env=container.ssh_env("alice"))
    assert "push by alice accepted" in ok.stderr
    (work / "README.md").write_text("mallory\n")
    git("commit", "-qam", "second", cwd=work)
    bad = git("push", "origin", "HEAD:refs/heads/main", cwd=work,
              env=container.ssh_env("mallory"), check=False)  # fmt: skip
    assert bad.returncode != 0 and "[access.bootstrap-admins-only]" in bad.stderr
    # The second repository (in a subfolder) got its own admins.
    other = git("push", container.url("team/other.git"), "HEAD~1:refs/heads/main", cwd=work,
                env=container.ssh_env("bob"), check=False)  # fmt: skip
    assert other.returncode == 0, other.stderr

    capsys.readouterr()
    assert main(["audit", "--repo", str(repo), "verify"]) == 0
    assert capsys.readouterr().out.startswith("OK: 3 entries verified")
    # The pushes went through the hook service, and the metrics service counted them.
    assert "pre-receive ok exit=0" in (container.state / "hookservice.log").read_text()
    url = f"http://127.0.0.1:{container.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    assert 'gitannot_pushes_total{repository="labels",result="accepted"} 1.0' in text
    assert 'gitannot_pushes_total{repository="labels",result="rejected"} 1.0' in text
    assert 'gitannot_pushes_total{repository="team/other",result="accepted"} 1.0' in text


@pytest.mark.slow
@pytest.mark.ssh
def test_restart_keeps_state_and_refuses_a_different_audit_key(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = int((container.state / "sshd.pid").read_text())
    os.kill(pid, signal.SIGTERM)  # sshd gone: the container's liveness fails
    for _ in range(100):
        if container.run("live").returncode != 0:
            break
    assert "sshd is not running" in container.run("live").stderr
    env = container.env
    args = ["server", "provision", "--config", env["GITANNOT_CONFIG"], "--repos",
            env["GITANNOT_REPOS"], "--secrets", env["GITANNOT_SECRETS"], "--state",
            env["GITANNOT_STATE"], "--shard", "1"]  # fmt: skip
    assert main(args) == 0  # a restart with the same secrets changes nothing that matters
    (container.root / "secrets" / "audit_ed25519").unlink()
    Path(container.root / "secrets" / "audit_ed25519.pub").unlink()
    keygen(container.root / "secrets" / "audit_ed25519")
    capsys.readouterr()
    assert main(args) != 0
    assert "differs from the mounted audit key" in capsys.readouterr().err

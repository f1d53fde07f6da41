"""The resident hook service: same decisions as in-process, and never a way to fail open.

Every test pushes for real through `git receive-pack` into a bare repository whose shims
hand the run to a real `gitannot server serve` process over its Unix socket.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitannot import constants
from gitannot.hookservice import client as hookclient
from gitannot.main import main as gitannot_main
from tests.access.helpers import policy_text, seed
from tests.gitenv import Client, ServerRepo, install_server

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "gitannot"


@dataclass
class Service:
    socket: Path
    log: Path
    proc: subprocess.Popen[bytes]

    def log_lines(self) -> list[str]:
        return [
            line
            for line in self.log.read_text(encoding="utf-8").splitlines()
            if line.startswith("gitannot-service: ") and " exit=" in line
        ]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=20)


def start_service(
    root: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Service:
    root.mkdir(parents=True, exist_ok=True)
    sock = root / "run" / "hooks.sock"
    log = root / "service.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitannot", "server", "serve", "--socket", str(sock)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        env=env,
        cwd=cwd or root,
    )
    # Bounded wait for the socket (the service imports everything first).
    for _ in range(600):
        if sock.exists() or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert sock.exists(), log.read_text(encoding="utf-8")
    return Service(sock, log, proc)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    svc = start_service(tmp_path / "svc")
    yield svc
    svc.stop()


def use_service(server: ServerRepo, sock: Path) -> None:
    rc = gitannot_main(["server", "install", str(server.path), "--service", str(sock)])
    assert rc == 0


@pytest.fixture
def served(server: ServerRepo, service: Service) -> ServerRepo:
    use_service(server, service.socket)
    return server


def push_scenario(server: ServerRepo, alice: Client, bob: Client) -> list[tuple[int, list[str]]]:
    """alice seeds the scaffold policy; bob (annotator) pushes a label, then a policy edit."""
    seed(server, alice)
    bob.git("fetch", "-q", "origin")
    bob.git("checkout", "-q", "-B", "work", "origin/main")
    results = []
    bob.commit({"labels/notes/bob.txt": "bob was here\n"})
    for refspec in ("HEAD:refs/heads/annotate/bob/t1", "HEAD:refs/heads/main"):
        pushed = bob.push(refspec)
        results.append((pushed.returncode, strip_audit(pushed.remote_lines())))
    return results


def strip_audit(lines: list[str]) -> list[str]:
    # Audit seq numbers and digests differ between two repositories; decisions must not.
    return [line for line in lines if "audit #" not in line]


def test_service_gives_the_in_process_decisions(
    tmp_path: Path,
    service: Service,
    make_client: Callable[[ServerRepo, str], Client],
) -> None:
    served = install_server(tmp_path / "a" / "labels.git", ["alice"])
    use_service(served, service.socket)
    plain = install_server(tmp_path / "b" / "labels.git", ["alice"])
    got = push_scenario(served, make_client(served, "alice"), make_client(served, "bob"))
    want = push_scenario(plain, make_client(plain, "alice"), make_client(plain, "bob"))
    assert got == want
    assert [code for code, _ in got] == [0, 1]  # own branch yes, main no
    lines = service.log_lines()
    # seed (pre+post), bob's branch (pre+post), bob's main push (pre only: refused).
    assert sum("pre-receive ok exit=0" in line for line in lines) == 2
    assert sum("pre-receive ok exit=1" in line for line in lines) == 1
    assert sum("post-receive ok exit=0" in line for line in lines) == 2
    assert gitannot_main(["audit", "verify", "--repo", str(served.path)]) == 0


def test_service_down_falls_back_to_in_process(
    tmp_path: Path, server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    use_service(server, tmp_path / "nowhere" / "hooks.sock")
    alice, bob = make_client(server, "alice"), make_client(server, "bob")
    codes = [code for code, _ in push_scenario(server, alice, bob)]
    assert codes == [0, 1]
    assert server.rev("refs/heads/annotate/bob/t1") is not None
    main_tip = server.rev("refs/heads/main")
    assert (
        main_tip is not None
        and "bob was here" not in server.git("show", f"{main_tip}:labels/notes/img1.txt").stdout
    )


def test_hung_service_refuses_the_push(
    served: ServerRepo, service: Service, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    settings = json.loads((served.path / "gitannot" / "service.json").read_text())
    settings["timeout_seconds"] = 2
    (served.path / "gitannot" / "service.json").write_text(json.dumps(settings))
    alice = make_client(served, "alice")
    alice.commit({"README.md": "x\n"})
    service.proc.send_signal(signal.SIGSTOP)
    try:
        result = alice.push("HEAD:refs/heads/main")
    finally:
        service.proc.send_signal(signal.SIGCONT)
    assert not result.accepted
    assert "gave no answer in 2s" in result.output
    assert "push refused: no verdict from the hook service" in result.output
    assert served.rev("refs/heads/main") is None


def test_policy_change_applies_to_the_very_next_push(
    served: ServerRepo, service: Service, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice, bob = make_client(served, "alice"), make_client(served, "bob")
    seed(served, alice)
    bob.git("fetch", "-q", "origin")
    bob.git("checkout", "-q", "-B", "work", "origin/main")
    bob.commit({"labels/notes/b1.txt": "one\n"})
    assert bob.push("HEAD:refs/heads/annotate/bob/t1").accepted
    # The admin removes bob from the annotators; the service must not remember bob's rights.
    policy = policy_text()
    assert "bob" in policy
    alice.commit({"configs/access.yaml": policy.replace("bob", "zed")}, "drop bob")
    assert alice.push("HEAD:refs/heads/main").accepted
    bob.commit({"labels/notes/b2.txt": "two\n"})
    result = bob.push("HEAD:refs/heads/annotate/bob/t1")
    assert not result.accepted, result.output
    assert "REJECTED" in result.output
    assert any("pre-receive ok exit=1" in line for line in service.log_lines()[-1:])


def test_stale_code_is_never_trusted(
    tmp_path: Path, server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    """A service started before an upgrade refuses to decide; the hook runs in-process."""
    copy = tmp_path / "pkg"
    shutil.copytree(PACKAGE_DIR, copy / "gitannot", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PYTHONPATH=str(copy))
    # cwd: `python -m` puts it first on sys.path, ahead of PYTHONPATH.
    svc = start_service(tmp_path / "svc", env, cwd=copy)
    try:
        use_service(server, svc.socket)
        alice = make_client(server, "alice")
        alice.commit({"README.md": "one\n"})
        assert alice.push("HEAD:refs/heads/main").accepted
        assert any("pre-receive ok exit=0" in line for line in svc.log_lines())
        module = copy / "gitannot" / "constants.py"
        module.write_text(module.read_text(encoding="utf-8") + "\n# upgraded\n", encoding="utf-8")
        alice.commit({"README.md": "two\n"})
        result = alice.push("HEAD:refs/heads/main")
        assert result.accepted, result.output  # decided in-process
        assert "gitannot: push by alice accepted" in result.remote_lines()
        assert any("stale" in line for line in svc.log_lines()), svc.log.read_text()
        svc.proc.wait(timeout=20)  # the stale service exits for its supervisor
    finally:
        svc.stop()


@pytest.mark.skipif(
    os.geteuid() != 0 or not Path("/usr/bin/python3").exists(),
    reason="needs root and a system python3 to run a service as another uid",
)
def test_service_of_another_account_is_refused(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    """Whoever answers on the socket decides pushes: only the repository's own account."""
    # pytest's tmp folders are root's alone: the other account needs a reachable folder.
    outer = Path(tempfile.mkdtemp(prefix="gitannot-foreign-"))
    outer.chmod(0o755)
    folder = outer / "run"
    folder.mkdir()
    os.chown(folder, 65534, 65534)
    sock = folder / "hooks.sock"
    accept_all = (
        "import socket, struct, json, sys\n"
        "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)\n"
        "while True:\n"
        "    c, _ = s.accept()\n"
        "    body = json.dumps({'status': 'ok', 'exit': 0, 'output': ''}).encode()\n"
        "    c.sendall(struct.pack('!I', len(body)) + body); c.close()\n"
    )
    proc = subprocess.Popen(
        ["/usr/bin/python3", "-I", "-S", "-c", accept_all, str(sock)],
        user=65534,
        group=65534,
    )
    try:
        for _ in range(200):
            if sock.exists():
                break
            time.sleep(0.05)
        use_service(server, sock)
        bob = make_client(server, "bob")  # not an admin: in-process would refuse too
        bob.commit({"README.md": "x\n"})
        result = bob.push("HEAD:refs/heads/main")
        assert not result.accepted
        assert "runs as uid 65534" in result.output, (result.output, sock.exists(), proc.poll())
        assert server.rev("refs/heads/main") is None
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(outer)


def test_doctor_flags_a_client_that_is_not_this_gitannots(
    served: ServerRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    client = served.path / "gitannot" / constants.HOOK_CLIENT_FILE
    client.write_text("import sys; sys.exit(0)\n")  # would accept every push
    assert gitannot_main(["server", "doctor", str(served.path)]) == constants.EXIT_DENIED
    assert "[service]" in capsys.readouterr().err


def test_no_service_switches_back(served: ServerRepo) -> None:
    assert gitannot_main(["server", "install", str(served.path), "--no-service"]) == 0
    assert not (served.path / "gitannot" / constants.HOOK_SERVICE_FILE).exists()


def test_client_and_package_agree_on_file_names() -> None:
    # The client cannot import gitannot (it runs without site-packages).
    assert hookclient.SERVICE_FILE == constants.HOOK_SERVICE_FILE
    assert constants.HOOK_CLIENT_FILE == "hookclient.py"


def test_client_imports_nothing_heavy() -> None:
    """Start-up is what every push pays for the client: no json, socket, re, enum."""
    client = PACKAGE_DIR / "hookservice" / "client.py"
    script = (
        "import sys\n"
        f"sys.argv = [{str(client)!r}, 'pre-receive']\n"
        f"code = compile(open({str(client)!r}).read(), 'client', 'exec')\n"
        "namespace = {'__name__': 'not_main'}\n"
        "exec(code, namespace)\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, check=True
    )
    loaded = set(proc.stdout.split())
    assert "_socket" in loaded
    assert not loaded & {"json", "socket", "struct", "re", "enum", "collections", "subprocess"}


def test_service_reads_what_the_installer_writes_without_json(served: ServerRepo) -> None:
    text = (served.path / "gitannot" / constants.HOOK_SERVICE_FILE).read_text(encoding="utf-8")
    assert hookclient._flat_json(text) == json.loads(text)
    assert hookclient._flat_json('{"socket": "a\\"b"}') is None  # escapes: json reads it
    assert hookclient.read_service_file(str(served.path)) == json.loads(text)


def test_a_hook_run_in_the_service_imports_nothing_new(
    tmp_path: Path, server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    """Whatever a child imports, every push pays again: the service preloads it all."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    svc = start_service(tmp_path / "svc", dict(os.environ, GITANNOT_SERVICE_PROFILE=str(profiles)))
    try:
        use_service(server, svc.socket)
        alice, bob = make_client(server, "alice"), make_client(server, "bob")
        codes = [code for code, _ in push_scenario(server, alice, bob)]
        assert codes == [0, 1]
    finally:
        svc.stop()
    late = {path.name: path.read_text() for path in profiles.glob("*.imports")}
    assert len(late) == 5, late  # seed pre+post, bob's branch pre+post, bob's main pre
    assert all(text == "" for text in late.values()), late


def test_service_still_answers_a_protocol_1_client(service: Service, served: ServerRepo) -> None:
    """Repositories keep the client an older install copied (JSON frames) until the next
    `server install`: the service answers it in JSON."""
    import socket

    request = {
        "v": 1,
        "hook": "pre-receive",
        "git_dir": str(served.path),
        "cwd": str(served.path),
        "prefix": hookclient.installation_prefix(),
        "env": {"GIT_DIR": str(served.path)},  # no identity: the push is refused
    }
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(60)
    try:
        sock.connect(str(service.socket))
        hookclient.send_frame(sock, json.dumps(request).encode())
        hookclient.send_frame(sock, b"0" * 40 + b" " + b"1" * 40 + b" refs/heads/main\n")
        reply = json.loads(hookclient.recv_frame(sock, hookclient.MAX_REPLY_BYTES))
    finally:
        sock.close()
    assert reply["status"] == "ok" and reply["exit"] == 1, reply

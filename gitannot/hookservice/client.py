"""The hook client: hand one hook run to the resident hook service, or run it in-process.

The installed shim runs this file as a script with `python -I -S` (no site, no imports
of gitannot or any third-party package: start-up is what a push pays). It must stay
standard-library only. What it guarantees:

- service configured and answering, same account, same installation: the service runs
  the hook in a forked copy of itself with this hook's environment and stdin, and the
  client relays its output and exit code;
- no service configured, its socket missing or refusing, or the service says it is stale
  (its code or installation changed since it started): the hook runs in-process, exactly
  as without a service;
- the service does not answer in time, answers garbage, or belongs to another account:
  pre-receive refuses the push (fail closed); post-receive only reports (refs have moved).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys

PROTOCOL = 1
SERVICE_FILE = "service.json"
HEADER = struct.Struct("!I")
# Bounds on what either side reads, so a confused peer cannot make the other allocate freely.
MAX_HEADER_BYTES = 4 << 20
MAX_STDIN_BYTES = 64 << 20
MAX_REPLY_BYTES = 64 << 20
DEFAULT_TIMEOUT_SECONDS = 30.0
HOOKS = ("pre-receive", "post-receive")


class ServiceUnavailable(Exception):
    """No usable service: run the hook in-process (never a reason to accept)."""


class ServiceFailed(Exception):
    """The service was reached but did not give a verdict: refuse (pre-receive)."""


def send_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(HEADER.pack(len(payload)) + payload)


def recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise ConnectionError(f"peer closed the connection {remaining} bytes early")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket, limit: int) -> bytes:
    (size,) = HEADER.unpack(recv_exact(sock, HEADER.size))
    if size > limit:
        raise ConnectionError(f"frame of {size} bytes is over the limit of {limit}")
    return recv_exact(sock, size)


def read_service_file(git_dir: str) -> dict[str, object] | None:
    """The repository's service settings, or None when no service is configured."""
    path = os.path.join(git_dir, "gitannot", SERVICE_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("socket"), str):
        raise ServiceFailed(f"{path} is malformed: expected {{'socket': PATH, ...}}")
    return data


def installation_prefix() -> str:
    return os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(sys.executable))))


def peer_uid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def ask_service(
    hook: str, git_dir: str, stdin: bytes, settings: dict[str, object]
) -> dict[str, object]:
    timeout = settings.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if not isinstance(timeout, int | float) or timeout <= 0:
        timeout = DEFAULT_TIMEOUT_SECONDS
    path = str(settings["socket"])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(float(timeout))
    try:
        try:
            sock.connect(path)
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise ServiceUnavailable(f"hook service at {path} is not running ({exc})") from exc
        except OSError as exc:
            raise ServiceFailed(f"cannot reach the hook service at {path}: {exc}") from exc
        uid = peer_uid(sock)
        if uid != os.geteuid():
            raise ServiceFailed(
                f"the hook service at {path} runs as uid {uid}, not as this repository's "
                f"account (uid {os.geteuid()}); refusing to let it decide"
            )
        request = {
            "v": PROTOCOL,
            "hook": hook,
            "git_dir": os.path.abspath(git_dir),
            "cwd": os.getcwd(),
            # Without site (-S) sys.prefix is the base interpreter's, not the venv's: the
            # installation is the folder above the interpreter's bin/.
            "prefix": installation_prefix(),
            "env": dict(os.environ),
        }
        send_frame(sock, json.dumps(request).encode("utf-8"))
        send_frame(sock, stdin)
        try:
            reply = json.loads(recv_frame(sock, MAX_REPLY_BYTES))
        except TimeoutError as exc:
            raise ServiceFailed(
                f"the hook service at {path} gave no answer in {timeout:g}s"
            ) from exc
        except (ConnectionError, ValueError) as exc:
            raise ServiceFailed(f"the hook service at {path} broke off: {exc}") from exc
    finally:
        sock.close()
    if not isinstance(reply, dict):
        raise ServiceFailed("the hook service sent a malformed reply")
    if reply.get("status") == "stale":
        raise ServiceUnavailable(f"the hook service is stale: {reply.get('reason', '')}")
    if reply.get("status") != "ok" or not isinstance(reply.get("exit"), int):
        raise ServiceFailed(f"the hook service failed: {reply.get('reason', reply)}")
    return reply


def run_in_process(hook: str, stdin: bytes) -> int:
    """Exactly what the shim runs when no service is configured."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "gitannot", "hook", hook], input=stdin, check=False
    )
    return proc.returncode


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in HOOKS:
        sys.stderr.write(f"gitannot hook client: usage: client.py {'|'.join(HOOKS)}\n")
        return 1
    hook = argv[0]
    git_dir = os.environ.get("GIT_DIR", ".")
    stdin = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    try:
        if len(stdin) > MAX_STDIN_BYTES:
            raise ServiceFailed(f"hook input is over {MAX_STDIN_BYTES} bytes")
        settings = read_service_file(git_dir)
        if settings is None:
            return run_in_process(hook, stdin)
        reply = ask_service(hook, git_dir, stdin, settings)
    except ServiceUnavailable:
        return run_in_process(hook, stdin)
    except Exception as exc:  # noqa: BLE001 — any failure to get a verdict refuses the push
        sys.stderr.write(f"gitannot: {exc}\n")
        if hook == "post-receive":
            return 0
        sys.stderr.write(
            "gitannot: push refused: no verdict from the hook service\n"
            "gitannot:   hint: restart `gitannot server serve` on the server, or remove "
            "gitannot/service.json from the repository to check pushes in-process\n"
        )
        return 1
    output = reply.get("output", "")
    sys.stderr.write(output if isinstance(output, str) else "")
    sys.stderr.flush()
    exit_code = reply["exit"]
    assert isinstance(exit_code, int)
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

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

Start-up is most of what the client costs a push, so it imports nothing beyond what the
interpreter has already loaded: `_socket` rather than `socket` (which pulls in `enum`),
no `json` or `struct` (with `re`, `enum` and `collections` behind them, ~20 ms). The
request and reply are NUL-separated fields (environment strings cannot hold a NUL);
service.json is read by a small parser for the flat object gitannot writes, with `json`
itself for anything else.
"""

from __future__ import annotations

import _socket
import os
import sys

PROTOCOL = 2
ACCEPTED_PROTOCOLS = (1, 2)  # 1: JSON frames, from clients copied by older installs
SERVICE_FILE = "service.json"
HEADER_BYTES = 4  # frame length, big-endian
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


def send_frame(sock: _socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(HEADER_BYTES, "big") + payload)


def recv_exact(sock: _socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise ConnectionError(f"peer closed the connection {remaining} bytes early")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: _socket.socket, limit: int) -> bytes:
    size = int.from_bytes(recv_exact(sock, HEADER_BYTES), "big")
    if size > limit:
        raise ConnectionError(f"frame of {size} bytes is over the limit of {limit}")
    return recv_exact(sock, size)


def encode_request(hook: str, git_dir: str, cwd: str, prefix: str, env: dict[str, str]) -> bytes:
    fields = [str(PROTOCOL), hook, git_dir, cwd, prefix]
    for key, value in env.items():
        fields += [key, value]
    return b"\0".join(os.fsencode(field) for field in fields)


def decode_request(raw: bytes) -> dict[str, object]:
    """The request as a dict of the shape protocol 1 sent as JSON."""
    fields = [os.fsdecode(field) for field in raw.split(b"\0")]
    if len(fields) < 5 or len(fields) % 2 == 0 or not fields[0].isdigit():
        raise ValueError("malformed request")
    env = dict(zip(fields[5::2], fields[6::2], strict=True))
    names = ("hook", "git_dir", "cwd", "prefix")
    return {"v": int(fields[0]), **dict(zip(names, fields[1:5], strict=True)), "env": env}


def encode_reply(reply: dict[str, object]) -> bytes:
    exit_code = reply.get("exit")
    fields = [
        str(PROTOCOL),
        str(reply.get("status", "")),
        str(exit_code) if isinstance(exit_code, int) else "",
        str(reply.get("reason", "")).replace("\0", " "),
    ]
    output = str(reply.get("output", ""))
    return "\0".join([*fields, output]).encode("utf-8", "surrogateescape")


def decode_reply(raw: bytes) -> dict[str, object]:
    if raw[:1] == b"{":  # an older service (protocol 1) answering in JSON
        import json

        old = json.loads(raw)
        if not isinstance(old, dict):
            raise ValueError("the reply is not an object")
        if old.get("status") == "error" and "protocol" in str(old.get("reason")):
            return {"status": "stale", "reason": f"older service: {old.get('reason')}"}
        return {str(key): value for key, value in old.items()}
    parts = raw.decode("utf-8", "replace").split("\0", 4)
    if len(parts) != 5 or parts[0] != str(PROTOCOL):
        raise ValueError("malformed reply")
    reply: dict[str, object] = {"status": parts[1], "output": parts[4]}
    if parts[2]:
        reply["exit"] = int(parts[2])
    if parts[3]:
        reply["reason"] = parts[3]
    return reply


def _flat_json(text: str) -> dict[str, object] | None:
    """A flat JSON object of strings and numbers without escapes (what gitannot writes
    to service.json), or None for anything else: the caller then asks `json`."""
    body = text.strip()
    if "\\" in body or not (body.startswith("{") and body.endswith("}")):
        return None
    out: dict[str, object] = {}
    rest = body[1:-1].strip()
    while rest:
        key = _json_value(rest)
        if key is None or not isinstance(key[0], str) or not key[1].startswith(":"):
            return None
        value = _json_value(key[1][1:].lstrip())
        if value is None:
            return None
        out[key[0]], rest = value[0], value[1]
        if rest.startswith(","):
            rest = rest[1:].lstrip()
            if not rest:
                return None
        elif rest:
            return None
    return out


def _json_value(text: str) -> tuple[str | float, str] | None:
    """(a string or number at the start of `text`, what follows it stripped), or None."""
    if text.startswith('"'):
        close = text.find('"', 1)
        return (text[1:close], text[close + 1 :].lstrip()) if close > 0 else None
    stop = 0
    while stop < len(text) and text[stop] in "0123456789.eE+-":
        stop += 1
    try:
        return float(text[:stop]), text[stop:].lstrip()
    except ValueError:
        return None


def read_service_file(git_dir: str) -> dict[str, object] | None:
    """The repository's service settings, or None when no service is configured."""
    path = os.path.join(git_dir, "gitannot", SERVICE_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    data = _flat_json(text)
    if data is None:
        import json

        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ServiceFailed(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("socket"), str):
        raise ServiceFailed(f"{path} is malformed: expected {{'socket': PATH, ...}}")
    return data


def installation_prefix() -> str:
    return os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(sys.executable))))


def peer_uid(sock: _socket.socket) -> int:
    creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)  # struct ucred
    return int.from_bytes(creds[4:8], sys.byteorder, signed=True)


def ask_service(
    hook: str, git_dir: str, stdin: bytes, settings: dict[str, object]
) -> dict[str, object]:
    timeout = settings.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if not isinstance(timeout, int | float) or timeout <= 0:
        timeout = DEFAULT_TIMEOUT_SECONDS
    path = str(settings["socket"])
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
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
        # Without site (-S) sys.prefix is the base interpreter's, not the venv's: the
        # installation is the folder above the interpreter's bin/.
        request = encode_request(
            hook, os.path.abspath(git_dir), os.getcwd(), installation_prefix(), dict(os.environ)
        )
        send_frame(sock, request)
        send_frame(sock, stdin)
        try:
            reply = decode_reply(recv_frame(sock, MAX_REPLY_BYTES))
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

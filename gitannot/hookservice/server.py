"""The resident hook service (`gitannot server serve`): hooks without the import cost.

Every hook run pays ~150 ms to start Python and import pygit2, cryptography and the
validators before it does any work. The service pays that once: it imports everything a
hook needs, then forks one child per hook run. The child takes the hook's environment,
working directory and stdin, and runs exactly the code `gitannot hook NAME` runs, so the
decision is the in-process one. Nothing is kept between pushes: policy, settings and
schema are read from the repository by every child, as they are in-process.

The service refuses to answer (the client then runs the hook in-process) when it is
stale: its installation is not the one the repository records, or gitannot's code
changed on disk since it started (it then also exits, for its supervisor to restart it).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import socketserver
import stat
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from gitannot.errors import UsageError
from gitannot.hookservice import client as proto

HookRunner = Callable[[Path, str, Mapping[str, str], TextIO], int]
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
# What a hook run may import: loaded once in the parent so children start warm.
PRELOAD = (
    "encodings.utf_8_sig",  # config files are read with it
    "gitannot.commands.hook",
    "gitannot.hook.pipeline",
    "gitannot.hook.pre_receive",
    "gitannot.hook.post_receive",
    "gitannot.formats.api",
    "gitannot.formats.coco",
    "gitannot.formats.yolo",
    "gitannot.formats.voc",
    "gitannot.formats.cvat",
    "gitannot.formats.labelstudio",
    "gitannot.formats.perimage",
    "gitannot.validation.push",
    "gitannot.audit.writer",
    "gitannot.audit.record",
    "gitannot.events.produce",  # imported lazily by post-receive's events step
    "gitannot.oversight.tagguard",  # likewise
    "gitannot.oversight.wfevents",  # likewise
)


def code_fingerprint(root: Path = _PACKAGE_DIR) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of every module of the package: any upgrade changes it."""
    found: list[tuple[str, int, int]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                st = os.stat(os.path.join(dirpath, name))
                found.append((os.path.join(dirpath, name), st.st_size, st.st_mtime_ns))
    return tuple(found)


def default_runners() -> dict[str, HookRunner]:
    from gitannot.hook.post_receive import run_post_receive
    from gitannot.hook.pre_receive import run_pre_receive

    return {"pre-receive": run_pre_receive, "post-receive": run_post_receive}


class HookService(socketserver.ForkingMixIn, socketserver.UnixStreamServer):
    # A child per hook run; pushes beyond this wait in the listen backlog.
    max_children = 64
    block_on_close = False

    def __init__(self, socket_path: Path, log: TextIO) -> None:
        self.socket_path = socket_path
        self.log = log
        self.fingerprint = code_fingerprint()
        self.prefix = os.path.realpath(sys.prefix)
        self.runners = default_runners()
        # Debugging aid: each hook run's cProfile stats are written here (hook-pid.prof).
        self.profile_dir = os.environ.get("GITANNOT_SERVICE_PROFILE")
        super().__init__(str(socket_path), _Handler)

    def answer(self, header: dict[str, Any], stdin: bytes) -> dict[str, Any]:
        """Runs in the forked child: one hook run, with the caller's environment."""
        problem = _request_problem(header)
        if problem:
            return {"status": "error", "reason": problem}
        if header["prefix"] != self.prefix:
            return {"status": "stale", "reason": f"it runs {self.prefix}, not {header['prefix']}"}
        if code_fingerprint() != self.fingerprint:
            os.kill(os.getppid(), signal.SIGTERM)  # upgraded: let the supervisor restart us
            return {"status": "stale", "reason": "gitannot changed on disk since it started"}
        hook = str(header["hook"])
        try:
            stdin_text = stdin.decode("utf-8")
        except UnicodeDecodeError:
            message = "gitannot: hook input is not UTF-8; push refused\n"
            return {"status": "ok", "exit": 1 if hook == "pre-receive" else 0, "output": message}
        os.environ.clear()
        os.environ.update(header["env"])
        os.chdir(str(header["cwd"]))
        out = io.StringIO()
        args = (Path(str(header["git_dir"])), stdin_text, os.environ, out)
        with contextlib.redirect_stderr(out):
            if self.profile_dir:
                where = Path(self.profile_dir) / f"{hook}-{os.getpid()}.prof"
                code = _profiled(where, self.runners[hook], args)
            else:
                code = self.runners[hook](*args)
        return {"status": "ok", "exit": code, "output": out.getvalue()}


def _profiled(path: Path, runner: HookRunner, args: tuple[Any, ...]) -> int:
    import cProfile

    profile = cProfile.Profile()
    before = set(sys.modules)
    try:
        return int(profile.runcall(runner, *args))
    finally:
        profile.dump_stats(str(path))
        # Modules a run imports are paid by every push: they belong in PRELOAD.
        late = sorted(set(sys.modules) - before)
        path.with_suffix(".imports").write_text("".join(f"{name}\n" for name in late))


def _request_problem(header: dict[str, Any]) -> str | None:
    if header.get("v") not in proto.ACCEPTED_PROTOCOLS:
        return f"protocol {header.get('v')!r} is not one of {proto.ACCEPTED_PROTOCOLS}"
    if header.get("hook") not in proto.HOOKS:
        return f"unknown hook {header.get('hook')!r}"
    for key in ("git_dir", "cwd", "prefix"):
        if not isinstance(header.get(key), str):
            return f"{key} missing"
    env = header.get("env")
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        return "env must map strings to strings"
    return None


class _Handler(socketserver.BaseRequestHandler):
    server: HookService

    def handle(self) -> None:
        sock: socket.socket = self.request
        started = time.perf_counter()
        sock.settimeout(30)
        hook = "?"
        as_json = False  # protocol 1 clients (copied by older installs) speak JSON
        try:
            raw = proto.recv_frame(sock, proto.MAX_HEADER_BYTES)
            as_json = raw[:1] == b"{"
            header = json.loads(raw) if as_json else proto.decode_request(raw)
            stdin = proto.recv_frame(sock, proto.MAX_STDIN_BYTES)
            if not isinstance(header, dict):
                raise ValueError("request header is not an object")
            hook = str(header.get("hook"))
            reply = self.server.answer(header, stdin)
        except Exception as exc:  # noqa: BLE001 — the client turns "error" into a refusal
            reply = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
        # The child's stderr is the service log, never the pusher's output.
        body = json.dumps(reply).encode("utf-8") if as_json else proto.encode_reply(reply)
        with contextlib.suppress(OSError):
            proto.send_frame(sock, body)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = time.process_time() * 1000  # this forked child's own CPU time, all of it
        self.server.log.write(
            f"gitannot-service: {hook} {reply.get('status')} exit={reply.get('exit')} "
            f"{elapsed:.1f} ms (cpu {cpu:.1f} ms) {reply.get('reason', '')}\n"
        )
        self.server.log.flush()


def prepare_socket_path(path: Path) -> None:
    """The socket's folder must be this account's alone: whoever can connect decides pushes."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = folder.stat()
    if st.st_uid != os.geteuid():
        raise UsageError(
            f"{folder} belongs to uid {st.st_uid}, not to this account (uid {os.geteuid()})",
            "put the socket in a folder the repositories' account owns, e.g. ~/run/gitannot",
        )
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UsageError(
            f"{folder} is writable by others: they could replace the service socket",
            f"chmod go-w {folder}",
        )
    if path.is_socket() or path.exists():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
        except (ConnectionRefusedError, FileNotFoundError):
            path.unlink(missing_ok=True)  # left behind by a service that died
        else:
            raise UsageError(f"a hook service already answers on {path}", "stop it first")
        finally:
            probe.close()


def serve(socket_path: Path, log: TextIO = sys.stderr) -> None:
    import gc
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    from gitannot.gitio.repo import cache_blobs

    cache_blobs()  # process-wide libgit2 settings: set once here, children inherit them
    # Children must not copy the parent's heap: a collection in a child walks (so writes
    # to) every object the parent made. Frozen objects are never collected or visited.
    gc.freeze()
    prepare_socket_path(socket_path)
    old_umask = os.umask(0o077)
    try:
        service = HookService(socket_path, log)
    finally:
        os.umask(old_umask)

    def stop(signum: int, frame: object) -> None:  # noqa: ARG001 — signal handler signature
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    log.write(f"gitannot-service: serving on {socket_path} (pid {os.getpid()})\n")
    log.flush()
    try:
        service.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        service.server_close()
        socket_path.unlink(missing_ok=True)
        log.write("gitannot-service: stopped\n")
        log.flush()

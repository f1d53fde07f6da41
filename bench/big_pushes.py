"""The big pushes of bench_hook.py, each against a baseline measured in the same run.

- N ref updates in one push, and N new commits in one push: the same push into a plain
  bare repository is the baseline; the hook time is the difference.
- A COCO file of N annotations already on main, pushed again with 1% of its annotations
  edited: the baseline is a bare `orjson.loads` of the file (fresh interpreter, best of
  2). Its first sight (no cache) and `gitannot server warm` are timed too.

The hooked repository's hook_timeout_seconds is raised so every push is measured (the
output says which would not fit the default); the access policy raises the ref-update
and blob-size limits the measured pushes need, when this gitannot knows those keys.
"""

import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
from benchgit import run_git

from gitannot.access.model import LimitKind
from gitannot.constants import DEFAULT_HOOK_TIMEOUT_SECONDS as DEFAULT_TIMEOUT
from gitannot.gitio.sealed import sealed_git_env

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "gitannot" / "scaffold" / "templates" / "configs" / "access.yaml"
LOADS = (
    "import orjson, sys, time; d = open(sys.argv[1], 'rb').read(); "
    "t, c = time.perf_counter(), time.process_time(); orjson.loads(d); "
    "print(time.perf_counter() - t, time.process_time() - c)"
)


def policy(refs: int) -> str:
    """The scaffold's policy, with limits that let the measured pushes through."""
    text = POLICY.read_text().replace(
        "  - max_blob_bytes: 10485760  # 10 MiB per file",
        "  - max_blob_bytes: 2147483648  # big COCO files are measured",
    )
    if "max_ref_updates" in {k.value for k in LimitKind}:  # known since issue 11
        text = text.replace("limits:\n", f"limits:\n  - max_ref_updates: {refs + 1000}\n", 1)
    return text


@dataclass
class Timing:
    """Wall time, and the CPU time of every process the push ran (git and the hooks):
    on a busy machine the CPU time is the steadier measure. `hooks`: wall time of the
    hook processes alone (pre- and post-receive), as git's trace2 reports them."""

    wall: float
    cpu: float
    hooks: float = 0.0

    def __sub__(self, other: "Timing") -> "Timing":
        return Timing(self.wall - other.wall, self.cpu - other.cpu, self.hooks - other.hooks)


def hook_seconds(trace: Path) -> float:
    """Sum of the hook children's run times in a GIT_TRACE2_EVENT file: what the hooks
    cost the push, apart from receive-pack's own work (index-pack, fsck, ref update)."""
    if not trace.exists():
        return 0.0
    hooks: set[tuple[str, int]] = set()
    total = 0.0
    for line in trace.read_text().splitlines():
        event = orjson.loads(line)
        key = (event.get("sid", ""), event.get("child_id", -1))
        if event.get("event") == "child_start" and event.get("child_class") == "hook":
            hooks.add(key)
        elif event.get("event") == "child_exit" and key in hooks:
            total += float(event["t_rel"])
    trace.unlink()
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Pair:
    """A hooked and a plain bare repository, and a client that pushes to both."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = sealed_git_env(root / "home", author=("a", "a@x"), committer=("a", "a@x"))
        self.env["GITANNOT_USER"] = "alice"
        self.hooked, self.plain, self.client = (
            root / "hooked.git",
            root / "plain.git",
            root / "client",
        )

    def git(self, *args: str, stdin: str = "", cwd: Path | None = None) -> str:
        return run_git(args, cwd=cwd or self.client, env=self.env, stdin=stdin)

    def gitannot(self, *args: str) -> str:
        cmd = [sys.executable, "-m", "gitannot", *args]
        return subprocess.run(cmd, env=self.env, check=True, capture_output=True, text=True).stdout

    def setup(self, refs: int) -> None:
        self.gitannot("server", "install", str(self.hooked), "--init", "--admin", "alice")
        config = self.hooked / "gitannot" / "server.yaml"
        text = config.read_text()
        config.write_text(
            text.replace(f"hook_timeout_seconds: {DEFAULT_TIMEOUT}", "hook_timeout_seconds: 3600")
        )
        self.git("init", "-q", "--bare", str(self.plain), cwd=self.root)
        self.git("init", "-q", str(self.client), cwd=self.root)
        (self.client / "configs").mkdir()
        (self.client / "configs" / "access.yaml").write_text(policy(refs))
        # The measured COCO file is bigger than the default 64 MiB label-file limit.
        (self.client / "configs" / "project.yaml").write_text(
            "limits:\n  max_file_bytes: 2147483648\n"
        )
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "policy")
        for repo in (self.hooked, self.plain):
            self.push(repo, "HEAD:refs/heads/main")

    def push(self, repo: Path, *refspecs: str) -> Timing:
        trace = self.root / "trace2.json"
        self.env["GIT_TRACE2_EVENT"] = str(trace)
        try:
            wall, cpu = time.perf_counter(), _children_cpu()
            self.git("push", "-q", str(repo), *refspecs)
            return Timing(time.perf_counter() - wall, _children_cpu() - cpu, hook_seconds(trace))
        finally:
            del self.env["GIT_TRACE2_EVENT"]

    def both(self, *refspecs: str) -> tuple[Timing, Timing]:
        """(hooked, plain) times of the same push."""
        return self.push(self.hooked, *refspecs), self.push(self.plain, *refspecs)


def many_refs(pair: Pair, count: int) -> None:
    head = pair.git("rev-parse", "HEAD").strip()
    names = [f"refs/heads/annotate/alice/r{i}" for i in range(count)]
    pair.git("update-ref", "--stdin", stdin="".join(f"create {n} {head}\n" for n in names))
    hooked, plain = pair.both("refs/heads/annotate/alice/*:refs/heads/annotate/alice/*")
    _row(f"{count:,} ref updates in one push", hooked, plain)


def many_commits(pair: Pair, count: int) -> None:
    base = pair.git("rev-parse", "main").strip()
    lines = []
    for i in range(count):
        data = f"note {i}\n"
        lines += [
            "commit refs/heads/bulk",
            f"committer a <a@x> {1700000000 + i} +0000",
            f"data {len(f'c{i}')}",
            f"c{i}",
            *([f"from {base}"] if i == 0 else []),
            f"M 100644 inline labels/notes/n{i % 50}.txt",
            f"data {len(data)}",
            data,
        ]
    pair.git("fast-import", "--quiet", stdin="\n".join(lines) + "\n")
    hooked, plain = pair.both("refs/heads/bulk:refs/heads/annotate/alice/bulk")
    _row(f"{count:,} new commits in one push", hooked, plain)


def _row(what: str, hooked: Timing, plain: Timing) -> None:
    hook = hooked - plain
    fits = "within" if hook.wall <= DEFAULT_TIMEOUT else "OVER"
    print(f"  {what}:")
    for kind in ("wall", "cpu"):
        h, p = getattr(hooked, kind), getattr(plain, kind)
        print(f"    {kind:<4} {h:7.2f} s vs {p:6.2f} s plain   ratio {h / p:6.2f}x")
    print(
        f"    hook time {hook.wall:6.2f} s wall, {hook.cpu:6.2f} s CPU (push minus plain push);"
        f" hook processes {hooked.hooks:6.2f} s ({fits} the default {DEFAULT_TIMEOUT:g} s limit)"
    )


def big_file(pair: Pair, annotations: int) -> None:
    from bench_validate import generate

    path = pair.root / "big.json"
    generate(str(path), annotations)
    data = path.read_bytes()
    runs = [_python(LOADS, str(path)).split() for _ in range(2)]
    loads = Timing(min(float(r[0]) for r in runs), min(float(r[1]) for r in runs))
    print(f"  COCO file of {annotations:,} annotations, {len(data) / 1e6:.0f} MB (best of 2):")
    print(f"    {'bare orjson.loads':<42} {loads.wall:7.2f} s {loads.cpu:7.2f} s   1.00x 1.00x")
    target = pair.client / "labels" / "coco" / "big.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    _commit(pair, target, data, "big file")
    hooked, plain = pair.both("HEAD:refs/heads/main")
    _file_row("first sight (no cache), minus plain", hooked - plain, loads)
    _file_row("first sight: hook processes", Timing(hooked.hooks, 0.0), loads)
    shutil.rmtree(pair.hooked / "gitannot" / "cache" / "validation", ignore_errors=True)
    wall, cpu = time.perf_counter(), _children_cpu()
    pair.gitannot("server", "warm", str(pair.hooked))
    warmed = Timing(time.perf_counter() - wall, _children_cpu() - cpu)
    _file_row("`gitannot server warm` of main", warmed, loads)
    pushes = []
    for seed in range(2):  # two 1% edits in a row: on a busy machine one run is noisy
        data = edited(data, seed)
        _commit(pair, target, data, f"edit 1% ({seed})")
        pushes.append(pair.both("HEAD:refs/heads/main"))
    took = Timing(*(min(getattr(h - p, k) for h, p in pushes) for k in ("wall", "cpu")))
    hooks = min(h.hooks for h, _p in pushes)
    _file_row("push of a 1% edit, minus plain (best of 2)", took, loads)
    _file_row("push of a 1% edit: hook processes", Timing(hooks, 0.0), loads)


def edited(data: bytes, seed: int = 0) -> bytes:
    doc = orjson.loads(data)
    anns = doc["annotations"]
    for index in random.Random(seed).sample(range(len(anns)), max(1, len(anns) // 100)):
        anns[index]["bbox"][0] = round(anns[index]["bbox"][0] + 0.5, 2)
    return orjson.dumps(doc)  # the generator's layout: unchanged records keep their bytes


def _commit(pair: Pair, target: Path, data: bytes, message: str) -> None:
    target.write_bytes(data)
    pair.git("add", "-A")
    pair.git("commit", "-q", "-m", message)


def _file_row(what: str, took: Timing, loads: Timing) -> None:
    """`took.cpu` 0: a wall-time figure only ("hook processes": git's trace2 gives the
    hooks' run time, no CPU time)."""
    fits = "within" if took.wall <= DEFAULT_TIMEOUT else "OVER"
    cpu = f"{took.cpu:7.2f} s" if took.cpu else f"{'-':>9}"
    cpu_ratio = f"{took.cpu / loads.cpu:5.2f}x" if took.cpu else f"{'-':>6}"
    print(
        f"    {what:<42} {took.wall:7.2f} s {cpu}  "
        f" {took.wall / loads.wall:5.2f}x {cpu_ratio}"
        f"  ({fits} the default {DEFAULT_TIMEOUT:g} s limit)"
    )


def _python(code: str, *args: str) -> str:
    cmd = [sys.executable, "-c", code, *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def big(refs: int, commits: int, annotations: int) -> None:
    """Each part runs when its size is not 0."""
    with tempfile.TemporaryDirectory(prefix="gitannot-bench-big-") as tmp:
        pair = Pair(Path(tmp))
        pair.setup(refs)
        print("big pushes (hook time = hooked push - the same push into a plain repo):")
        if refs:
            many_refs(pair, refs)
        if commits:
            many_commits(pair, commits)
        if annotations:
            print(f"    {'':<42} {'wall':>9} {'CPU':>9}   ratios to orjson.loads")
            big_file(pair, annotations)

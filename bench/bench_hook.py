"""Hook overhead: median push time with gitannot vs the same push with no hooks.

    python bench/bench_hook.py [--runs 15] [--refs 5000] [--commits 10000]
                               [--annotations 1000000] [--only small|big]

Each run pushes one new commit touching 10 files to three bare repositories: one plain,
one with gitannot's hooks running in-process, one whose hooks hand their runs to the
resident hook service (`gitannot server serve`). Pushes alternate so machine noise hits
all three. Two overheads are printed: the push minus the plain push, and the hook
processes alone (pre- plus post-receive, their run time as git's trace2 reports it:
what the hooks cost, apart from receive-pack's own work). The floor is what an
in-process hook pays before doing work: interpreter start plus gitannot's imports.
`--quick` runs small sizes (5 runs, 500 refs, 1,000 commits, 20,000 annotations).

Then the big pushes (big_pushes.py), each against its baseline in the same run: 5,000 ref
updates and 10,000 new commits against the same push into a plain bare repository, and
a 1% edit of a big COCO file already on main against a bare `orjson.loads` of the file
(its first sight too, and `gitannot server warm` for it).
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitannot.gitio.sealed import sealed_git_env


def git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def timed(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def gitannot(*args: str, env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "gitannot", *args]
    subprocess.run(cmd, check=True, capture_output=True, env=env)


def start_service(sock: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "gitannot", "server", "serve", "--socket", str(sock)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if sock.exists():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the hook service did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--refs", type=int, default=5000, help="ref updates in the big push")
    parser.add_argument("--commits", type=int, default=10_000, help="commits in the big push")
    parser.add_argument(
        "--annotations", type=int, default=1_000_000, help="size of the COCO file edited by 1%%"
    )  # --refs 0 / --commits 0 / --annotations 0 skip that big push
    parser.add_argument("--only", choices=["small", "big"], help="run only these pushes")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a quick look")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.refs, args.commits, args.annotations = 5, 500, 1000, 20_000
    if args.only != "big":
        small(args)
    if args.only != "small":
        from big_pushes import big

        big(args.refs, args.commits, args.annotations)


def small(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="gitannot-bench-") as tmp:
        root = Path(tmp)
        env = sealed_git_env(root / "home", author=("b", "b@x"), committer=("b", "b@x"))
        env["GITANNOT_USER"] = "alice"
        repos = {name: root / f"{name}.git" for name in ("plain", "in-process", "service")}
        git("init", "--bare", "-q", str(repos["plain"]), env=env)
        sock = root / "run" / "hooks.sock"
        for name in ("in-process", "service"):
            gitannot("server", "install", str(repos[name]), "--init", "--admin", "alice", env=env)
        gitannot("server", "install", str(repos["service"]), "--service", str(sock), env=env)
        service = start_service(sock, env)
        try:
            times, hooks = push_runs(root / "work", repos, args.runs, env)
        finally:
            service.terminate()
            service.wait()
        python_start = [timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
        imports = [
            timed([sys.executable, "-c", "import gitannot.hook.pre_receive"])
            for _ in range(args.runs)
        ]
    plain_ms = statistics.median(times["plain"]) * 1000
    floor_ms = statistics.median(imports) * 1000
    print(f"push, 1 commit x 10 files, median of {args.runs} (same run):")
    print(f"  no hooks                     {plain_ms:8.1f} ms   1.00x")
    for name in ("in-process", "service"):
        ms = statistics.median(times[name]) * 1000
        hook_ms = statistics.median(hooks[name]) * 1000
        print(f"  gitannot, {name:<18} {ms:8.1f} ms   {ms / plain_ms:5.2f}x")
        print(f"    push minus plain push       {ms - plain_ms:8.1f} ms")
        print(f"    hook processes (pre+post)   {hook_ms:8.1f} ms   (trace2, median)")
    print(f"  floor: python start          {statistics.median(python_start) * 1000:8.1f} ms")
    print(f"  floor: start + imports       {floor_ms:8.1f} ms   (one in-process hook)")


def push_runs(
    work: Path, repos: dict[str, Path], runs: int, env: dict[str, str]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per repository: each push's wall time, and its hook processes' (trace2)."""
    from big_pushes import hook_seconds

    git("init", "-q", str(work), env=env)
    times: dict[str, list[float]] = {name: [] for name in repos}
    hooks: dict[str, list[float]] = {name: [] for name in repos}
    trace = work.parent / "trace2.json"
    for run in range(runs + 1):
        for i in range(10):
            (work / "labels" / f"f{i}.json").parent.mkdir(exist_ok=True)
            (work / "labels" / f"f{i}.json").write_text(f'{{"run": {run}, "file": {i}}}\n')
        git("add", "-A", cwd=work, env=env)
        git("commit", "-q", "-m", f"run {run}", cwd=work, env=env)
        for name, repo in repos.items():
            cmd = ["git", "push", "-q", f"file://{repo}", "HEAD:refs/heads/main"]
            elapsed = timed(cmd, cwd=work, env={**env, "GIT_TRACE2_EVENT": str(trace)})
            hook = hook_seconds(trace)
            if run:  # the first push creates the branch: not typical
                times[name].append(elapsed)
                hooks[name].append(hook)
    return times, hooks


if __name__ == "__main__":
    main()

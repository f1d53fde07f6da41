"""Hook overhead: median push time with gitannot installed vs the same push with no hooks.

    python bench/bench_hook.py [--runs 15]

Each run pushes one new commit touching 10 files to two bare repositories, one with
gitannot installed and one plain, alternating so machine noise hits both. The floor is
what any Python hook pays before doing work: interpreter start plus gitannot's imports.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitannot.gitio.sealed import sealed_git_env

ROOT = Path(__file__).resolve().parents[1]


def git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def timed(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitannot-bench-") as tmp:
        root = Path(tmp)
        env = sealed_git_env(root / "home", author=("b", "b@x"), committer=("b", "b@x"))
        env["GITANNOT_USER"] = "alice"
        hooked, plain = root / "hooked.git", root / "plain.git"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "gitannot",
                "server",
                "install",
                str(hooked),
                "--init",
                "--admin",
                "alice",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        git("init", "--bare", "-q", str(plain), env=env)
        work = root / "work"
        git("init", "-q", str(work), env=env)
        times: dict[str, list[float]] = {"hooked": [], "plain": []}
        for run in range(args.runs + 1):
            for i in range(10):
                (work / "labels" / f"f{i}.json").parent.mkdir(exist_ok=True)
                (work / "labels" / f"f{i}.json").write_text(f'{{"run": {run}, "file": {i}}}\n')
            git("add", "-A", cwd=work, env=env)
            git("commit", "-q", "-m", f"run {run}", cwd=work, env=env)
            for name, repo in (("hooked", hooked), ("plain", plain)):
                elapsed = timed(
                    ["git", "push", "-q", f"file://{repo}", "HEAD:refs/heads/main"],
                    cwd=work,
                    env=env,
                )
                if run:  # the first push creates the branch: not typical
                    times[name].append(elapsed)
        python_start = [timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
        imports = [
            timed(
                [sys.executable, "-c", "import gitannot.hook.pre_receive, gitannot.hook.pipeline"]
            )
            for _ in range(args.runs)
        ]
    hooked_ms = statistics.median(times["hooked"]) * 1000
    plain_ms = statistics.median(times["plain"]) * 1000
    floor_ms = statistics.median(imports) * 1000
    print(f"push, 1 commit x 10 files, median of {args.runs} (same run):")
    print(f"  no hooks               {plain_ms:8.1f} ms   1.00x")
    print(f"  gitannot installed     {hooked_ms:8.1f} ms   {hooked_ms / plain_ms:5.2f}x")
    print(f"  hook overhead          {hooked_ms - plain_ms:8.1f} ms")
    print(f"  floor: python start    {statistics.median(python_start) * 1000:8.1f} ms")
    print(
        f"  floor: start + imports {floor_ms:8.1f} ms   (overhead beyond floor "
        f"{hooked_ms - plain_ms - floor_ms:.1f} ms)"
    )


if __name__ == "__main__":
    main()

"""`gitannot diff`, `blame` and `log --annotation` on a large COCO file, against one bare
`orjson.loads` of one version measured in the same run.

    python bench/bench_history.py                        # 100k annotations
    python bench/bench_history.py --annotations 1000000

Two versions of a generated COCO instances file (bench/gen_coco.py, pretty layout: 1 %
of the annotations moved, 1 % added) are:
- diffed in process with gitannot.history.diff.diff_versions (the text form of
  `gitannot diff`), best of --repeat;
- committed to a scratch repository (two commits) where `git diff HEAD~1 HEAD` runs the
  registered driver, `gitannot blame` blames every annotation and `gitannot log
  --annotation` follows one moved annotation, each timed once end to end (process start,
  git writing the blobs out for the driver, output to /dev/null).
The issue's target: diff at most one `orjson.loads` (ratio <= 1). No timing is asserted
anywhere; docs/history.md has measured figures.
"""

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_coco import encode, sides  # the generator sits next to this file

from gitannot.history.diff import diff_versions

REL = "labels/a.json"


Times = tuple[float, float]  # (wall s, CPU s)


def best(repeat: int, run: Callable[[], object], *, gc_off: bool = False) -> Times:
    """Best wall and best CPU time of `repeat` runs (CPU time: the figure that holds on
    a machine shared with other work)."""
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
        if gc_off:
            gc.disable()
        start, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        gc.enable()
    return min(walls), min(cpus)


def once(args: list[str], cwd: Path) -> Times:
    """Wall and CPU time (user + system of the process and what it started)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org"}
    env.update(GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.org")
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def scratch_repo(root: Path, old: bytes, new: bytes) -> Path:
    repo = root / "repo"
    (repo / "labels").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    command = f"{sys.executable} -m gitannot diff"
    git(repo, "config", "diff.gitannot.command", command)
    (repo / ".gitattributes").write_text("labels/** diff=gitannot\n", encoding="utf-8")
    for n, data in enumerate((old, new)):
        (repo / REL).write_bytes(data)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"v{n}")
    return repo


def ratio(label: str, took: Times, bare: Times, bare_off: Times) -> None:
    """Ratios to one orjson.loads (GC on, and GC paused), by wall and by CPU time."""
    print(
        f"{label}: wall {took[0]:.2f} s, cpu {took[1]:.2f} s | ratio to orjson.loads "
        f"wall {took[0] / bare[0]:.2f} cpu {took[1] / bare[1]:.2f} | "
        f"to orjson.loads with GC paused wall {took[0] / bare_off[0]:.2f} "
        f"cpu {took[1] / bare_off[1]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-git", action="store_true", help="only the in-process diff")
    args = parser.parse_args()
    base, ours, _ = sides(args.annotations)
    old, new = encode(base, "pretty"), encode(ours, "pretty")
    pairs = zip(base["annotations"], ours["annotations"], strict=False)
    moved = next(a["id"] for a, b in pairs if a != b)
    del base, ours
    found = diff_versions(REL, old, new)
    bare = best(args.repeat, lambda: orjson.loads(old))
    # The cyclic GC walks the objects a full parse builds; with it paused the parse is
    # the lower baseline (what parse_file does), so both are shown.
    bare_off = best(args.repeat, lambda: orjson.loads(old), gc_off=True)
    diff = best(args.repeat, lambda: diff_versions(REL, old, new))
    print(
        f"{args.annotations} annotations, {len(old) / 1e6:.0f} MB: "
        f"{len(found.changed)} changed, {len(found.added)} added, {len(found.removed)} removed"
    )
    print(
        f"orjson.loads of one version: wall {bare[0]:.2f} s, cpu {bare[1]:.2f} s; "
        f"cyclic GC paused: wall {bare_off[0]:.2f} s, cpu {bare_off[1]:.2f} s"
    )
    ratio("gitannot diff (in process)", diff, bare, bare_off)
    print(f"ratio diff/orjson.loads {diff[1] / bare[1]:.2f} (cpu)")
    if args.no_git:
        return
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        repo = scratch_repo(Path(tmp), old, new)
        ratio(
            "git diff HEAD~1 HEAD via the driver",
            once(["git", "diff", "HEAD~1", "HEAD"], repo),
            bare,
            bare_off,
        )
        gitannot = [sys.executable, "-m", "gitannot"]
        ratio(
            "gitannot blame (every annotation)",
            once([*gitannot, "blame", REL], repo),
            bare,
            bare_off,
        )
        log = [*gitannot, "log", REL, "--annotation", str(moved)]
        ratio(f"gitannot log --annotation {moved}", once(log, repo), bare, bare_off)


if __name__ == "__main__":
    main()
